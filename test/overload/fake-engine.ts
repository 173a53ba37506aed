/** A fake step target for batcher tests: records step calls; the test answers each one by hand. */
import type { StepRequest, StepResult } from '../../src/protocol/engine.js';
import type { ChunkLimits } from '../../src/protocol/chunk.js';

export const I = 2;
export const C = 3;

export interface Call {
  request: StepRequest;
  /** Answers every chunk: output row of a frame = [its first feature, feature sum, 0]. */
  answer(): void;
}

export function fakeEngine(limits?: ChunkLimits) {
  const calls: Call[] = [];
  const engine = {
    model: limits === undefined ? { inputSize: I, outputSize: C } : { inputSize: I, outputSize: C, limits },
    step: (request: StepRequest): Promise<StepResult> =>
      new Promise<StepResult>((resolve) => {
        calls.push({
          request,
          answer: () => {
            const outputCounts = Int32Array.from(request.frameCounts);
            const rows = outputCounts.reduce((a, b) => a + b, 0);
            const outputs = new Float32Array(rows * C);
            for (let r = 0; r < rows; r++) {
              outputs[r * C] = request.frames[r * I]!;
              outputs[r * C + 1] = request.frames[r * I]! + request.frames[r * I + 1]!;
            }
            resolve({ outputs, outputCounts, errors: [] });
          },
        });
      }),
  };
  return { engine, calls };
}

/** T frames whose first feature is `marker`, so outputs show which chunk they came from. */
export const chunk = (marker: number, frames = 1): Float32Array => {
  const a = new Float32Array(frames * I);
  for (let t = 0; t < frames; t++) a.set([marker, t], t * I);
  return a;
};

/** Lets queued microtasks and promise callbacks run (setImmediate runs after all of them). */
export const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
