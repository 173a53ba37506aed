/**
 * Latency at a real rate: chunk enters the operator → its prediction leaves it, with real timers.
 * Platform-free (the public client API, RxJS and timers), so the Chromium bench page runs it too.
 *
 * Chunks are paced by a drift-free schedule: stream s is due at `s / streams` of a period, then every
 * period; each timer tick pushes every chunk that is due (timers fire late, so at high rates a tick
 * pushes a small burst). Latency is measured from the push, with `performance.now()` on both sides.
 * The first {@link WARMUP_MS} are not recorded (streams open, the JIT settles).
 */
import { Subject } from 'rxjs';
import { infer, inferMany, isChunkFailure } from '../../src/client/index.js';
import type { Chunk, EngineClient, Prediction } from '../../src/client/index.js';
import { chunkFrames, percentile } from './bench-util.js';
import { closedDown, countStepCalls } from './throughput.js';

/** Runs so far in this realm, to give each run its own stream ids (closed ids stay closed). */
let runs = 0;

/** Time at the start of each run whose chunks are not recorded. */
export const WARMUP_MS = 500;

export interface LatencyCase {
  /** 'kws' (one stream, keyword spotting) or 'iot' (many sensors). */
  name: string;
  streams: number;
  /** Chunks per second of each stream (one frame per chunk). */
  chunksPerSecond: number;
  /** Micro-batch window of the operator (ms). */
  windowMs: number;
  /** Recorded time after the warm-up (ms). */
  durationMs: number;
}

export interface LatencyResult extends LatencyCase {
  /** Operator used: `infer` for one stream, `inferMany` for many. */
  operator: 'infer' | 'inferMany';
  /** Chunks measured. */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** Worker `step` calls per second, and chunks per call: what the window buys. */
  callsPerSecond: number;
  chunksPerCall: number;
  /**
   * Round trip of the worker calls (step call → its answer on this thread: message, worker wake-up,
   * engine step, message back), p50 and p99 in ms; the rest of the latency is window, queueing and
   * this thread's operator work.
   */
  callP50Ms: number;
  callP99Ms: number;
  /** CPU time of the whole process (both threads) / wall time, in % of one core; Node only. */
  cpuPercent?: number;
}

/** What the platform can add to a run: CPU time so far in µs (Node's `process.cpuUsage`). */
export interface LatencyProbes {
  cpuMicros?: () => number;
}

/** Runs one case on an engine and returns its latency distribution. */
export async function measureLatency(
  engine: EngineClient,
  c: LatencyCase,
  probes: LatencyProbes = {},
): Promise<LatencyResult> {
  const N = c.streams;
  const I = engine.model.inputSize;
  const periodMs = 1000 / c.chunksPerSecond;
  const run = runs++;
  const ids = Array.from({ length: N }, (_, s) => `lat${run}-${c.name}-${c.windowMs}-${s}`);
  const indexOf = new Map(ids.map((id, s) => [id, s]));
  const perStream = Math.ceil(((WARMUP_MS + c.durationMs) / 1000) * c.chunksPerSecond) + 1;
  const pushedAt = new Float64Array(N * perStream);
  const latencies: number[] = [];
  const pool = Array.from({ length: 31 }, (_, k) => chunkFrames(I, 100 + k));
  const calls = countStepCalls(engine, true);
  let failure: Error | undefined;

  const record = (s: number, seq: number, at: number): void => {
    const t0 = pushedAt[s * perStream + seq]!;
    if (t0 >= recordFrom) latencies.push(at - t0);
  };
  const onError = (e: unknown): void => {
    failure ??= e instanceof Error ? e : new Error(String(e));
  };
  let recordFrom = Infinity;

  // One stream: `infer`, as an app would use it; many: `inferMany`, one source for all sensors.
  let push: (s: number, frames: Float32Array) => void;
  let stop: () => void;
  if (N === 1) {
    const source = new Subject<Float32Array>();
    const sub = source
      .pipe(infer(engine, { stream: ids[0]!, windowMs: c.windowMs }))
      .subscribe({ next: (p: Prediction) => record(0, p.seq, performance.now()), error: onError });
    push = (_s, frames) => source.next(frames);
    stop = () => sub.unsubscribe();
  } else {
    const source = new Subject<Chunk>();
    const sub = source.pipe(inferMany(engine, { windowMs: c.windowMs })).subscribe({
      next: (v) => {
        if (isChunkFailure(v)) onError(new Error(`chunk refused: ${v.error.code} ${v.error.message}`));
        else record(indexOf.get(v.stream)!, v.seq, performance.now());
      },
      error: onError,
    });
    push = (s, frames) => source.next({ stream: ids[s]!, frames });
    stop = () => sub.unsubscribe();
  }

  const start = performance.now();
  const end = start + WARMUP_MS + c.durationMs;
  recordFrom = start + WARMUP_MS;
  /** Next chunk index of each stream; stream s's chunk k is due at start + (k + s / N) × period. */
  const next = new Int32Array(N);
  let cpu0 = 0;
  let wall0 = 0;
  let callsAtStart = 0;
  let measuring = false;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (!measuring && now >= recordFrom) {
        measuring = true;
        wall0 = now;
        cpu0 = probes.cpuMicros?.() ?? 0;
        callsAtStart = calls.count;
        calls.roundTrips = [];
      }
      if (now >= end || failure !== undefined) {
        resolve();
        return;
      }
      let due = Infinity;
      for (let s = 0; s < N; s++) {
        for (;;) {
          const at = start + (next[s]! + s / N) * periodMs;
          if (at > now) {
            due = Math.min(due, at);
            break;
          }
          const k = next[s]!++;
          pushedAt[s * perStream + k] = performance.now();
          push(s, pool[(s + k) % pool.length]!);
        }
      }
      setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  });
  const wall = performance.now() - wall0;
  const cpuPercent = probes.cpuMicros ? ((probes.cpuMicros() - cpu0) / 1000 / wall) * 100 : undefined;
  const callCount = calls.count - callsAtStart;
  // Let the last chunks come back, then close the streams.
  await new Promise((resolve) => setTimeout(resolve, 50));
  calls.restore();
  const open = (await engine.stats()).openStreams;
  stop();
  await closedDown(engine, Math.max(0, open - N));
  if (failure !== undefined) throw failure;
  const sorted = latencies.sort((a, b) => a - b);
  const samples = sorted.length;
  const result: LatencyResult = {
    ...c,
    operator: N === 1 ? 'infer' : 'inferMany',
    samples,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[samples - 1] ?? NaN,
    meanMs: sorted.reduce((a, b) => a + b, 0) / samples,
    callsPerSecond: (callCount * 1000) / wall,
    chunksPerCall: callCount > 0 ? samples / callCount : 0,
    callP50Ms: percentile(calls.roundTrips, 50),
    callP99Ms: percentile(calls.roundTrips, 99),
  };
  if (cpuPercent !== undefined) result.cpuPercent = cpuPercent;
  return result;
}
