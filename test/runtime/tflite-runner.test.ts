/**
 * The real tfjs-tflite WASM interpreter in Node, on every committed test model, against the
 * reference GRU step: 8 streams × 200 free-running steps, each side carrying its own state.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { QUANT_SCHEMES, type QuantScheme } from '../../src/model/gru-graph.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner, type TfliteModule } from '../../src/runtime/tflite-runner.js';
import { testModelWeights, TEST_MODEL_HIDDEN_SIZES } from '../../models/test-models.js';
import { freeRunAgainstReference } from '../helpers/free-run.js';
import { testModel } from '../helpers/models.js';

/** Max abs error of h over the run, per scheme (the issue's bounds; int8's measured and stated here). */
const H_TOLERANCE: Record<QuantScheme, number> = {
  float32: 1e-5,
  float16: 5e-3,
  'int8-weights': 5e-2,
  // Full int8 quantizes every activation to 8 bits; over 200 free-running steps the trajectories
  // drift apart by up to ~0.3 on these weights (row norms spread 4×). Bounded, not small.
  int8: 0.5,
};
/** Minimum share of steps whose argmax of y agrees with the reference. */
const ARGMAX_AGREEMENT: Record<QuantScheme, number> = {
  float32: 1,
  float16: 0.99,
  'int8-weights': 0.97,
  int8: 0.8,
};

let tflite: TfliteModule;
beforeAll(async () => {
  tflite = await loadTfliteInNode();
});

describe.each(TEST_MODEL_HIDDEN_SIZES)('tfjs-tflite runner, H=%i', (H) => {
  const w = testModelWeights(H);
  describe.each(QUANT_SCHEMES)('%s', (scheme) => {
    it.each([1, 8, 64])('B=%i: 8 streams × 200 steps agree with the reference', async (B) => {
      const { bytes, manifest } = testModel(H, scheme, B);
      const runner = await createTfliteRunner(tflite, bytes);
      expect([runner.batch, runner.inputSize, runner.hiddenSize, runner.outputSize]).toEqual([
        B,
        w.inputSize,
        H,
        w.outputSize,
      ]);
      expect(manifest.batch).toBe(B);
      const r = freeRunAgainstReference(runner, w, 8, 200);
      runner.dispose();
      expect(r.maxErrH).toBeLessThanOrEqual(H_TOLERANCE[scheme]);
      expect(r.argmaxAgreement).toBeGreaterThanOrEqual(ARGMAX_AGREEMENT[scheme]);
      expect(r.maxSumErr).toBeLessThan(1e-4); // the float softmax head gives a distribution
    });
  });

  it('a truncated or foreign file is rejected with E_TFLITE_FORMAT before it reaches WASM', async () => {
    const { bytes } = testModel(H, 'int8-weights', 1);
    for (const bad of [bytes.subarray(0, bytes.length >> 1), new TextEncoder().encode('{"not":"a model"}')]) {
      await expect(createTfliteRunner(tflite, bad)).rejects.toMatchObject({ code: 'E_TFLITE_FORMAT' });
    }
  });

  it('a disposed runner refuses to run', async () => {
    const runner = await createTfliteRunner(tflite, testModel(H, 'float32', 1).bytes);
    runner.dispose();
    expect(() => runner.invoke()).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
  });
});
