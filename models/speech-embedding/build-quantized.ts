/**
 * Writes `embedding_model.fp16-weights.tflite`: the float model with its CONV_2D weights stored as
 * float16 behind DEQUANTIZE (see variants.ts), and prints its size and sha256 for manifest.json.
 * The output is a pure function of the float file, so re-running reproduces the shipped bytes
 * (test/runtime/embedding-runner.test.ts checks that).
 *
 *   npx tsx models/speech-embedding/build-quantized.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { sha256Hex } from '../../src/model/sha256.js';
import { quantizedEmbeddingModel } from './variants.js';

const DIR = 'models/speech-embedding';
const float = new Uint8Array(readFileSync(`${DIR}/embedding_model.tflite`));
const out = quantizedEmbeddingModel(float, 'float16-weights');
writeFileSync(`${DIR}/embedding_model.fp16-weights.tflite`, out);
console.log(
  `embedding_model.fp16-weights.tflite: ${out.length} bytes (${((100 * out.length) / float.length).toFixed(1)}% of float), ` +
    `sha256 ${sha256Hex(out)}`,
);
