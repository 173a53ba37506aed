/** Shared by the client tests: test-model inputs cut into chunks, and the reference outputs. */
import { referenceSequence } from '../../src/model/gru-reference.js';
import { mulberry32, randomNormal } from '../../src/model/random.js';
import { TEST_MODEL_INPUT_SIZE, testModelWeights } from '../../models/test-models.js';

export const H = 64;
export const I = TEST_MODEL_INPUT_SIZE;
export const WEIGHTS = testModelWeights(H);
export const C = WEIGHTS.outputSize;

/** T frames of standard-normal features for one stream. */
export const streamFrames = (seed: number, frames: number): Float32Array => randomNormal(frames * I, seed);

/** Cuts a stream's frames into chunks of 1..maxFrames frames (each owning its buffer). */
export function cutAtRandom(frames: Float32Array, seed: number, maxFrames: number): Float32Array[] {
  const rand = mulberry32(seed);
  const chunks: Float32Array[] = [];
  for (let t = 0; t < frames.length / I;) {
    const T = Math.min(1 + Math.floor(rand() * maxFrames), frames.length / I - t);
    chunks.push(frames.slice(t * I, (t + T) * I));
    t += T;
  }
  return chunks;
}

/** The head outputs of the reference GRU over `frames`, T × C. */
export const referenceOutputs = (frames: Float32Array, h0?: Float32Array): Float32Array =>
  referenceSequence(WEIGHTS, frames, h0).y;

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
}

export function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A promise with its resolve function, for ordering tests by explicit signals. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
