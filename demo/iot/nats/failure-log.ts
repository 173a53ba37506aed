/**
 * Log lines for a failure that repeats while something is retried (publishes during a JetStream
 * election fail for 5–20 s, hundreds of times a second): the first failure, then at most one line
 * per `everyMs` with the count so far, and one line when an attempt succeeds again. One line per
 * failure wrote about 3,000 lines per gateway in one failover test run.
 */
export class FailureLog {
  private failures = 0;
  private since = 0;
  private lastLineAt = 0;

  /**
   * @param log where lines go (the gateway's log)
   * @param what what failed, e.g. `gateway g1: publish to the results stream`
   * @param everyMs milliseconds between lines while failures go on; default 5,000
   * @param now clock in milliseconds; default `Date.now`
   */
  constructor(
    private readonly log: (line: string) => void,
    private readonly what: string,
    private readonly everyMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** An attempt failed with `detail` (the error's text) and will be retried. */
  failed(detail: string): void {
    const t = this.now();
    this.failures++;
    if (this.failures === 1) {
      this.since = this.lastLineAt = t;
      this.log(`${this.what} failed, retrying: ${detail}`);
    } else if (t - this.lastLineAt >= this.everyMs) {
      this.lastLineAt = t;
      this.log(`${this.what}: ${this.failures} failures in ${t - this.since} ms, still retrying: ${detail}`);
    }
  }

  /** An attempt succeeded: ends a run of failures, saying how long it lasted. */
  succeeded(): void {
    if (this.failures === 0) return;
    this.log(`${this.what} works again after ${this.failures} failures in ${this.now() - this.since} ms`);
    this.failures = 0;
  }
}
