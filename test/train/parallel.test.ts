import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32, randomNormal } from '../../src/model/random.js';
import { GruBptt } from '../../models/train/gru-bptt.js';
import { GruModel } from '../../models/train/gru-model.js';
import { ParallelGradient } from '../../models/train/parallel.js';

describe('ParallelGradient', () => {
  const model = GruModel.create({ inputSize: 6, hiddenSize: 8, outputSize: 4, seed: 2 });
  const N = 7;
  const T = 12;
  const rand = mulberry32(3);
  const batch = {
    batch: N,
    steps: T,
    inputs: randomNormal(N * T * 6, 4),
    targets: Float32Array.from({ length: N * T }, () => Math.floor(rand() * 4)),
    weights: Float32Array.from({ length: N * T }, (_, i) => (i % 5 === 0 ? 0 : 1)),
  };
  let parallel: ParallelGradient | undefined;
  afterAll(() => parallel?.dispose());

  it('gives the single-thread loss and gradient (up to float32 summation order)', async () => {
    parallel = await ParallelGradient.create(model, { maxBatch: 8, maxSteps: T, threads: 2 });
    const single = new GruBptt(model, { maxBatch: 8, maxSteps: T });
    const g1 = new Float32Array(single.gradientSize);
    const g2 = new Float32Array(single.gradientSize);
    const s1 = single.lossAndGradient(batch, g1);
    const s2 = parallel.lossAndGradient(batch, g2);
    expect(s2.loss).toBeCloseTo(s1.loss, 6);
    expect(s2.accuracy).toBeCloseTo(s1.accuracy!, 6);
    expect(s2.weightSum).toBe(s1.weightSum);
    for (let i = 0; i < g1.length; i++) expect(Math.abs(g2[i]! - g1[i]!)).toBeLessThan(1e-6);
    // Parameters are read afresh on every call, in the worker too.
    model.params[0] = model.params[0]! + 0.5;
    const s3 = parallel.lossAndGradient(batch, g2);
    expect(s3.loss).toBeCloseTo(single.lossAndGradient(batch, g1).loss, 6);
    for (let i = 0; i < g1.length; i++) expect(Math.abs(g2[i]! - g1[i]!)).toBeLessThan(1e-6);
  });

  it('reports a worker failure as an error, and keeps working', () => {
    const bad = { ...batch, targets: batch.targets.map((v, i) => (i === N * T - 1 ? 99 : v)) };
    expect(() => parallel!.lossAndGradient(bad, new Float32Array(model.params.length))).toThrow(
      /gradient worker failed: GruStreamError: minibatch 'targets'/,
    );
    expect(parallel!.lossAndGradient(batch, new Float32Array(model.params.length)).loss).toBeGreaterThan(0);
  });
});
