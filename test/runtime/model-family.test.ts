import { join } from 'node:path';
import { expect, it } from 'vitest';
import { modelFamily } from '../../src/runtime/model-files-node.js';
import { MODELS_DIR } from '../helpers/models.js';

it('modelFamily lists the named file first, then its existing batch-size siblings', () => {
  const f = (b: number) => join(MODELS_DIR, 'test', `gru-h64-int8-weights-b${b}.tflite`);
  expect(modelFamily(f(8))).toEqual([f(8), f(1), f(64)]);
  // A name without -bN has no siblings; a missing file stays in the list so loading it says why.
  const missing = join(MODELS_DIR, 'test', 'nothing-here.tflite');
  expect(modelFamily(missing)).toEqual([missing]);
  const missingFamily = join(MODELS_DIR, 'test', 'gru-h999-int8-weights-b1.tflite');
  expect(modelFamily(missingFamily)).toEqual([missingFamily]);
});
