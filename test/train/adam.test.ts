import { describe, expect, it } from 'vitest';
import { Adam, warmupCosine } from '../../models/train/adam.js';
import { TrainingError } from '../../models/train/errors.js';

describe('Adam', () => {
  it('takes the textbook first steps', () => {
    const params = Float32Array.from([1, -2]);
    const adam = new Adam(2, { learningRate: 0.1, clipNorm: Infinity });
    adam.step(params, Float32Array.from([0.5, -0.25]));
    // Step 1: m̂ = g, v̂ = g², so each parameter moves by lr·sign(g).
    expect(params[0]).toBeCloseTo(0.9, 6);
    expect(params[1]).toBeCloseTo(-1.9, 6);
    adam.step(params, Float32Array.from([0.5, 0.25]));
    // Step 2, parameter 1: m = 0.1·0.25·(1 − 2·0.9)… computed in float64 here.
    const m = 0.9 * 0.1 * -0.25 + 0.1 * 0.25;
    const v = 0.999 * 0.001 * 0.0625 + 0.001 * 0.0625;
    const step = (0.1 * (m / (1 - 0.9 ** 2))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    expect(params[1]).toBeCloseTo(-1.9 - step, 6);
  });

  it('clips the global gradient norm', () => {
    const a = Float32Array.from([0, 0]);
    const b = Float32Array.from([0, 0]);
    const info = new Adam(2, { clipNorm: 1 }).step(a, Float32Array.from([30, 40]));
    new Adam(2, { clipNorm: Infinity }).step(b, Float32Array.from([0.6, 0.8]));
    expect(info).toMatchObject({ gradNorm: 50, clipped: true });
    // Adam is scale-invariant except through epsilon; the clipped step equals the step for the unit gradient.
    expect(a).toEqual(b);
  });

  it('decays only the given ranges', () => {
    const params = Float32Array.from([1, 1, 1]);
    new Adam(3, { learningRate: 0.1, weightDecay: 0.5, decayRanges: [[0, 1]] }).step(
      params,
      new Float32Array(3),
    );
    expect(Array.from(params)).toEqual([Math.fround(0.95), 1, 1]);
  });

  it('refuses a non-finite gradient and leaves the parameters alone', () => {
    const params = Float32Array.from([1, 2]);
    const adam = new Adam(2);
    expect(() => adam.step(params, Float32Array.from([NaN, 0]))).toThrow(TrainingError);
    expect(Array.from(params)).toEqual([1, 2]);
    expect(adam.steps).toBe(0);
  });

  it('warms up linearly, then decays along a cosine to the floor', () => {
    const s = warmupCosine({ warmupSteps: 10, totalSteps: 110, floor: 0.1 });
    expect(s(5, 1)).toBeCloseTo(0.5);
    expect(s(10, 1)).toBeCloseTo(1);
    expect(s(60, 1)).toBeCloseTo(0.55);
    expect(s(110, 1)).toBeCloseTo(0.1);
    expect(s(500, 1)).toBeCloseTo(0.1);
  });
});
