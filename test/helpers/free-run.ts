import type { GruWeights } from '../../src/model/gru-reference.js';
import { referenceStep } from '../../src/model/gru-reference.js';
import { randomNormal } from '../../src/model/random.js';
import type { ModelRunner } from '../../src/runtime/runner.js';

export interface FreeRunResult {
  /** Max abs difference of h over every stream and step. */
  maxErrH: number;
  /** Max abs difference of y over every stream and step. */
  maxErrY: number;
  /** Share of (stream, step) pairs whose argmax of y agrees with the reference. */
  argmaxAgreement: number;
  /** Max |sum(y) − 1| (0 for a softmax head that normalises). */
  maxSumErr: number;
}

/**
 * Runs `streams` streams for `steps` free-running steps through `runner` (in groups of `runner.batch`
 * rows, padding rows zero) and through the reference, each side feeding back its own state.
 * @param seed seed of the standard-normal input frames
 */
export function freeRunAgainstReference(
  runner: ModelRunner,
  w: GruWeights,
  streams: number,
  steps: number,
  seed = 42,
): FreeRunResult {
  const run = freeRun(runner, w, streams, steps, seed);
  for (let r = run.next(); ; r = run.next()) {
    if (r.done) return r.value;
    runner.invoke();
  }
}

/** {@link freeRunAgainstReference} for a runner whose step is asynchronous (`invokeAsync`). */
export async function freeRunAgainstReferenceAsync(
  runner: ModelRunner & { invokeAsync(): Promise<void> },
  w: GruWeights,
  streams: number,
  steps: number,
  seed = 42,
): Promise<FreeRunResult> {
  const run = freeRun(runner, w, streams, steps, seed);
  for (let r = run.next(); ; r = run.next()) {
    if (r.done) return r.value;
    await runner.invokeAsync();
  }
}

/** The comparison, yielding wherever the runner must step its filled rows (sync or async). */
function* freeRun(
  runner: ModelRunner,
  w: GruWeights,
  streams: number,
  steps: number,
  seed: number,
): Generator<void, FreeRunResult, void> {
  const { inputSize: I, hiddenSize: H, outputSize: C } = w;
  const B = runner.batch;
  const xs = randomNormal(steps * streams * I, seed);
  const hModel = new Float32Array(streams * H);
  const hRef = new Float32Array(streams * H);
  const yModel = new Float32Array(streams * C);
  const hNext = new Float32Array(H);
  const yRef = new Float32Array(C);
  const out: FreeRunResult = { maxErrH: 0, maxErrY: 0, argmaxAgreement: 0, maxSumErr: 0 };
  let agree = 0;
  for (let t = 0; t < steps; t++) {
    const frame = (s: number): Float32Array => xs.subarray((t * streams + s) * I, (t * streams + s + 1) * I);
    for (let s0 = 0; s0 < streams; s0 += B) {
      const rows = Math.min(B, streams - s0);
      runner.x.fill(0);
      runner.h.fill(0);
      for (let r = 0; r < rows; r++) {
        runner.x.set(frame(s0 + r), r * I);
        runner.h.set(hModel.subarray((s0 + r) * H, (s0 + r + 1) * H), r * H);
      }
      yield;
      for (let r = 0; r < rows; r++) {
        hModel.set(runner.hOut.subarray(r * H, (r + 1) * H), (s0 + r) * H);
        yModel.set(runner.y.subarray(r * C, (r + 1) * C), (s0 + r) * C);
      }
    }
    for (let s = 0; s < streams; s++) {
      referenceStep(w, frame(s), hRef.subarray(s * H, (s + 1) * H), hNext, yRef);
      hRef.set(hNext, s * H);
      for (let j = 0; j < H; j++)
        out.maxErrH = Math.max(out.maxErrH, Math.abs(hModel[s * H + j]! - hNext[j]!));
      const ym = yModel.subarray(s * C, (s + 1) * C);
      let sum = 0;
      for (let c = 0; c < C; c++) {
        out.maxErrY = Math.max(out.maxErrY, Math.abs(ym[c]! - yRef[c]!));
        sum += ym[c]!;
      }
      if (w.head === 'softmax') out.maxSumErr = Math.max(out.maxSumErr, Math.abs(sum - 1));
      if (argmax(ym) === argmax(yRef)) agree++;
    }
  }
  out.argmaxAgreement = agree / (steps * streams);
  return out;
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
