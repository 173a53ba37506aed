import { describe, expect, it } from 'vitest';
import {
  FEATURE_NORM_KEY,
  FeatureStats,
  computeFeatureNorm,
  createNormalizer,
  featureNormFromManifest,
} from '../../src/features/normalize.js';
import { mulberry32 } from '../../src/model/random.js';

describe('feature normalisation', () => {
  it('computes per-feature mean and std over frames added in pieces', () => {
    const rand = mulberry32(9);
    // Feature 0 around 1000 (a one-pass variance would cancel without the shift), feature 2 constant.
    const data = Float32Array.from(
      { length: 3 * 500 },
      (_, i) => [1000 + rand(), -5 + 4 * rand(), 7][i % 3]!,
    );
    const stats = new FeatureStats(3);
    stats.add(data.subarray(0, 300));
    stats.add(data.subarray(300));
    const norm = stats.finish();
    expect(stats.frames).toBe(500);
    for (let f = 0; f < 3; f++) {
      const col = Array.from({ length: 500 }, (_, t) => data[t * 3 + f]!);
      const mean = col.reduce((s, v) => s + v, 0) / 500;
      const std = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / 500);
      expect(norm.mean[f]).toBeCloseTo(mean, 3);
      expect(norm.std[f]).toBeCloseTo(Math.max(std, 1e-3), 4);
    }
    expect(computeFeatureNorm(data, 3)).toEqual(norm);
  });

  it('normalises in place to zero mean and unit std', () => {
    const rand = mulberry32(10);
    const data = Float32Array.from(
      { length: 2 * 1000 },
      (_, i) => (i % 2 ? 3 : -2) + (i % 2 ? 5 : 0.1) * rand(),
    );
    createNormalizer(computeFeatureNorm(data, 2))(data);
    const after = computeFeatureNorm(data, 2);
    after.mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    after.std.forEach((s) => expect(s).toBeCloseTo(1, 4));
  });

  it('reads the statistics from a manifest and rejects malformed ones', () => {
    const norm = { mean: [1, 2], std: [0.5, 2] };
    expect(featureNormFromManifest({ postprocess: { [FEATURE_NORM_KEY]: norm } })).toEqual(norm);
    expect(featureNormFromManifest({})).toBeUndefined();
    expect(() =>
      featureNormFromManifest({ postprocess: { [FEATURE_NORM_KEY]: { mean: [1], std: [0] } } }),
    ).toThrow(/std/);
    expect(() => createNormalizer({ mean: [1, 2], std: [1] })).toThrow(/one non-zero length/);
    expect(() => createNormalizer(norm)(new Float32Array(3))).toThrow(/multiple of 2/);
  });
});
