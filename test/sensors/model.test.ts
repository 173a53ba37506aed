/**
 * The shipped sensor model: its files load in tfjs-tflite and match their manifests, and the
 * quantized (int8-weights) model run by tfjs-tflite agrees with the float reference weights on a fixed
 * input set: 8 held-out test series of 2 days, each stream from a zero state.
 *
 * Stated tolerance (models/sensors/README.md): forecasts within 0.03 (max |diff|) and 5e-3 (RMS) in
 * normalised units, and the anomaly scorer's alarm frames agree on ≥ 99.5 % of frames.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { sha256Hex } from '../../src/model/sha256.js';
import { AnomalyScorer, anomalyScorerFromManifest } from '../../src/postprocess/anomaly-scorer.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner, type TfliteModule } from '../../src/runtime/tflite-runner.js';
import { normalise, SPLITS } from '../../models/sensors/data.js';
import { CHANNELS, generateSeries, SAMPLES_PER_DAY } from '../../models/sensors/generator.js';
import { loadFloatWeights, runSequences } from '../../models/model-files.js';

const DIR = fileURLToPath(new URL('../../models/sensors/', import.meta.url));
const file = (b: number): string => join(DIR, `sensors-int8-weights-b${b}.tflite`);

let tflite: TfliteModule;
beforeAll(async () => {
  tflite = await loadTfliteInNode();
});

describe('shipped sensor model', () => {
  it.each([1, 8, 64])(
    'B=%i: loads in tfjs-tflite; the manifest matches the file (sha256) and the model',
    async (b) => {
      const { bytes, manifest } = readModelFile(file(b)); // checks size and sha256
      expect(manifest.sha256).toBe(sha256Hex(bytes));
      expect(manifest).toMatchObject({
        name: 'sensors',
        batch: b,
        quantization: 'int8-weights',
        gru: { inputSize: 4, outputSize: 4, head: 'linear' },
        features: { kind: 'sensor', channels: [...CHANNELS] },
      });
      expect(manifest.modelId).toBe(readModelFile(file(1)).manifest.modelId);
      expect(anomalyScorerFromManifest(manifest)).toMatchObject({ residualStd: expect.any(Array) });
      const runner = await createTfliteRunner(tflite, bytes);
      expect([runner.batch, runner.inputSize, runner.hiddenSize, runner.outputSize]).toEqual([
        b,
        4,
        manifest.gru.hiddenSize,
        4,
      ]);
      runner.dispose();
    },
  );

  it('int8-weights in tfjs-tflite agrees with the float reference on 8 held-out series × 2 days', async () => {
    const { bytes, manifest } = readModelFile(file(8));
    const w = loadFloatWeights(DIR, manifest);
    const norm = (manifest.features as { normalisation: { mean: number[]; std: number[] } }).normalisation;
    const inputs = Array.from({ length: 8 }, (_, i) =>
      normalise(
        generateSeries({ length: 2 * SAMPLES_PER_DAY, anomalyRate: 4, seed: SPLITS.test.firstSeed + i })
          .values,
        norm,
      ),
    );
    const runner = await createTfliteRunner(tflite, bytes);
    const quant = runSequences(runner, inputs);
    runner.dispose();
    const params = anomalyScorerFromManifest(manifest)!;
    let maxDiff = 0;
    let sumSq = 0;
    let n = 0;
    let alarmsAgree = 0;
    let alarms = 0;
    inputs.forEach((x, i) => {
      const ref = referenceSequence(w, x).y;
      const q = quant[i]!;
      const a = new AnomalyScorer(params);
      const b = new AnomalyScorer(params);
      for (let k = 0; k < ref.length; k++) {
        const d = Math.abs(ref[k]! - q[k]!);
        maxDiff = Math.max(maxDiff, d);
        sumSq += d * d;
      }
      n += ref.length;
      for (let t = 0; t < x.length / 4; t++) {
        const frame = x.subarray(t * 4, t * 4 + 4);
        const ra = a.push(frame, ref.subarray(t * 4, t * 4 + 4));
        const rb = b.push(frame, q.subarray(t * 4, t * 4 + 4));
        if (ra.alarm === rb.alarm) alarmsAgree++;
        if (ra.alarm) alarms++;
      }
    });
    expect(maxDiff).toBeLessThan(0.03);
    expect(Math.sqrt(sumSq / n)).toBeLessThan(5e-3);
    expect(alarms).toBeGreaterThan(0); // the fixed set holds anomalies, so alarms are compared
    expect(alarmsAgree / (n / 4)).toBeGreaterThanOrEqual(0.995);
  });
});
