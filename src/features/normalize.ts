/**
 * Per-feature mean/std normalisation: statistics are computed once on training features, stored in the
 * model manifest's `postprocess` under {@link FEATURE_NORM_KEY}, and applied to every frame in training
 * and inference alike (x′ = (x − mean) / std, per feature).
 *
 * @example
 *   const stats = new FeatureStats(40);
 *   for (const clip of trainClips) stats.add(clip);            // T × 40 frames each
 *   const norm = stats.finish();                               // { mean: number[40], std: number[40] }
 *   manifest.postprocess = { ...manifest.postprocess, [FEATURE_NORM_KEY]: norm };
 *   // later, in the worker:
 *   const normalize = createNormalizer(featureNormFromManifest(manifest)!);
 *   normalize(frames);                                         // in place, no allocation
 */
import { GruStreamError } from '../errors.js';
import type { ModelManifest } from '../model/manifest.js';

/** The key of the statistics in a manifest's `postprocess`. */
export const FEATURE_NORM_KEY = 'featureNorm';

/** Per-feature statistics, plain arrays so they sit in JSON. */
export interface FeatureNorm {
  mean: number[];
  std: number[];
}

/** Accumulates per-feature mean and variance over frames (float64 sums, one pass). */
export class FeatureStats {
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  /** Offset subtracted before squaring, so the one-pass variance does not cancel catastrophically. */
  private shift: Float64Array | undefined;
  private n = 0;

  /** @param dim features per frame */
  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new GruStreamError('E_ARGUMENT', `FeatureStats dim: expected an integer ≥ 1, got ${dim}`);
    }
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
  }

  /** Frames added so far. */
  get frames(): number {
    return this.n;
  }

  /** Adds the frames of `data` (frame-major, length a multiple of `dim`). */
  add(data: Float32Array): void {
    const d = this.dim;
    if (data.length % d !== 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `FeatureStats.add: length ${data.length} is not a multiple of dim ${d}`,
      );
    }
    if (data.length === 0) return;
    const shift = (this.shift ??= Float64Array.from(data.subarray(0, d)));
    for (let base = 0; base < data.length; base += d) {
      for (let i = 0; i < d; i++) {
        const x = data[base + i]! - shift[i]!;
        this.sum[i]! += x;
        this.sumSq[i]! += x * x;
      }
    }
    this.n += data.length / d;
  }

  /**
   * The statistics so far.
   * @param minStd lower bound on std, so a constant feature (e.g. a filter always at the log floor)
   *   does not divide by zero (default 1e-3)
   */
  finish(minStd = 1e-3): FeatureNorm {
    if (this.n === 0 || this.shift === undefined) {
      throw new GruStreamError('E_ARGUMENT', 'FeatureStats.finish: no frames were added');
    }
    const mean: number[] = [];
    const std: number[] = [];
    for (let i = 0; i < this.dim; i++) {
      const m = this.sum[i]! / this.n;
      const variance = Math.max(0, this.sumSq[i]! / this.n - m * m);
      mean.push(m + this.shift[i]!);
      std.push(Math.max(minStd, Math.sqrt(variance)));
    }
    return { mean, std };
  }
}

/** Statistics of one frame-major array (convenience over {@link FeatureStats}). */
export function computeFeatureNorm(data: Float32Array, dim: number, minStd?: number): FeatureNorm {
  const s = new FeatureStats(dim);
  s.add(data);
  return s.finish(minStd);
}

/**
 * A function that normalises frame-major features in place with `norm`, tables precomputed.
 * @throws GruStreamError E_ARGUMENT if `norm` is malformed, or (when called) if the data length is
 *   not a multiple of the feature count
 */
export function createNormalizer(norm: FeatureNorm): (data: Float32Array) => void {
  checkFeatureNorm(norm, 'E_ARGUMENT');
  const d = norm.mean.length;
  const mean = Float32Array.from(norm.mean);
  const invStd = Float32Array.from(norm.std, (s) => 1 / s);
  return (data) => {
    if (data.length % d !== 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `normalize: length ${data.length} is not a multiple of ${d} features`,
      );
    }
    for (let base = 0; base < data.length; base += d) {
      for (let i = 0; i < d; i++) data[base + i] = (data[base + i]! - mean[i]!) * invStd[i]!;
    }
  };
}

/**
 * The statistics stored in a manifest's `postprocess`, or undefined when it has none.
 * @throws GruStreamError E_MANIFEST when present but malformed
 */
export function featureNormFromManifest(
  manifest: Pick<ModelManifest, 'postprocess'>,
): FeatureNorm | undefined {
  const raw = manifest.postprocess?.[FEATURE_NORM_KEY];
  if (raw === undefined) return undefined;
  checkFeatureNorm(raw, 'E_MANIFEST');
  return raw;
}

function checkFeatureNorm(raw: unknown, code: 'E_ARGUMENT' | 'E_MANIFEST'): asserts raw is FeatureNorm {
  const fail = (what: string): never => {
    throw new GruStreamError(code, `${FEATURE_NORM_KEY}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null)
    return fail(`expected { mean, std }, got ${JSON.stringify(raw)}`);
  const { mean, std } = raw as Partial<FeatureNorm>;
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || mean.length !== std.length) {
    return fail(
      `expected mean and std arrays of one non-zero length, got ${mean?.length} and ${std?.length}`,
    );
  }
  if (!mean.every((v) => Number.isFinite(v))) fail('mean has a non-finite value');
  if (!std.every((v) => Number.isFinite(v) && v > 0)) fail('std has a value that is not finite and > 0');
}
