/** The models every part of the end-to-end benchmark runs: the default quantized scheme of the test family. */
import type { QuantScheme } from '../../src/model/gru-graph.js';

/** The library's default quantization scheme. */
export const SCHEME: QuantScheme = 'int8-weights';
/** Batch-size variants loaded into each engine. */
export const BATCHES = [1, 8, 64] as const;
/** Hidden sizes measured; the summary and the targets use the first. */
export const HIDDEN_SIZES = [64, 128] as const;

/** File name of one committed test model, e.g. `gru-h64-int8-weights-b8.tflite`. */
export function modelFileName(H: number, batch: number, scheme: QuantScheme = SCHEME): string {
  return `gru-h${H}-${scheme}-b${batch}.tflite`;
}
