import { describe, expect, it } from 'vitest';
import { GruModel } from '../../models/train/gru-model.js';
import { train } from '../../models/train/trainer.js';
import { sinusoidData } from './sinusoids.js';

async function run(seed: number, threads = 1): Promise<Float32Array> {
  const model = GruModel.create({ inputSize: 2, hiddenSize: 12, outputSize: 3, seed: 7 });
  // Uneven lengths: the padding path is part of what must be reproducible.
  const data = sinusoidData(100, 30, 5);
  for (let i = 0; i < 100; i += 3) {
    data.inputs[i] = data.inputs[i]!.subarray(0, 2 * 20);
    data.targets[i] = data.targets[i]!.subarray(0, 20);
    data.weights![i] = data.weights![i]!.subarray(0, 20);
  }
  await train({
    model,
    data,
    epochs: 3,
    batchSize: 16,
    seed,
    threads,
    progress: false,
    optimizer: { learningRate: 5e-3 },
  });
  return model.params;
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('training reproducibility', () => {
  it('gives bit-identical weights for the same seed', async () => {
    const a = await run(11);
    const b = await run(11);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    // …and the seed matters (the shuffling differs).
    expect(await run(12)).not.toEqual(a);
  });

  it('gives bit-identical weights for the same seed on 2 threads, close to 1 thread', async () => {
    const a = await run(11, 2);
    const b = await run(11, 2);
    expect(bytes(a).equals(bytes(b))).toBe(true);
    const one = await run(11);
    // Only the float32 summation order of the two halves differs.
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - one[i]!)).toBeLessThan(1e-4);
  });
});
