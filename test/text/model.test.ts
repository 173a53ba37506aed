/**
 * The shipped text model: its files load in tfjs-tflite and match their manifests, and the quantized
 * (int8-weights) model run by tfjs-tflite agrees with the float reference weights on a fixed input
 * set: the 28 lines of models/text/samples/typed.txt, each a stream from a zero state.
 *
 * Stated tolerance (models/text/README.md): the top language agrees on ≥ 98 % of frames and no
 * probability differs by more than 0.15 (measured here: 99.7 % and 0.047; over all 274,382 frames of
 * the test set: 99.7 % and 0.126).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CharEncoder, DEFAULT_ALPHABET } from '../../src/features/text.js';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { sha256Hex } from '../../src/model/sha256.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner, type TfliteModule } from '../../src/runtime/tflite-runner.js';
import { loadFloatWeights, runSequences } from '../../models/model-files.js';

const DIR = fileURLToPath(new URL('../../models/text/', import.meta.url));
const file = (b: number): string => join(DIR, `text-int8-weights-b${b}.tflite`);
const LABELS = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'];

let tflite: TfliteModule;
beforeAll(async () => {
  tflite = await loadTfliteInNode();
});

const argmax = (v: Float32Array, at: number, n: number): number => {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[at + c]! > v[at + best]!) best = c;
  return best;
};

describe('shipped text model', () => {
  it.each([1, 8, 64])(
    'B=%i: loads in tfjs-tflite; the manifest matches the file (sha256) and the model',
    async (b) => {
      const { bytes, manifest } = readModelFile(file(b)); // checks size and sha256
      expect(manifest.sha256).toBe(sha256Hex(bytes));
      expect(manifest).toMatchObject({
        name: 'text',
        batch: b,
        quantization: 'int8-weights',
        labels: LABELS,
        gru: { inputSize: [...DEFAULT_ALPHABET].length + 1, outputSize: 7, head: 'softmax' },
        features: { kind: 'text', alphabet: DEFAULT_ALPHABET },
      });
      expect(manifest.modelId).toBe(readModelFile(file(1)).manifest.modelId);
      const runner = await createTfliteRunner(tflite, bytes);
      expect([runner.batch, runner.inputSize, runner.outputSize]).toEqual([b, manifest.gru.inputSize, 7]);
      runner.dispose();
    },
  );

  it('int8-weights in tfjs-tflite agrees with the float reference on the lines of typed.txt', async () => {
    const { bytes, manifest } = readModelFile(file(8));
    const w = loadFloatWeights(DIR, manifest);
    const encoder = new CharEncoder(DEFAULT_ALPHABET);
    const lines = readFileSync(join(DIR, 'samples/typed.txt'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(28);
    const inputs = lines.map((l) => encoder.encode(l));
    const runner = await createTfliteRunner(tflite, bytes);
    const quant = runSequences(runner, inputs);
    runner.dispose();
    let frames = 0;
    let agree = 0;
    let maxDiff = 0;
    inputs.forEach((x, i) => {
      const ref = referenceSequence(w, x).y;
      const q = quant[i]!;
      for (let at = 0; at < ref.length; at += 7) {
        frames++;
        if (argmax(ref, at, 7) === argmax(q, at, 7)) agree++;
      }
      for (let k = 0; k < ref.length; k++) maxDiff = Math.max(maxDiff, Math.abs(ref[k]! - q[k]!));
    });
    expect(frames).toBeGreaterThan(1000);
    expect(agree / frames).toBeGreaterThanOrEqual(0.98);
    expect(maxDiff).toBeLessThanOrEqual(0.15);
  });
});
