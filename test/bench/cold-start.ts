/**
 * Cold start: `createEngine()` called → worker spawned, tfjs-tflite and the model files loaded
 * ("ready") → the first chunk's prediction emitted by `infer`. Platform-free; the Node runner
 * (`node-engines.ts`) measures each sample in a fresh process, so nothing but the OS file cache is reused.
 */
import { firstValueFrom, of } from 'rxjs';
import { infer } from '../../src/client/index.js';
import type { EngineClient } from '../../src/client/index.js';
import { chunkFrames, median } from './bench-util.js';

export interface ColdStartSample {
  /** createEngine() → resolved: worker up, runtime and models loaded (ms). */
  readyMs: number;
  /** Ready → first prediction emitted (ms). */
  firstPredictionMs: number;
  /** createEngine() → first prediction (ms). */
  totalMs: number;
}

export interface ColdStartResult extends ColdStartSample {
  /** How the worker was started, e.g. 'prebuilt node-worker.mjs, fresh process'. */
  how: string;
  /** Medians above are over these samples. */
  samples: ColdStartSample[];
}

/** One cold start with `create`, then disposes the engine. */
export async function coldStartOnce(create: () => Promise<EngineClient>): Promise<ColdStartSample> {
  const t0 = performance.now();
  const engine = await create();
  const t1 = performance.now();
  try {
    await firstValueFrom(
      of(chunkFrames(engine.model.inputSize, 7)).pipe(infer(engine, { stream: 'cold-start' })),
    );
    const t2 = performance.now();
    return { readyMs: t1 - t0, firstPredictionMs: t2 - t1, totalMs: t2 - t0 };
  } finally {
    await engine.dispose();
  }
}

/** Medians of samples, as a result. */
export function summarizeColdStart(how: string, samples: ColdStartSample[]): ColdStartResult {
  return {
    how,
    readyMs: median(samples.map((s) => s.readyMs)),
    firstPredictionMs: median(samples.map((s) => s.firstPredictionMs)),
    totalMs: median(samples.map((s) => s.totalMs)),
    samples,
  };
}
