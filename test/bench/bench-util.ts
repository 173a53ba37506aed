/** Small helpers shared by the benchmark scripts. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** p-th percentile (0–100), nearest rank. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface BenchArgs {
  quick: boolean;
  json?: string;
}

/** `--quick` and `--json FILE`; anything else is an error (a typo should not silently run the long suite). */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const out: BenchArgs = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a === '--json') {
      const f = argv[++i];
      if (!f) throw new Error('--json needs a file name');
      out.json = f;
    } else throw new Error(`unknown benchmark argument '${a}' (expected --quick, --json FILE)`);
  }
  return out;
}

/** Prints an aligned text table. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => r.map((v, c) => v.padEnd(widths[c]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** `n` floats of a deterministic pseudo-random chunk (values in [-1, 1)). */
export function chunkFrames(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let k = 0; k < n; k++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[k] = x / 2147483648 - 1;
  }
  return a;
}
