import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportGruModel } from '../../src/model/export.js';
import { QUANT_SCHEMES } from '../../src/model/gru-graph.js';
import { buildGruStepGraph } from '../../src/model/gru-graph.js';
import { calibrateRanges } from '../../src/model/calibrate.js';
import { parseManifest } from '../../src/model/manifest.js';
import { readTflite } from '../../src/model/tflite/reader.js';
import { writeTflite } from '../../src/model/tflite/writer.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { testCalibrationSequences, testModelWeights } from '../../models/test-models.js';
import { MODELS_DIR } from '../helpers/models.js';

describe('model export', () => {
  it('reading what the writer wrote reproduces every scheme’s GRU graph exactly', () => {
    const w = testModelWeights(64);
    const ranges = calibrateRanges(w, testCalibrationSequences());
    for (const scheme of QUANT_SCHEMES) {
      const graph = buildGruStepGraph(w, { batch: 8, scheme, ranges });
      expect(readTflite(writeTflite(graph))).toStrictEqual(graph);
    }
  });

  it('the committed test models are reproduced byte for byte by their recipe', () => {
    for (const H of [64, 128]) {
      for (const scheme of QUANT_SCHEMES) {
        const files = exportGruModel(testModelWeights(H), {
          name: `gru-h${H}`,
          scheme,
          batches: [1, 8, 64],
          calibration: testCalibrationSequences(),
          labels: [
            'silence',
            'unknown',
            'yes',
            'no',
            'up',
            'down',
            'left',
            'right',
            'on',
            'off',
            'stop',
            'go',
          ],
          features: { kind: 'raw', description: 'seeded random test model: any 40 floats per frame' },
        });
        for (const f of files) {
          const committed = readModelFile(join(MODELS_DIR, 'test', f.fileName));
          expect(committed.manifest).toStrictEqual(f.manifest);
          expect(Buffer.from(committed.bytes).equals(Buffer.from(f.bytes))).toBe(true);
        }
        // One computation, one id: every batch size of a scheme shares it, other schemes do not.
        expect(new Set(files.map((f) => f.manifest.modelId)).size).toBe(1);
      }
    }
  });

  it('every committed manifest matches its file, and a mismatch is a named E_MANIFEST error', () => {
    const names = readdirSync(join(MODELS_DIR, 'test')).filter((n) => n.endsWith('.tflite'));
    expect(names).toHaveLength(24);
    for (const n of names) expect(() => readModelFile(join(MODELS_DIR, 'test', n))).not.toThrow();
    const { bytes, manifest } = readModelFile(join(MODELS_DIR, 'test', 'gru-h64-int8-b1.tflite'));
    const flipped = bytes.slice();
    flipped[100]! ^= 1;
    expect(() => parseManifest(manifest, flipped)).toThrow(/manifest field 'sha256': expected [0-9a-f]{64}/);
    expect(() => parseManifest({ ...manifest, batch: 0 })).toThrow(/'batch': expected an integer ≥ 1, got 0/);
    expect(() => parseManifest({ ...manifest, labels: ['a'] })).toThrow(/'labels': expected 12 strings/);
  });

  it('int8 export without calibration data is refused by name', () => {
    expect(() => exportGruModel(testModelWeights(64), { name: 'm', scheme: 'int8' })).toThrow(
      /model 'm': scheme 'int8' needs calibration sequences/,
    );
  });

  it('the default scheme is int8-weights at ≤ 40% of the float32 file', () => {
    const w = testModelWeights(64);
    const [d] = exportGruModel(w, { name: 'd', batches: [1] });
    const [f] = exportGruModel(w, { name: 'f', batches: [1], scheme: 'float32' });
    expect(d!.manifest.quantization).toBe('int8-weights');
    expect(d!.bytes.length / f!.bytes.length).toBeLessThanOrEqual(0.4);
  });
});
