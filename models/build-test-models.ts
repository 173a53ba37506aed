/**
 * Builds the deterministic test model family into models/test/: seeded random GRU weights
 * (I=40 features, C=12 classes, softmax head, reset_after), H ∈ {64, 128}, every quantization
 * scheme, B ∈ {1, 8, 64}. The files are committed; rerunning this script reproduces them byte for byte.
 *
 *   npm run models
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportGruModel } from '../src/model/export.js';
import { writeExport } from './model-files.js';
import { QUANT_SCHEMES } from '../src/model/gru-graph.js';
import {
  testModelWeights,
  testCalibrationSequences,
  TEST_MODEL_HIDDEN_SIZES,
  testModelName,
} from './test-models.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), 'test');
mkdirSync(outDir, { recursive: true });
let total = 0;
for (const H of TEST_MODEL_HIDDEN_SIZES) {
  const w = testModelWeights(H);
  for (const scheme of QUANT_SCHEMES) {
    const files = exportGruModel(w, {
      name: testModelName(H),
      scheme,
      batches: [1, 8, 64],
      calibration: testCalibrationSequences(),
      labels: ['silence', 'unknown', 'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'],
      features: { kind: 'raw', description: 'seeded random test model: any 40 floats per frame' },
    });
    writeExport(outDir, files);
    for (const f of files) {
      total += f.bytes.length;
      console.log(
        `${f.fileName.padEnd(36)} ${String(f.bytes.length).padStart(8)} bytes  ${f.manifest.sha256.slice(0, 12)}`,
      );
    }
  }
}
console.log(`wrote ${(total / 1024).toFixed(0)} KiB to ${outDir}`);
