/**
 * The platform's own floor under the single-stream latency: a bare message to an idle worker that
 * echoes it back, at the same pace (100 messages/s), no library involved. Platform-free: the caller
 * provides the echo worker (Node: `worker_threads` with an inline script; Chromium: a Blob worker).
 */
import { percentile } from './bench-util.js';

/** An echo worker, seen as a function that sends one message and resolves on its echo. */
export type Echo = () => Promise<void>;

export interface EchoResult {
  /** Messages per second. */
  rate: number;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Round trips of `echo` at `rate` per second for `durationMs` (after a 500 ms warm-up). */
export async function measureEcho(echo: Echo, rate: number, durationMs: number): Promise<EchoResult> {
  const period = 1000 / rate;
  const start = performance.now();
  const recordFrom = start + 500;
  const end = recordFrom + durationMs;
  const times: number[] = [];
  for (let k = 0; ; k++) {
    const due = start + k * period;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t0 = performance.now();
    if (t0 >= end) break;
    await echo();
    if (t0 >= recordFrom) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return {
    rate,
    samples: times.length,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: times[times.length - 1] ?? NaN,
  };
}
