import { describe, expect, it } from 'vitest';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { randomNormal } from '../../src/model/random.js';
import { GruBptt } from '../../models/train/gru-bptt.js';
import { GruModel } from '../../models/train/gru-model.js';
import { predict } from '../../models/train/predict.js';

/** Largest |a − b| over two equally long arrays. */
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('training forward pass', () => {
  // Odd N and sizes that are not multiples of 4 reach the kernels' remainder loops.
  const shapes = [
    { inputSize: 5, hiddenSize: 6, outputSize: 3, batch: 3, steps: 7, head: 'softmax' as const },
    { inputSize: 40, hiddenSize: 64, outputSize: 12, batch: 4, steps: 30, head: 'softmax' as const },
    { inputSize: 3, hiddenSize: 5, outputSize: 2, batch: 2, steps: 9, head: 'linear' as const },
  ];

  for (const s of shapes) {
    it(`equals referenceSequence (I=${s.inputSize}, H=${s.hiddenSize}, C=${s.outputSize}, ${s.head})`, () => {
      const model = GruModel.create({ ...s, seed: 7 });
      // Non-trivial biases, so a wrongly placed bias shows.
      model.bh.set(randomNormal(model.bh.length, 3, 0.3));
      model.by.set(randomNormal(model.by.length, 4, 0.3));
      const { batch: N, steps: T, inputSize: I, hiddenSize: H, outputSize: C } = s;
      const inputs = randomNormal(N * T * I, 11);
      const h0 = randomNormal(N * H, 12, 0.5);
      const engine = new GruBptt(model, { maxBatch: N + 1, maxSteps: T + 2 });
      const targets = new Float32Array(engine.loss === 'mse' ? N * T * C : N * T);
      engine.forward({ batch: N, steps: T, inputs, targets, weights: new Float32Array(N * T).fill(1), h0 });
      const ys = new Float32Array(N * T * C);
      const last = new Float32Array(N * H);
      engine.readOutputs(ys);
      engine.readFinalState(last);
      const w = model.toGruWeights();
      for (let i = 0; i < N; i++) {
        const ref = referenceSequence(
          w,
          inputs.subarray(i * T * I, (i + 1) * T * I),
          h0.subarray(i * H, (i + 1) * H),
        );
        expect(maxAbsDiff(ys.subarray(i * T * C, (i + 1) * T * C), ref.y)).toBeLessThan(1e-5);
        expect(maxAbsDiff(last.subarray(i * H, (i + 1) * H), ref.h.subarray((T - 1) * H))).toBeLessThan(1e-5);
      }
    });
  }

  it('round-trips GruWeights', () => {
    const model = GruModel.create({ inputSize: 4, hiddenSize: 8, outputSize: 3, seed: 1 });
    const again = GruModel.fromGruWeights(model.toGruWeights());
    expect(again.params).toEqual(model.params);
    expect(again.toGruWeights()).toEqual(model.toGruWeights());
  });

  it('predict() gives referenceSequence outputs for sequences of different lengths', () => {
    const model = GruModel.create({ inputSize: 3, hiddenSize: 8, outputSize: 4, seed: 2 });
    const inputs = [5, 9, 1, 7].map((T, s) => randomNormal(T * 3, 20 + s));
    const ys = predict(model, inputs, { batchSize: 3 });
    const w = model.toGruWeights();
    ys.forEach((y, s) => expect(maxAbsDiff(y, referenceSequence(w, inputs[s]!).y)).toBeLessThan(1e-5));
  });
});
