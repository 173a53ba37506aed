/**
 * The sensor model's data recipe: which generated series train, validate and test it, how raw values
 * become model frames, and how series are cut into training windows.
 *
 * - Every split is a disjoint range of generator seeds (one seed = one sensor's series), so no test
 *   series was ever seen in training or calibration.
 * - Training series are "mostly clean": anomaly rate {@link TRAIN_ANOMALY_RATE} per 1,000 samples,
 *   and the loss ignores frames whose target sample lies inside a labelled event, so the forecaster
 *   learns normal behaviour only, but also sees (and learns to recover from) the odd anomaly in its input.
 * - Validation and test series carry the generator's default rate of labelled anomalies.
 * - Frames are the 4 channels normalised by the training mean/std; the target at frame t is frame t + 1.
 */
import type { SequenceData } from '../train/batching.js';
import { mulberry32 } from '../../src/model/random.js';
import { CHANNELS, generateSeries, SAMPLES_PER_DAY, type SensorSeries } from './generator.js';

export const C = CHANNELS.length;
/** Minutes between samples (the generator's 288 samples a day). */
export const SAMPLE_MINUTES = (24 * 60) / SAMPLES_PER_DAY;
export const TRAIN_ANOMALY_RATE = 0.5;
export const EVAL_ANOMALY_RATE = 2;

/** Seed ranges of the splits: series i of a split has seed `firstSeed + i`. */
export const SPLITS = {
  train: { firstSeed: 100_000, count: 512, days: 4, anomalyRate: TRAIN_ANOMALY_RATE },
  /** Early stopping (windows, like training). */
  validation: { firstSeed: 200_000, count: 64, days: 4, anomalyRate: TRAIN_ANOMALY_RATE },
  /** Residual std, EMA factor and threshold of the anomaly scorer. */
  calibration: { firstSeed: 300_000, count: 96, days: 4, anomalyRate: EVAL_ANOMALY_RATE },
  /** Held out: the report's numbers. */
  test: { firstSeed: 400_000, count: 160, days: 4, anomalyRate: EVAL_ANOMALY_RATE },
} as const;
export type SplitName = keyof typeof SPLITS;

/** The series of a split (or its first `count`). */
export function splitSeries(split: SplitName, count?: number): SensorSeries[] {
  const s = SPLITS[split];
  return Array.from({ length: count ?? s.count }, (_, i) =>
    generateSeries({ length: s.days * SAMPLES_PER_DAY, anomalyRate: s.anomalyRate, seed: s.firstSeed + i }),
  );
}

export interface Normalisation {
  mean: number[];
  std: number[];
}

/** Per-channel mean and std over all samples of `series` (float64 sums). */
export function channelStats(series: readonly SensorSeries[]): Normalisation {
  const sum = new Float64Array(C);
  const sumSq = new Float64Array(C);
  let n = 0;
  for (const s of series) {
    for (let t = 0; t < s.length; t++) {
      for (let c = 0; c < C; c++) {
        const v = s.values[t * C + c]!;
        sum[c]! += v;
        sumSq[c]! += v * v;
      }
    }
    n += s.length;
  }
  const mean = Array.from(sum, (v) => v / n);
  const std = Array.from(sumSq, (v, c) => Math.sqrt(Math.max(1e-12, v / n - mean[c]! ** 2)));
  // Round to 6 significant digits: the manifest holds exactly the numbers training used.
  const round = (v: number): number => Number(v.toPrecision(6));
  return { mean: mean.map(round), std: std.map(round) };
}

/** `length × C` normalised frames of raw `values`. */
export function normalise(values: Float32Array, norm: Normalisation): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = i % C;
    out[i] = (values[i]! - norm.mean[c]!) / norm.std[c]!;
  }
  return out;
}

export interface WindowOptions {
  /** Frames per window. */
  steps: number;
  /** Frames between window starts. */
  stride: number;
  /** Leading frames of each window with weight 0 (the state starts from zero in every window). */
  warmUp: number;
  /** Seed of the random offset of the first window in each series. */
  seed: number;
}

/**
 * Forecasting windows: input frames t = a..a+T−1, targets the frames t + 1. A frame's weight is 0
 * during warm-up and when its target sample is labelled anomalous.
 */
export function forecastWindows(
  series: readonly SensorSeries[],
  norm: Normalisation,
  o: WindowOptions,
): SequenceData {
  const rand = mulberry32(o.seed);
  const inputs: Float32Array[] = [];
  const targets: Float32Array[] = [];
  const weights: Float32Array[] = [];
  for (const s of series) {
    const x = normalise(s.values, norm);
    const first = Math.floor(rand() * o.stride);
    for (let a = first; a + o.steps + 1 <= s.length; a += o.stride) {
      inputs.push(x.slice(a * C, (a + o.steps) * C));
      targets.push(x.slice((a + 1) * C, (a + 1 + o.steps) * C));
      const w = new Float32Array(o.steps);
      for (let t = o.warmUp; t < o.steps; t++) w[t] = s.labels[a + t + 1] ? 0 : 1;
      weights.push(w);
    }
  }
  return { inputs, targets, weights };
}
