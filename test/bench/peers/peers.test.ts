/**
 * Correctness of the benchmark peers (not their speed): the ONNX GRU step on onnxruntime-node and
 * onnxruntime-web, and the naive tfjs-tflite `predict()` path, each against the reference GRU step
 * over free-running streams (each side carrying its own state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceStep, type GruWeights } from '../../../src/model/gru-reference.js';
import { randomNormal } from '../../../src/model/random.js';
import type { ModelRunner } from '../../../src/runtime/runner.js';
import { loadTfliteInNode } from '../../../src/runtime/tflite-node-loader.js';
import { testModelWeights } from '../../../models/test-models.js';
import { freeRunAgainstReference, type FreeRunResult } from '../../helpers/free-run.js';
import { testModel } from '../../helpers/models.js';
import { createNaivePredictStepper, type NaivePredictStepper } from './naive-predict.js';
import { createOnnxNodeRunner, createOnnxWebRunner, type AsyncModelRunner } from './onnx-runner.js';
import { ProtoWriter } from './protobuf.js';

const STREAMS = 8;
const STEPS = 50;
const w = testModelWeights(64);
const classic: GruWeights = { ...w, form: 'classic' };

/**
 * `freeRunAgainstReference` for a runner whose step is asynchronous: `streams` streams in groups of
 * `runner.batch` rows (padding rows zero), against the reference run on `ref` weights.
 */
async function freeRunAsync(
  runner: AsyncModelRunner,
  ref: GruWeights,
  streams: number,
  steps: number,
  seed = 42,
): Promise<Omit<FreeRunResult, 'argmaxAgreement' | 'maxSumErr'>> {
  const { inputSize: I, hiddenSize: H, outputSize: C } = ref;
  const B = runner.batch;
  const xs = randomNormal(steps * streams * I, seed);
  const hModel = new Float32Array(streams * H);
  const hRef = new Float32Array(streams * H);
  const yModel = new Float32Array(streams * C);
  const hNext = new Float32Array(H);
  const yRef = new Float32Array(C);
  const out = { maxErrH: 0, maxErrY: 0 };
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
      await runner.invokeAsync();
      for (let r = 0; r < rows; r++) {
        hModel.set(runner.hOut.subarray(r * H, (r + 1) * H), (s0 + r) * H);
        yModel.set(runner.y.subarray(r * C, (r + 1) * C), (s0 + r) * C);
      }
    }
    for (let s = 0; s < streams; s++) {
      referenceStep(ref, frame(s), hRef.subarray(s * H, (s + 1) * H), hNext, yRef);
      hRef.set(hNext, s * H);
      for (let j = 0; j < H; j++)
        out.maxErrH = Math.max(out.maxErrH, Math.abs(hModel[s * H + j]! - hNext[j]!));
      for (let c = 0; c < C; c++)
        out.maxErrY = Math.max(out.maxErrY, Math.abs(yModel[s * C + c]! - yRef[c]!));
    }
  }
  return out;
}

describe('protobuf writer', () => {
  it('encodes varints, negative int64, fixed32 floats and packed fields as the wire format says', () => {
    const bytes = new ProtoWriter()
      .varint(1, 300)
      .varint(2, -1)
      .float(3, 1)
      .packedVarints(4, [1, 150])
      .string(5, 'é')
      .finish();
    expect([...bytes]).toEqual([
      ...[0x08, 0xac, 0x02],
      ...[0x10, ...Array<number>(9).fill(0xff), 0x01],
      ...[0x1d, 0x00, 0x00, 0x80, 0x3f],
      ...[0x22, 0x03, 0x01, 0x96, 0x01],
      ...[0x2a, 0x02, 0xc3, 0xa9],
    ]);
  });
});

const ONNX_PEERS = [
  ['onnxruntime-node', createOnnxNodeRunner],
  ['onnxruntime-web', createOnnxWebRunner],
] as const;

describe.each(ONNX_PEERS)('%s, ONNX GRU op, H=64', (_, create) => {
  it.each([1, 8])(`B=%i: ${STREAMS} streams × ${STEPS} steps agree with the reference`, async (B) => {
    const runner = await create(w, B);
    expect([runner.batch, runner.inputSize, runner.hiddenSize, runner.outputSize]).toEqual([B, 40, 64, 12]);
    const r = await freeRunAsync(runner, w, STREAMS, STEPS);
    await runner.disposeAsync();
    expect(r.maxErrH).toBeLessThanOrEqual(1e-4);
    expect(r.maxErrY).toBeLessThanOrEqual(1e-4);
  });

  it('classic weights take linear_before_reset=0 and match the classic reference; the forms differ', async () => {
    const classicRunner = await create(classic, 8);
    const resetAfterRunner = await create(w, 8);
    const ok = await freeRunAsync(classicRunner, classic, STREAMS, STEPS);
    // The same weights in the other form: far from the classic reference, so the attribute matters.
    const crossed = await freeRunAsync(resetAfterRunner, classic, STREAMS, STEPS);
    await Promise.all([classicRunner.disposeAsync(), resetAfterRunner.disposeAsync()]);
    expect(ok.maxErrH).toBeLessThanOrEqual(1e-4);
    expect(ok.maxErrY).toBeLessThanOrEqual(1e-4);
    expect(crossed.maxErrH).toBeGreaterThan(1e-2);
  });

  it('a linear head gives the raw Gemm output', async () => {
    const linear: GruWeights = { ...w, head: 'linear' };
    const runner = await create(linear, 1);
    const r = await freeRunAsync(runner, linear, 2, 10);
    await runner.disposeAsync();
    expect(r.maxErrY).toBeLessThanOrEqual(1e-4);
  });

  it('invoke() throws E_RUNTIME pointing to invokeAsync(); use after dispose throws E_DISPOSED', async () => {
    const runner = await create(w, 1);
    expect(() => runner.invoke()).toThrow(/invokeAsync\(\)/);
    expect(() => runner.invoke()).toThrow(expect.objectContaining({ code: 'E_RUNTIME' }));
    await runner.disposeAsync();
    await expect(runner.invokeAsync()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});

describe('naive tfjs-tflite predict(), gru-h64-float32-b1', () => {
  let stepper: NaivePredictStepper;
  beforeAll(async () => {
    stepper = await createNaivePredictStepper(await loadTfliteInNode(), testModel(64, 'float32', 1).bytes);
  });
  afterAll(() => stepper.dispose());

  it(`${STREAMS} streams × ${STEPS} steps agree with the reference within 1e-5`, () => {
    // The stepper behind the ModelRunner interface (B=1), so the shared free-run helper drives it.
    const asRunner: ModelRunner = {
      kind: 'naive-predict',
      batch: 1,
      inputSize: w.inputSize,
      hiddenSize: w.hiddenSize,
      outputSize: w.outputSize,
      x: new Float32Array(w.inputSize),
      h: new Float32Array(w.hiddenSize),
      y: new Float32Array(w.outputSize),
      hOut: new Float32Array(w.hiddenSize),
      invoke() {
        const out = stepper.step(this.x, this.h);
        this.y.set(out.y);
        this.hOut.set(out.hOut);
      },
      dispose: () => stepper.dispose(),
    };
    const r = freeRunAgainstReference(asRunner, w, STREAMS, STEPS);
    expect(r.maxErrH).toBeLessThanOrEqual(1e-5);
    expect(r.maxErrY).toBeLessThanOrEqual(1e-5);
    expect(r.argmaxAgreement).toBe(1);
  });
});
