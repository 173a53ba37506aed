/**
 * The recipe of the test model family (shared by the build script, tests and benchmarks), so the
 * weights behind every committed test model can be regenerated for reference comparisons.
 */
import type { GruWeights } from '../src/model/gru-reference.js';
import { randomGruWeights, randomNormal } from '../src/model/random.js';

export const TEST_MODEL_INPUT_SIZE = 40;
export const TEST_MODEL_OUTPUT_SIZE = 12;
export const TEST_MODEL_HIDDEN_SIZES = [64, 128] as const;

export const testModelName = (H: number): string => `gru-h${H}`;

/** The weights of test model `gru-h<H>` (seed = H). */
export function testModelWeights(H: number): GruWeights {
  return randomGruWeights({
    inputSize: TEST_MODEL_INPUT_SIZE,
    hiddenSize: H,
    outputSize: TEST_MODEL_OUTPUT_SIZE,
    seed: H,
  });
}

/** 8 sequences × 100 frames of standard-normal features: what the test inputs look like. */
export function testCalibrationSequences(): Float32Array[] {
  return Array.from({ length: 8 }, (_, i) => randomNormal(100 * TEST_MODEL_INPUT_SIZE, 1000 + i));
}
