/** A bounded-concurrency map and a progress line on stderr, for the corpus scripts. */

/**
 * `fn` over `items` with at most `concurrency` calls in flight; results keep the input order.
 * The first rejection rejects the whole map (calls already started still finish).
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * "label  123/456  27%  41.2/s  ETA 7s" on stderr: rewritten in place on a terminal, one line per
 * 10% otherwise (logs stay short).
 */
export class ProgressLine {
  private done = 0;
  private lastDecile = -1;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  tick(n = 1): void {
    this.done += n;
    const tty = process.stderr.isTTY;
    const decile = Math.floor((10 * this.done) / Math.max(1, this.total));
    if (!tty && decile === this.lastDecile && this.done !== this.total) return;
    this.lastDecile = decile;
    const sec = (performance.now() - this.start) / 1000;
    const rate = this.done / Math.max(sec, 1e-9);
    const eta = (this.total - this.done) / Math.max(rate, 1e-9);
    const pct = Math.floor((100 * this.done) / Math.max(1, this.total));
    const line = `${this.label}  ${this.done}/${this.total}  ${pct}%  ${rate.toFixed(1)}/s  ETA ${eta.toFixed(0)}s`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Ends the line; returns the elapsed seconds. */
  finish(): number {
    const sec = (performance.now() - this.start) / 1000;
    process.stderr.write(
      `${process.stderr.isTTY ? '\n' : ''}${this.label}: ${this.done} in ${sec.toFixed(1)} s\n`,
    );
    return sec;
  }
}
