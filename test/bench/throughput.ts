/**
 * End-to-end throughput: chunks pushed into `inferMany` on this thread → predictions emitted here,
 * with the engine in its worker. Platform-free (only the public client API, RxJS and timers), so the
 * same code runs in Node and in the Chromium bench page.
 *
 * The driver pushes in waves: one wave is `perStream` chunks of every stream (at least
 * {@link MIN_WAVE_CHUNKS} chunks in all, so one stream still gets a useful batch), and two waves are
 * outstanding at any time: when wave w has been fully emitted, wave w + 2 is pushed. So the batcher
 * always has the next wave queued while the worker steps the current one, and the pending chunks stay
 * at 2 waves, far below `maxPendingChunks`. Steps per second are counted in the steady state, from the
 * end of the first wave to the end of the last.
 */
import { Subject } from 'rxjs';
import { inferMany, isChunkFailure } from '../../src/client/index.js';
import type { Chunk, EngineClient } from '../../src/client/index.js';
import { chunkFrames, median } from './bench-util.js';

/** Runs so far in this realm, to give each run its own stream ids. */
let runs = 0;

/** Fewest chunks in one wave (one stream gets this many chunks per wave). */
export const MIN_WAVE_CHUNKS = 1024;

export interface ThroughputCase {
  /** Concurrent streams. */
  streams: number;
  /** Frames (time steps) per chunk. */
  framesPerChunk: number;
}

export interface ThroughputResult extends ThroughputCase {
  /** Median over repeats of stream-steps (frames) per second, end to end. */
  stepsPerSecond: number;
  /** 1e6 / stepsPerSecond: wall-clock µs per stream-step, all overheads included. */
  usPerStep: number;
  /** Steps per second of every repeat. */
  repeats: number[];
  /** Chunks per wave (two waves outstanding). */
  waveChunks: number;
  /** Mean chunks per worker `step` call. */
  chunksPerCall: number;
  /**
   * CPU time of the whole process (both threads, GC helpers) per stream-step in µs, median over
   * repeats; Node only. Unlike wall time, barely moved by other processes on the machine.
   */
  cpuUsPerStep?: number;
}

export interface ThroughputOptions {
  /** Minimum steady-state time per repeat (ms). */
  durationMs: number;
  repeats: number;
}

/**
 * Measures one case on an engine; streams stay open across repeats and are closed at the end.
 * @param engine a started engine (worker); its `step` is counted while this runs
 */
export async function measureThroughput(
  engine: EngineClient,
  c: ThroughputCase,
  o: ThroughputOptions,
  probes: { cpuMicros?: () => number } = {},
): Promise<ThroughputResult> {
  const { streams: N, framesPerChunk: F } = c;
  const I = engine.model.inputSize;
  const perStream = Math.max(1, Math.ceil(MIN_WAVE_CHUNKS / N));
  const waveChunks = N * perStream;
  const waveSteps = waveChunks * F;
  // Fresh ids per run: the operator closes its streams at the end, and a closed id stays closed.
  const run = runs++;
  const ids = Array.from({ length: N }, (_, s) => `t${run}-${N}x${F}-${s}`);
  // A small pool of distinct chunks, shared by all streams: the batcher only reads them.
  const pool = Array.from({ length: 61 }, (_, k) => chunkFrames(F * I, k + 1));

  const calls = countStepCalls(engine);
  const source = new Subject<Chunk>();
  let emitted = 0;
  let failure: Error | undefined;
  let wake: { at: number; resolve: () => void; reject: (e: Error) => void } | undefined;
  const check = (): void => {
    if (wake === undefined) return;
    if (failure !== undefined) wake.reject(failure);
    else if (emitted >= wake.at) wake.resolve();
    else return;
    wake = undefined;
  };
  const subscription = source.pipe(inferMany(engine)).subscribe({
    next: (v) => {
      if (isChunkFailure(v)) failure ??= new Error(`chunk refused: ${v.error.code} ${v.error.message}`);
      else emitted++;
      check();
    },
    error: (e: unknown) => {
      failure = e instanceof Error ? e : new Error(String(e));
      check();
    },
  });
  /** Resolves once `steps` predictions have been emitted in all. */
  const emittedAtLeast = (steps: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      wake = { at: steps, resolve, reject };
      check();
    });
  let pushed = 0;
  let wave = 0;
  const pushWave = (): void => {
    for (let k = 0; k < perStream; k++) {
      for (let s = 0; s < N; s++)
        source.next({ stream: ids[s]!, frames: pool[(s + k + wave) % pool.length]! });
    }
    wave++;
    pushed += waveSteps;
  };

  try {
    // Warm-up: opens the streams and lets the JIT settle on both sides.
    pushWave();
    pushWave();
    await emittedAtLeast(pushed);
    const repeats: number[] = [];
    const cpu: number[] = [];
    calls.reset();
    let chunks = 0;
    for (let r = 0; r < o.repeats; r++) {
      pushWave();
      pushWave();
      await emittedAtLeast(pushed - waveSteps);
      const t0 = performance.now();
      const cpu0 = probes.cpuMicros?.() ?? 0;
      const e0 = emitted;
      let t1 = t0;
      while (t1 - t0 < o.durationMs) {
        pushWave();
        await emittedAtLeast(pushed - waveSteps);
        t1 = performance.now();
      }
      repeats.push(((emitted - e0) * 1000) / (t1 - t0));
      if (probes.cpuMicros) cpu.push((probes.cpuMicros() - cpu0) / (emitted - e0));
      chunks += (emitted - e0) / F;
      await emittedAtLeast(pushed);
    }
    const stepsPerSecond = median(repeats);
    const result: ThroughputResult = {
      streams: N,
      framesPerChunk: F,
      stepsPerSecond,
      usPerStep: 1e6 / stepsPerSecond,
      repeats,
      waveChunks,
      chunksPerCall: calls.count > 0 ? chunks / calls.count : 0,
    };
    if (cpu.length > 0) result.cpuUsPerStep = median(cpu);
    return result;
  } finally {
    calls.restore();
    const open = (await engine.stats()).openStreams;
    subscription.unsubscribe();
    await closedDown(engine, Math.max(0, open - N));
  }
}

/** Waits until the engine has at most `openStreams` open (the operator closes streams asynchronously). */
export async function closedDown(engine: EngineClient, openStreams: number): Promise<void> {
  while ((await engine.stats()).openStreams > openStreams) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Counts the engine's `step` calls (the batcher calls `engine.step`) until `restore()`, and keeps the
 * round trip of each (call → answer, ms) when `keepRoundTrips`. Wraps the client's own method; the
 * batcher looks it up on every call.
 */
export function countStepCalls(
  engine: EngineClient,
  keepRoundTrips = false,
): { count: number; roundTrips: number[]; reset(): void; restore(): void } {
  const step = engine.step;
  const counter = {
    count: 0,
    roundTrips: [] as number[],
    reset: () => {
      counter.count = 0;
      counter.roundTrips = [];
    },
    restore: () => {
      engine.step = step;
    },
  };
  engine.step = (request) => {
    counter.count++;
    if (!keepRoundTrips) return step(request);
    const t0 = performance.now();
    return step(request).then((result) => {
      counter.roundTrips.push(performance.now() - t0);
      return result;
    });
  };
  return counter;
}
