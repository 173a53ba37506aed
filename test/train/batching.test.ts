import { describe, expect, it } from 'vitest';
import { BatchPacker } from '../../models/train/batching.js';
import { GruBptt } from '../../models/train/gru-bptt.js';
import { GruModel } from '../../models/train/gru-model.js';
import { sinusoidData } from './sinusoids.js';

describe('BatchPacker', () => {
  it('pads short sequences so that they train exactly as alone', () => {
    const model = GruModel.create({ inputSize: 2, hiddenSize: 8, outputSize: 3, seed: 1 });
    const data = sinusoidData(2, 30, 3);
    data.inputs[0] = data.inputs[0]!.subarray(0, 2 * 17);
    data.targets[0] = data.targets[0]!.subarray(0, 17);
    data.weights![0] = data.weights![0]!.fill(1).subarray(0, 17);
    const packer = new BatchPacker(model, 'crossEntropy', 2, 30);
    const engine = new GruBptt(model, { maxBatch: 2, maxSteps: 30 });
    const both = packer.pack(data, [0, 1], 0, 2);
    expect(both.steps).toBe(30);
    expect(Array.from(both.weights.subarray(15, 30))).toEqual([1, 1, ...new Array<number>(13).fill(0)]);
    const gBoth = new Float32Array(engine.gradientSize);
    // Normalizer 1: losses and gradients are plain weighted sums, so the parts must add up to the whole.
    const sBoth = engine.lossAndGradient(both, gBoth, 1);
    const gFirst = new Float32Array(engine.gradientSize);
    const sFirst = engine.lossAndGradient(packer.pack(data, [0], 0, 1), gFirst, 1);
    const gSecond = new Float32Array(engine.gradientSize);
    const sSecond = engine.lossAndGradient(packer.pack(data, [1], 0, 1), gSecond, 1);
    expect(sBoth.weightSum).toBe(sFirst.weightSum + sSecond.weightSum);
    expect(sBoth.loss).toBeCloseTo(sFirst.loss + sSecond.loss, 5);
    for (let i = 0; i < gBoth.length; i++) expect(gBoth[i]).toBeCloseTo(gFirst[i]! + gSecond[i]!, 5);
  });
});
