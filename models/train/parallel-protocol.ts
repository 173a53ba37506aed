/**
 * The shared-memory protocol between {@link ParallelGradient} (parallel.ts) and its worker
 * (grad-worker.ts). One `SharedArrayBuffer` per array; a step is requested and acknowledged through
 * `Atomics` on `control`, so neither side allocates or posts a message per minibatch.
 */
import type { LossKind } from './gru-bptt.js';
import type { GruShape } from './gru-model.js';
import type { HeadKind } from '../../src/model/gru-reference.js';

/** Indices into the `control` Int32Array. */
export const CTRL = {
  /** Incremented by the main thread to request a step; -1 asks the worker to exit. */
  request: 0,
  /** Set by the worker to the request it finished. */
  done: 1,
  /** 0 = ok, 1 = the worker failed (message in `error`). */
  status: 2,
  /** Sequences (N) and frames (T) of the requested part. */
  batch: 3,
  steps: 4,
} as const;

/** Indices into the `stats` Float64Array. */
export const STATS = { normalizer: 0, loss: 1, weightSum: 2, accuracy: 3 } as const;

/** Bytes reserved for a worker's error message (UTF-8). */
export const ERROR_BYTES = 2048;

/** `workerData` of a gradient worker. */
export interface GradWorkerData {
  shape: GruShape & { head: HeadKind };
  loss: LossKind;
  maxBatch: number;
  maxSteps: number;
  control: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  error: SharedArrayBuffer;
  /** Parameters, written by the main thread before each request. */
  params: SharedArrayBuffer;
  /** The worker's gradient, written by the worker. */
  grad: SharedArrayBuffer;
  /** The worker's part of the minibatch, `[N, T, I]`, `[N, T(, C)]`, `[N, T]`. */
  inputs: SharedArrayBuffer;
  targets: SharedArrayBuffer;
  weights: SharedArrayBuffer;
}
