/**
 * CPU and memory of a process tree from /proc (Linux), for the Chromium benchmarks: the browser
 * Playwright launched and every process below it.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** The process and all its descendants, from /proc. */
export function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ');
      parent.set(Number(name), Number(fields[1]));
    } catch {
      // The process ended while we listed: it is not part of the tree any more.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  }
  return out;
}

/**
 * The Chromium that Playwright launched: this process's child running Chromium (Debian's
 * /usr/bin/chromium wrapper execs /usr/lib/chromium/chromium, so match the name, not CHROMIUM).
 */
export function chromiumRoot(): number {
  const roots = tree(process.pid).filter((pid) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[1]) === process.pid && /chromium/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
  if (roots.length !== 1)
    throw new Error(`expected one Chromium child of this process, found ${roots.length}`);
  return roots[0]!;
}

/** CPU seconds per pid (processes that ended are skipped). */
export function cpuSeconds(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      // ended
    }
  }
  return out;
}

export function pssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      total += Number(m?.[1] ?? 0) * 1024;
    } catch {
      // ended
    }
  }
  return total;
}

/** % of one core used by the tree over `seconds` (processes present at both ends). */
export async function cpuPercent(root: number, seconds: number): Promise<number> {
  const before = cpuSeconds(tree(root));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuSeconds(tree(root));
  const elapsed = (performance.now() - t0) / 1000;
  let used = 0;
  for (const [pid, s] of after) used += s - (before.get(pid) ?? 0);
  return (100 * used) / elapsed;
}
