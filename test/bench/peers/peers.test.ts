/**
 * Correctness of the benchmark peers (not their speed): the ONNX GRU step on onnxruntime-node and
 * onnxruntime-web, and the naive tfjs-tflite `predict()` path, each against the reference GRU step
 * over free-running streams (each side carrying its own state).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GruWeights } from '../../../src/model/gru-reference.js';
import type { ModelRunner } from '../../../src/runtime/runner.js';
import { loadTfliteInNode } from '../../../src/runtime/tflite-node-loader.js';
import { testModelWeights } from '../../../models/test-models.js';
import { freeRunAgainstReference, freeRunAgainstReferenceAsync } from '../../helpers/free-run.js';
import { testModel } from '../../helpers/models.js';
import { createNaivePredictStepper, type NaivePredictStepper } from './naive-predict.js';
import { createOnnxNodeRunner, createOnnxWebRunner } from './onnx-runner.js';
import { ProtoWriter } from './protobuf.js';

const STREAMS = 8;
const STEPS = 50;
const w = testModelWeights(64);
const classic: GruWeights = { ...w, form: 'classic' };

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
    const r = await freeRunAgainstReferenceAsync(runner, w, STREAMS, STEPS);
    await runner.disposeAsync();
    expect(r.maxErrH).toBeLessThanOrEqual(1e-4);
    expect(r.maxErrY).toBeLessThanOrEqual(1e-4);
  });

  it('classic weights take linear_before_reset=0 and match the classic reference; the forms differ', async () => {
    const classicRunner = await create(classic, 8);
    const resetAfterRunner = await create(w, 8);
    const ok = await freeRunAgainstReferenceAsync(classicRunner, classic, STREAMS, STEPS);
    // The same weights in the other form: far from the classic reference, so the attribute matters.
    const crossed = await freeRunAgainstReferenceAsync(resetAfterRunner, classic, STREAMS, STEPS);
    await Promise.all([classicRunner.disposeAsync(), resetAfterRunner.disposeAsync()]);
    expect(ok.maxErrH).toBeLessThanOrEqual(1e-4);
    expect(ok.maxErrY).toBeLessThanOrEqual(1e-4);
    expect(crossed.maxErrH).toBeGreaterThan(1e-2);
  });

  it('a linear head gives the raw Gemm output', async () => {
    const linear: GruWeights = { ...w, head: 'linear' };
    const runner = await create(linear, 1);
    const r = await freeRunAgainstReferenceAsync(runner, linear, 2, 10);
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
