import { describe, expect, it } from 'vitest';
import { exportGruModel } from '../../src/model/export.js';
import { GruModel } from '../../models/train/gru-model.js';
import { evaluate, train } from '../../models/train/trainer.js';
import { sinusoidData } from './sinusoids.js';

describe('training', () => {
  it('learns to tell 3 noisy sinusoid frequencies apart (≥ 90% validation accuracy)', async () => {
    const model = GruModel.create({ inputSize: 2, hiddenSize: 16, outputSize: 3, seed: 3 });
    const validation = sinusoidData(200, 40, 2);
    const before = evaluate(model, validation).accuracy!;
    const result = await train({
      model,
      data: sinusoidData(800, 40, 1),
      validation,
      epochs: 30,
      batchSize: 32,
      seed: 4,
      optimizer: { learningRate: 1e-2 },
      progress: false,
      // Enough to show it learns; no need to polish.
      onEpoch: (e) => ((e.validation?.accuracy ?? 0) >= 0.95 ? 'stop' : undefined),
    });
    const after = evaluate(model, validation).accuracy!;
    expect(before).toBeLessThan(0.6);
    expect(after).toBeGreaterThanOrEqual(0.9);
    // The restored weights are the best epoch's.
    expect(after).toBe(result.bestMetric);
    // The trained weights feed the exporter as they are.
    const [file] = exportGruModel(model.toGruWeights(), {
      name: 'sinusoids',
      scheme: 'float32',
      batches: [1],
    });
    expect(file?.manifest.gru).toMatchObject({
      form: 'reset_after',
      inputSize: 2,
      hiddenSize: 16,
      outputSize: 3,
    });
  });

  it('stops early when the validation metric stalls, and restores the best weights', async () => {
    const model = GruModel.create({ inputSize: 2, hiddenSize: 8, outputSize: 3, seed: 3 });
    const validation = sinusoidData(50, 20, 2);
    const metrics = [0.5, 0.7, 0.6, 0.65, 0.69, 0.9];
    let snapshot: Float32Array | undefined;
    const result = await train({
      model,
      data: sinusoidData(64, 20, 1),
      validation,
      epochs: 6,
      batchSize: 16,
      progress: false,
      validate: (m, epoch) => {
        if (epoch === 2) snapshot = m.params.slice();
        return metrics[epoch - 1]!;
      },
      patience: 3,
    });
    expect(result.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(result.stoppedEarly).toBe(true);
    expect(result.bestEpoch).toBe(2);
    expect(model.params).toEqual(snapshot);
  });
});
