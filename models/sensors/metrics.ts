/**
 * Event-level metrics of the anomaly model, shared by calibration (train.ts) and the report
 * (evaluate.ts).
 *
 * - An event (labelled `[start, end)`) is **detected** when an alarm episode overlaps
 *   `[start, end + tolerance)`: a drift or a cooling fault may only become visible as it ends.
 * - **Detection delay**: from the event's first sample to the first alarm frame of the first such
 *   episode (0 when the episode was already open).
 * - **Precision** is over alarm episodes: the share that overlaps some event's window.
 * - **False alarms per sensor-day**: episodes overlapping no event, per 288 samples of stream.
 */
import {
  AnomalyScorer,
  type AnomalyEpisode,
  type AnomalyScorerOptions,
} from '../../src/postprocess/anomaly-scorer.js';
import { ANOMALY_KINDS, SAMPLES_PER_DAY, type AnomalyEvent, type AnomalyKind } from './generator.js';

/** Samples after an event's end in which an alarm still counts as its detection (1 h). */
export const MATCH_TOLERANCE = 12;

/** One series as the metrics need it. */
export interface ScoredSeries {
  /** `T × C` normalised frames (the model's inputs). */
  frames: Float32Array;
  /** `T × C` model outputs: at frame t, the forecast of frame t + 1. */
  forecasts: Float32Array;
  length: number;
  events: readonly AnomalyEvent[];
}

/** The alarm episodes of one series under `options` (the open one is closed at the end). */
export function episodesOf(s: ScoredSeries, options: AnomalyScorerOptions): AnomalyEpisode[] {
  const scorer = new AnomalyScorer(options);
  const C = scorer.channels;
  const out: AnomalyEpisode[] = [];
  for (let t = 0; t < s.length; t++) {
    const r = scorer.push(s.frames.subarray(t * C, (t + 1) * C), s.forecasts.subarray(t * C, (t + 1) * C));
    if (r.ended) out.push(r.ended);
  }
  const last = scorer.flush();
  if (last) out.push(last);
  return out;
}

export interface KindMetrics {
  events: number;
  detected: number;
  recall: number;
  /** Median delay of detected events, in samples (NaN when none was detected). */
  medianDelay: number;
}

export interface EventMetrics {
  series: number;
  sensorDays: number;
  events: number;
  detected: number;
  recall: number;
  episodes: number;
  falseEpisodes: number;
  precision: number;
  falseAlarmsPerDay: number;
  /** Over detected events, in samples (× 5 min for time). */
  delay: { mean: number; median: number; p90: number };
  perKind: Record<AnomalyKind, KindMetrics>;
}

/** Matches episodes to events over many series. */
export function eventMetrics(
  series: readonly { length: number; events: readonly AnomalyEvent[] }[],
  episodes: readonly (readonly AnomalyEpisode[])[],
  tolerance = MATCH_TOLERANCE,
): EventMetrics {
  let events = 0;
  let nEpisodes = 0;
  let falseEpisodes = 0;
  let samples = 0;
  const delays: number[] = [];
  const kinds = Object.fromEntries(
    ANOMALY_KINDS.map((k) => [k, { events: 0, detected: 0, delays: [] as number[] }]),
  ) as Record<AnomalyKind, { events: number; detected: number; delays: number[] }>;
  series.forEach((s, i) => {
    const eps = episodes[i] ?? [];
    samples += s.length;
    nEpisodes += eps.length;
    for (const ep of eps) {
      const hit = s.events.some((e) => ep.start < e.end + tolerance && ep.end >= e.start);
      if (!hit) falseEpisodes++;
    }
    for (const e of s.events) {
      events++;
      const k = kinds[e.kind];
      k.events++;
      const first = eps.find((ep) => ep.start < e.end + tolerance && ep.end >= e.start);
      if (first) {
        const delay = Math.max(0, first.start - e.start);
        delays.push(delay);
        k.detected++;
        k.delays.push(delay);
      }
    }
  });
  const sensorDays = samples / SAMPLES_PER_DAY;
  const perKind = Object.fromEntries(
    ANOMALY_KINDS.map((kind) => {
      const k = kinds[kind];
      return [
        kind,
        {
          events: k.events,
          detected: k.detected,
          recall: k.events ? k.detected / k.events : NaN,
          medianDelay: quantile(k.delays, 0.5),
        },
      ];
    }),
  ) as Record<AnomalyKind, KindMetrics>;
  return {
    series: series.length,
    sensorDays,
    events,
    detected: delays.length,
    recall: events ? delays.length / events : NaN,
    episodes: nEpisodes,
    falseEpisodes,
    precision: nEpisodes ? (nEpisodes - falseEpisodes) / nEpisodes : NaN,
    falseAlarmsPerDay: falseEpisodes / sensorDays,
    delay: {
      mean: delays.length ? delays.reduce((a, b) => a + b, 0) / delays.length : NaN,
      median: quantile(delays, 0.5),
      p90: quantile(delays, 0.9),
    },
    perKind,
  };
}

/** Metrics of `series` under scorer `options`. */
export function evaluateScorer(
  series: readonly ScoredSeries[],
  options: AnomalyScorerOptions,
  tolerance = MATCH_TOLERANCE,
): EventMetrics {
  return eventMetrics(
    series,
    series.map((s) => episodesOf(s, options)),
    tolerance,
  );
}

/**
 * The lowest threshold whose false alarms per sensor-day stay ≤ `target` (bisection on a log scale;
 * false alarms fall as the threshold rises, up to the merging of episodes).
 */
export function calibrateThreshold(
  series: readonly ScoredSeries[],
  options: Omit<AnomalyScorerOptions, 'threshold'>,
  target: number,
): { threshold: number; metrics: EventMetrics } {
  let lo = Math.log(1);
  let hi = Math.log(1e4);
  const at = (logT: number): EventMetrics =>
    evaluateScorer(series, { ...options, threshold: Math.exp(logT) });
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).falseAlarmsPerDay <= target) hi = mid;
    else lo = mid;
  }
  // Round up to 3 significant digits (never below the bisection's answer).
  const raw = Math.exp(hi);
  const p = 10 ** (Math.floor(Math.log10(raw)) - 2);
  const threshold = Math.ceil(raw / p) * p;
  return { threshold: Number(threshold.toPrecision(3)), metrics: at(Math.log(threshold)) };
}

/**
 * Per-channel root mean square of the residual x[t+1] − forecast[t] over normal frames past `warmUp`
 * (RMS rather than std, so that r²/σ² averages 1 on normal data even if the forecast is biased).
 */
export function residualStd(
  series: readonly (ScoredSeries & { labels: Uint8Array })[],
  channels: number,
  warmUp: number,
): number[] {
  const sumSq = new Float64Array(channels);
  let n = 0;
  for (const s of series) {
    for (let t = warmUp; t + 1 < s.length; t++) {
      if (s.labels[t + 1] || s.labels[t]) continue;
      for (let c = 0; c < channels; c++) {
        const r = s.frames[(t + 1) * channels + c]! - s.forecasts[t * channels + c]!;
        sumSq[c]! += r * r;
      }
      n++;
    }
  }
  return Array.from(sumSq, (v) => Number(Math.sqrt(Math.max(1e-12, v / n)).toPrecision(4)));
}

/** The q-quantile of `values` (linear interpolation; NaN for none). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const pos = (v.length - 1) * q;
  const i = Math.floor(pos);
  return v[i]! + (v[Math.min(i + 1, v.length - 1)]! - v[i]!) * (pos - i);
}
