/**
 * Keyword detection from a stream of per-frame posteriors: smooth, threshold, suppress.
 *
 * A GRU that runs every 10 ms gives a probability vector per frame; a keyword shows as a run of
 * frames where its probability is high. Raw argmax would fire many times per word and on single
 * noisy frames, so the detector (1) averages each class's posterior over the last `smoothingFrames`
 * frames, (2) fires when a keyword's smoothed posterior crosses `threshold`, and (3) then stays
 * silent for `suppressionMs`. Classes listed in `ignore` (silence, unknown) never fire.
 *
 * It is pure arithmetic over a ring buffer, with no allocation per frame, and its state can be saved
 * and restored alongside the GRU state (a snapshot's `meta`), so a resumed stream continues exactly.
 */
import { GruStreamError } from '../errors.js';

export interface KwsDetectorOptions {
  /** Class names, in the model's output order. */
  labels: readonly string[];
  /** Moving-average length in frames. Default 20 (200 ms at a 10 ms hop). */
  smoothingFrames?: number;
  /** Smoothed posterior that fires a detection, in (0, 1). Default 0.6. */
  threshold?: number;
  /** Quiet time after a detection, in ms. Default 1000. */
  suppressionMs?: number;
  /** Frame hop in ms, to turn frame indices into times. Default 10. */
  hopMs?: number;
  /**
   * Length of a frame's audio window in ms (log-mel: 25), so that a detection's time is when the
   * audio of the frame that fired ends: frame t (from 0) ends at t·hopMs + windowMs. Default: hopMs
   * (frames that tile the audio; frame t ends at (t + 1)·hopMs).
   */
  windowMs?: number;
  /** Labels that never fire. Default ['silence', 'unknown']. */
  ignore?: readonly string[];
}

export interface Detection {
  label: string;
  /** When the audio of the frame that fired ends, in ms from the stream's start (see `windowMs`). */
  timeMs: number;
  /** The smoothed posterior when it fired. */
  score: number;
}

/** The detector's state, for snapshots (plain data; survives msgpack and structured clone). */
export interface KwsDetectorState {
  frames: number;
  ring: Float32Array;
  sums: Float64Array;
  quietUntilMs: number;
}

export const KWS_DETECTOR_DEFAULTS = {
  smoothingFrames: 20,
  threshold: 0.6,
  suppressionMs: 1000,
  hopMs: 10,
  ignore: ['silence', 'unknown'],
} as const;

export class KwsDetector {
  readonly labels: readonly string[];
  readonly smoothingFrames: number;
  readonly threshold: number;
  readonly suppressionMs: number;
  readonly hopMs: number;
  readonly windowMs: number;
  private readonly fires: Uint8Array;
  /** Last `smoothingFrames` posteriors, ring-buffered: row (frames mod N). */
  private ring: Float32Array;
  /** Running sum of each class over the ring. */
  private sums: Float64Array;
  private frames = 0;
  private quietUntilMs = -Infinity;

  /** @throws GruStreamError E_ARGUMENT naming the bad option */
  constructor(options: KwsDetectorOptions) {
    const o = { ...KWS_DETECTOR_DEFAULTS, ...options };
    const C = o.labels.length;
    if (C < 1)
      throw new GruStreamError('E_ARGUMENT', 'KwsDetector labels: expected at least one label, got none');
    if (!Number.isInteger(o.smoothingFrames) || o.smoothingFrames < 1) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `KwsDetector smoothingFrames: expected an integer ≥ 1, got ${o.smoothingFrames}`,
      );
    }
    if (!(o.threshold > 0 && o.threshold < 1)) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `KwsDetector threshold: expected a number in (0, 1), got ${o.threshold}`,
      );
    }
    if (!(o.suppressionMs >= 0) || !(o.hopMs > 0)) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `KwsDetector suppressionMs ≥ 0 and hopMs > 0 expected, got ${o.suppressionMs} and ${o.hopMs}`,
      );
    }
    const windowMs = options.windowMs ?? o.hopMs;
    if (!(windowMs >= o.hopMs)) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `KwsDetector windowMs: expected a number ≥ hopMs (${o.hopMs}), got ${windowMs}`,
      );
    }
    this.labels = o.labels.slice();
    this.smoothingFrames = o.smoothingFrames;
    this.threshold = o.threshold;
    this.suppressionMs = o.suppressionMs;
    this.hopMs = o.hopMs;
    this.windowMs = windowMs;
    this.fires = Uint8Array.from(this.labels, (l) => (o.ignore.includes(l) ? 0 : 1));
    this.ring = new Float32Array(o.smoothingFrames * C);
    this.sums = new Float64Array(C);
  }

  /**
   * Adds one frame's posteriors (C floats) and returns the detection it fires, if any.
   * Frames must come in stream order; the detector counts them.
   */
  push(posteriors: ArrayLike<number>): Detection | undefined {
    const C = this.labels.length;
    if (posteriors.length !== C) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `KwsDetector.push: expected ${C} posteriors, got ${posteriors.length}`,
      );
    }
    const N = this.smoothingFrames;
    const row = (this.frames % N) * C;
    for (let c = 0; c < C; c++) {
      const p = posteriors[c]!;
      this.sums[c]! += p - this.ring[row + c]!;
      this.ring[row + c] = p;
    }
    this.frames++;
    // Suppression runs on hop ends (frames · hop), which is what the saved state's quietUntilMs holds.
    const hopEndMs = this.frames * this.hopMs;
    if (hopEndMs < this.quietUntilMs) return undefined;
    // Average over the frames seen so far while the window is still filling.
    const n = Math.min(this.frames, N);
    let best = -1;
    let bestScore = this.threshold;
    for (let c = 0; c < C; c++) {
      const score = this.sums[c]! / n;
      if (this.fires[c] && score >= bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (best < 0) return undefined;
    this.quietUntilMs = hopEndMs + this.suppressionMs;
    return { label: this.labels[best]!, timeMs: hopEndMs + this.windowMs - this.hopMs, score: bestScore };
  }

  reset(): void {
    this.ring.fill(0);
    this.sums.fill(0);
    this.frames = 0;
    this.quietUntilMs = -Infinity;
  }

  /** A copy of the state, to store with the stream's GRU snapshot. */
  state(): KwsDetectorState {
    return {
      frames: this.frames,
      ring: this.ring.slice(),
      sums: this.sums.slice(),
      quietUntilMs: this.quietUntilMs,
    };
  }

  /** Continues from a saved state. @throws GruStreamError E_SNAPSHOT when it does not fit this detector */
  restore(s: KwsDetectorState): void {
    const C = this.labels.length;
    const ok =
      s !== null &&
      typeof s === 'object' &&
      Number.isInteger(s.frames) &&
      s.frames >= 0 &&
      s.ring instanceof Float32Array &&
      s.ring.length === this.smoothingFrames * C &&
      s.sums instanceof Float64Array &&
      s.sums.length === C &&
      typeof s.quietUntilMs === 'number';
    if (!ok) {
      throw new GruStreamError(
        'E_SNAPSHOT',
        `KwsDetector.restore: state does not fit ${C} labels × ${this.smoothingFrames} smoothing frames`,
      );
    }
    this.frames = s.frames;
    this.ring = s.ring.slice();
    this.sums = s.sums.slice();
    this.quietUntilMs = s.quietUntilMs;
  }
}
