/**
 * The floor: the engine's own runner (`TfliteRunner`, direct tensor views) invoked back to back with
 * fresh inputs written each time, no engine, no worker hop, no operator. Platform-free; Node loads the
 * runners in `main.ts`, the Chromium page in a worker of its own (`browser/raw-invoke-worker.ts`).
 */
import type { ModelRunner } from '../../src/runtime/runner.js';
import { chunkFrames, median } from './bench-util.js';

export interface RawInvokeResult {
  hidden: number;
  /** Median µs per invoke at batch 1. */
  usPerCallB1: number;
  /** Median µs per stream of a batch-64 invoke: the per-step floor of a batched engine. */
  usPerStreamB64: number;
  rounds: number;
  /** CPU time per stream of a batch-64 invoke (µs, median), where measurable (Node). */
  cpuUsPerStreamB64?: number;
  /** Every round's figures, to pool runs measured at different times. */
  samplesB1: number[];
  samplesB64: number[];
  cpuSamplesB64?: number[];
}

/** Pools results for one hidden size (e.g. before and after the end-to-end runs): medians of all rounds. */
export function poolRawInvoke(rs: RawInvokeResult[]): RawInvokeResult {
  const samplesB1 = rs.flatMap((r) => r.samplesB1);
  const samplesB64 = rs.flatMap((r) => r.samplesB64);
  const cpuSamplesB64 = rs.flatMap((r) => r.cpuSamplesB64 ?? []);
  const pooled: RawInvokeResult = {
    hidden: rs[0]!.hidden,
    usPerCallB1: median(samplesB1),
    usPerStreamB64: median(samplesB64),
    rounds: samplesB1.length,
    samplesB1,
    samplesB64,
  };
  if (cpuSamplesB64.length > 0) {
    pooled.cpuUsPerStreamB64 = median(cpuSamplesB64);
    pooled.cpuSamplesB64 = cpuSamplesB64;
  }
  return pooled;
}

/** µs per invoke over `n` invokes, writing fresh x rows before each. */
function timeInvokes(r: ModelRunner, n: number, xs: Float32Array): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const x = r.x;
    const k = i & 15;
    x.set(xs.subarray(k * x.length, (k + 1) * x.length));
    r.invoke();
  }
  return ((performance.now() - t0) * 1000) / n;
}

/**
 * Times a batch-1 and a batch-64 runner, interleaved round after round; medians.
 * @param calls invokes per round at B=1 (B=64 gets a tenth)
 */
export function measureRawInvoke(
  hidden: number,
  r1: ModelRunner,
  r64: ModelRunner,
  o: { rounds: number; calls: number },
  cpuMicros?: () => number,
): RawInvokeResult {
  const xs1 = chunkFrames(16 * r1.x.length, 11);
  const xs64 = chunkFrames(16 * r64.x.length, 12);
  const b64Calls = Math.max(10, Math.round(o.calls / 10));
  // Warm-up: the first invokes pack XNNPACK's weights.
  timeInvokes(r1, o.calls, xs1);
  timeInvokes(r64, b64Calls, xs64);
  const b1: number[] = [];
  const b64: number[] = [];
  const cpu64: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    b1.push(timeInvokes(r1, o.calls, xs1));
    const cpu0 = cpuMicros?.() ?? 0;
    b64.push(timeInvokes(r64, b64Calls, xs64) / r64.batch);
    if (cpuMicros) cpu64.push((cpuMicros() - cpu0) / (b64Calls * r64.batch));
  }
  const result: RawInvokeResult = {
    hidden,
    usPerCallB1: median(b1),
    usPerStreamB64: median(b64),
    rounds: o.rounds,
    samplesB1: b1,
    samplesB64: b64,
  };
  if (cpuMicros) {
    result.cpuUsPerStreamB64 = median(cpu64);
    result.cpuSamplesB64 = cpu64;
  }
  return result;
}
