/**
 * Anomaly scoring of a multivariate stream from a forecaster's per-frame predictions.
 *
 * The sensor model is a GRU that, at frame t, forecasts frame t + 1 (normalised channels). When frame
 * t + 1 arrives, the scorer compares it with that forecast:
 *
 *   r_c   = (x_c − f_c) / σ_c          residual of channel c, in units of its validation residual std
 *   e_c   ← (1 − α)·e_c + α·r_c²       exponential moving average per channel
 *   score = max_c e_c                  (the channel reaching it is reported with the score)
 *
 * On normal data every e_c hovers around 1. A frame alarms when `score ≥ threshold` (calibrated on
 * validation series for a target false-alarm rate) and the stream is past its warm-up. Alarm frames
 * are grouped into episodes: an episode ends once `mergeFrames` frames in a row are below threshold,
 * and is reported with its first and last alarm frame, its peak score and that peak's channel.
 *
 * Pure arithmetic with no allocation per frame; the state is plain data that can be stored beside
 * the stream's GRU snapshot ({@link AnomalyScorer.state} / {@link AnomalyScorer.restore}).
 */
import { GruStreamError } from '../errors.js';

export interface AnomalyScorerOptions {
  /** Per channel: std of the forecast residual on normal validation data (normalised units, > 0). */
  residualStd: readonly number[];
  /** Score at which a frame alarms (> 0). */
  threshold: number;
  /** EMA factor α of the squared residuals, in (0, 1]. Default 0.3. */
  alpha?: number;
  /** Frames from the stream's start that never alarm (the GRU state is still settling). Default 24. */
  warmUpFrames?: number;
  /** An episode ends after this many consecutive frames below threshold (≥ 1). Default 12. */
  mergeFrames?: number;
}

export const ANOMALY_SCORER_DEFAULTS = { alpha: 0.3, warmUpFrames: 24, mergeFrames: 12 } as const;

/** The scorer's parameters as stored in a model manifest's `postprocess` (see {@link ANOMALY_SCORER_KEY}). */
export type AnomalyScorerParams = Required<AnomalyScorerOptions>;

/** Key of the scorer's parameters in a manifest's `postprocess`. */
export const ANOMALY_SCORER_KEY = 'anomalyScorer';

/** A run of alarm frames (frames count from the stream's first frame, 0-based). */
export interface AnomalyEpisode {
  /** First alarm frame. */
  start: number;
  /** Last alarm frame (inclusive). */
  end: number;
  /** Highest score in the episode. */
  peakScore: number;
  /** Frame of the peak. */
  peakFrame: number;
  /** Channel whose smoothed residual made the peak. */
  channel: number;
}

/** What one frame gives. */
export interface AnomalyFrameScore {
  /** Index of the frame scored, 0-based. */
  frame: number;
  /** max_c of the smoothed squared normalised residuals (0 for frame 0, which has no forecast). */
  score: number;
  /** Channel of that maximum. */
  channel: number;
  /** True when the frame is past warm-up and `score ≥ threshold`. */
  alarm: boolean;
  /** An episode that ended with this frame (its last alarm frame is earlier). */
  ended?: AnomalyEpisode;
}

/** The scorer's state, for snapshots (plain data; survives msgpack and structured clone). */
export interface AnomalyScorerState {
  frames: number;
  /** The forecast made at the previous frame (C floats; meaningless while `frames` is 0). */
  forecast: Float32Array;
  /** Per-channel EMA of the squared normalised residual. */
  ema: Float64Array;
  /** The open episode, or null. */
  episode: AnomalyEpisode | null;
}

export class AnomalyScorer {
  readonly channels: number;
  readonly threshold: number;
  readonly alpha: number;
  readonly warmUpFrames: number;
  readonly mergeFrames: number;
  private readonly residualStd: readonly number[];
  private readonly invStd: Float64Array;
  private forecast: Float32Array;
  private ema: Float64Array;
  private frames = 0;
  private episode: AnomalyEpisode | null = null;

  /** @throws GruStreamError E_ARGUMENT naming the bad option */
  constructor(options: AnomalyScorerOptions) {
    const o = { ...ANOMALY_SCORER_DEFAULTS, ...options };
    const bad = (what: string): never => {
      throw new GruStreamError('E_ARGUMENT', `AnomalyScorer ${what}`);
    };
    if (!Array.isArray(o.residualStd) || o.residualStd.length === 0) {
      bad(`residualStd: expected one std per channel, got ${JSON.stringify(o.residualStd)}`);
    }
    if (!o.residualStd.every((s) => Number.isFinite(s) && s > 0)) {
      bad(`residualStd: expected finite values > 0, got ${JSON.stringify(o.residualStd)}`);
    }
    if (!(Number.isFinite(o.threshold) && o.threshold > 0)) {
      bad(`threshold: expected a finite number > 0, got ${o.threshold}`);
    }
    if (!(o.alpha > 0 && o.alpha <= 1)) bad(`alpha: expected a number in (0, 1], got ${o.alpha}`);
    if (!Number.isInteger(o.warmUpFrames) || o.warmUpFrames < 0) {
      bad(`warmUpFrames: expected an integer ≥ 0, got ${o.warmUpFrames}`);
    }
    if (!Number.isInteger(o.mergeFrames) || o.mergeFrames < 1) {
      bad(`mergeFrames: expected an integer ≥ 1, got ${o.mergeFrames}`);
    }
    this.channels = o.residualStd.length;
    this.threshold = o.threshold;
    this.alpha = o.alpha;
    this.warmUpFrames = o.warmUpFrames;
    this.mergeFrames = o.mergeFrames;
    this.residualStd = o.residualStd.slice();
    this.invStd = Float64Array.from(o.residualStd, (s) => 1 / s);
    this.forecast = new Float32Array(this.channels);
    this.ema = new Float64Array(this.channels);
  }

  /** The parameters, as stored in a manifest. */
  get params(): AnomalyScorerParams {
    return {
      residualStd: this.residualStd.slice(),
      threshold: this.threshold,
      alpha: this.alpha,
      warmUpFrames: this.warmUpFrames,
      mergeFrames: this.mergeFrames,
    };
  }

  /**
   * Scores one frame.
   * @param observed the frame's normalised channels (the model's input for this frame), C floats
   * @param forecast the model's output for this frame: its forecast of the next frame, C floats
   */
  push(observed: ArrayLike<number>, forecast: ArrayLike<number>): AnomalyFrameScore {
    const C = this.channels;
    if (observed.length !== C || forecast.length !== C) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `AnomalyScorer.push: expected ${C} observed and ${C} forecast values, got ${observed.length} and ${forecast.length}`,
      );
    }
    const frame = this.frames++;
    let score = 0;
    let channel = 0;
    if (frame > 0) {
      const a = this.alpha;
      for (let c = 0; c < C; c++) {
        const r = (observed[c]! - this.forecast[c]!) * this.invStd[c]!;
        const e = (1 - a) * this.ema[c]! + a * r * r;
        this.ema[c] = e;
        if (e > score) {
          score = e;
          channel = c;
        }
      }
    }
    for (let c = 0; c < C; c++) this.forecast[c] = forecast[c]!;
    const alarm = frame >= this.warmUpFrames && score >= this.threshold;
    const out: AnomalyFrameScore = { frame, score, channel, alarm };
    const ep = this.episode;
    if (alarm) {
      if (ep === null) {
        this.episode = { start: frame, end: frame, peakScore: score, peakFrame: frame, channel };
      } else {
        ep.end = frame;
        if (score > ep.peakScore) {
          ep.peakScore = score;
          ep.peakFrame = frame;
          ep.channel = channel;
        }
      }
    } else if (ep !== null && frame - ep.end >= this.mergeFrames) {
      out.ended = ep;
      this.episode = null;
    }
    return out;
  }

  /** Ends the stream: returns the open episode, if any, and resets the scorer. */
  flush(): AnomalyEpisode | undefined {
    const ep = this.episode ?? undefined;
    this.reset();
    return ep;
  }

  /** Back to the start of a stream. */
  reset(): void {
    this.frames = 0;
    this.forecast.fill(0);
    this.ema.fill(0);
    this.episode = null;
  }

  /** A copy of the state, to store with the stream's GRU snapshot. */
  state(): AnomalyScorerState {
    return {
      frames: this.frames,
      forecast: this.forecast.slice(),
      ema: this.ema.slice(),
      episode: this.episode && { ...this.episode },
    };
  }

  /** Continues from a saved state. @throws GruStreamError E_SNAPSHOT when it does not fit this scorer */
  restore(s: AnomalyScorerState): void {
    const C = this.channels;
    const ep = s?.episode;
    const episodeOk =
      ep === null ||
      (typeof ep === 'object' &&
        ep !== undefined &&
        (['start', 'end', 'peakScore', 'peakFrame', 'channel'] as const).every(
          (k) => typeof ep[k] === 'number',
        ));
    const ok =
      s !== null &&
      typeof s === 'object' &&
      Number.isInteger(s.frames) &&
      s.frames >= 0 &&
      s.forecast instanceof Float32Array &&
      s.forecast.length === C &&
      s.ema instanceof Float64Array &&
      s.ema.length === C &&
      episodeOk;
    if (!ok) {
      throw new GruStreamError('E_SNAPSHOT', `AnomalyScorer.restore: state does not fit ${C} channels`);
    }
    this.frames = s.frames;
    this.forecast = s.forecast.slice();
    this.ema = s.ema.slice();
    this.episode = ep && { ...ep };
  }
}

/**
 * The scorer parameters stored in a manifest's `postprocess`, or undefined when it has none.
 * @throws GruStreamError E_MANIFEST when present but malformed
 */
export function anomalyScorerFromManifest(manifest: {
  postprocess?: Record<string, unknown>;
}): AnomalyScorerParams | undefined {
  const raw = manifest.postprocess?.[ANOMALY_SCORER_KEY];
  if (raw === undefined) return undefined;
  try {
    return new AnomalyScorer(raw as AnomalyScorerOptions).params;
  } catch (e) {
    throw new GruStreamError('E_MANIFEST', `postprocess.${ANOMALY_SCORER_KEY}: ${(e as Error).message}`);
  }
}
