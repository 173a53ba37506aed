import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QuantScheme } from '../../src/model/gru-graph.js';
import { readModelFile, type ModelFile } from '../../src/runtime/model-files-node.js';

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** A committed test model: models/test/gru-h<H>-<scheme>-b<B>.tflite with its manifest. */
export function testModel(H: number, scheme: QuantScheme, batch: number): ModelFile {
  return readModelFile(join(MODELS_DIR, 'test', `gru-h${H}-${scheme}-b${batch}.tflite`));
}
