/**
 * The streaming log-mel front end: audio samples in, one feature frame of `melBins` log energies out
 * every hop. It is the same code in training (Node scripts over WAV files) and in inference (a worker
 * fed by the microphone), so a model sees exactly the features it was trained on.
 *
 * Per frame: take `windowLength` samples, multiply by a periodic Hann window, zero-pad to `fftSize`,
 * power spectrum |X[k]|² (unnormalised, samples in [−1, 1]), HTK triangular mel filterbank, natural log
 * with a floor. Frames start at sample 0 and every `hopLength` samples after it; there is no centring
 * or padding, so n samples give ⌊(n − windowLength)/hopLength⌋ + 1 frames (0 when n < windowLength).
 *
 * Streaming is exact: the samples a frame still needs are carried between {@link LogMelFrontEnd.push}
 * calls, so any split of the audio into chunks yields bit-identical frames to processing it whole.
 * Pure TypeScript with no Node or DOM globals: it runs in Node, a Web Worker and an AudioWorklet.
 */
import { GruStreamError } from '../errors.js';
import type { FeatureSpec } from '../model/manifest.js';
import { FrameQueue } from './frame-queue.js';
import { RealFft, isPowerOfTwo } from './fft.js';
import type { MelFilterbank } from './mel.js';
import { applyFilterbank, melFilterbank } from './mel.js';

/** The manifest's feature spec for this front end. */
export type LogMelFeatureSpec = Extract<FeatureSpec, { kind: 'log-mel' }>;

export interface LogMelOptions {
  /** Input sample rate in Hz (default 16000). */
  sampleRate?: number;
  /** Analysis window in milliseconds (default 25 → 400 samples at 16 kHz). */
  windowMs?: number;
  /** Hop between frame starts in milliseconds (default 10 → 160 samples at 16 kHz); ≤ windowMs. */
  hopMs?: number;
  /** FFT length in samples, a power of two ≥ the window (default: the smallest such, 512 at 16 kHz / 25 ms). */
  fftSize?: number;
  /** Number of mel filters = features per frame (default 40). */
  melBins?: number;
  /** Lower edge of the filterbank in Hz (default 20). */
  fMin?: number;
  /** Upper edge of the filterbank in Hz (default sampleRate/2). */
  fMax?: number;
  /** Energies below this are clamped before the log, so silence gives ln(logFloor) (default 1e-6). */
  logFloor?: number;
  /**
   * Pre-emphasis coefficient a in y[n] = x[n] − a·x[n−1], applied to the sample stream before
   * framing, with x[−1] = 0 after a reset (default 0 = off; 0.97 is the usual value when on).
   */
  preEmphasis?: number;
}

/**
 * The defaults (fftSize: the smallest power of two ≥ the window; fMax: sampleRate/2). A manifest's
 * {@link FeatureSpec} records only sampleRate, windowMs, hopMs and melBins, so a model meant to ship
 * with a manifest must be trained with the other options at their defaults.
 */
export const LOG_MEL_DEFAULTS = {
  sampleRate: 16000,
  windowMs: 25,
  hopMs: 10,
  melBins: 40,
  fMin: 20,
  logFloor: 1e-6,
  preEmphasis: 0,
} as const;

export class LogMelFrontEnd {
  readonly sampleRate: number;
  readonly windowMs: number;
  readonly hopMs: number;
  /** Window length in samples. */
  readonly windowLength: number;
  /** Hop in samples. */
  readonly hopLength: number;
  readonly fftSize: number;
  readonly melBins: number;
  readonly fMin: number;
  readonly fMax: number;
  readonly logFloor: number;
  readonly preEmphasis: number;

  private readonly fft: RealFft;
  private readonly filterbank: MelFilterbank;
  private readonly window: Float64Array;
  /** The current window's samples (after pre-emphasis); `fill` of them are valid. */
  private readonly buffer: Float64Array;
  private fill = 0;
  /** Previous raw input sample, for pre-emphasis across calls. */
  private previous = 0;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;
  private readonly mel: Float64Array;
  /** Finished frames not yet pulled. */
  private readonly queue: FrameQueue;
  /** Where {@link computeFrame} writes: room for this push's frames, `written` of them done. */
  private room: Float32Array = new Float32Array(0);
  private written = 0;

  /** @throws GruStreamError E_ARGUMENT naming the bad option */
  constructor(options: LogMelOptions = {}) {
    const o = { ...LOG_MEL_DEFAULTS, fftSize: 0, ...stripUndefined(options) };
    const fMax = options.fMax ?? o.sampleRate / 2;
    const positive = (name: string, v: number): void => {
      if (!(Number.isFinite(v) && v > 0)) {
        throw new GruStreamError('E_ARGUMENT', `LogMelFrontEnd ${name}: expected a number > 0, got ${v}`);
      }
    };
    positive('sampleRate', o.sampleRate);
    positive('windowMs', o.windowMs);
    positive('hopMs', o.hopMs);
    positive('logFloor', o.logFloor);
    this.windowLength = Math.round((o.sampleRate * o.windowMs) / 1000);
    this.hopLength = Math.round((o.sampleRate * o.hopMs) / 1000);
    if (this.hopLength < 1 || this.hopLength > this.windowLength) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `LogMelFrontEnd hopMs: expected 1 sample ≤ hop ≤ window (${this.windowLength} samples), ` +
          `got ${o.hopMs} ms = ${this.hopLength} samples`,
      );
    }
    if (options.fftSize === undefined) o.fftSize = 2 ** Math.ceil(Math.log2(this.windowLength));
    if (!isPowerOfTwo(o.fftSize) || o.fftSize < this.windowLength) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `LogMelFrontEnd fftSize: expected a power of two ≥ the window (${this.windowLength} samples), got ${o.fftSize}`,
      );
    }
    if (!(o.preEmphasis >= 0 && o.preEmphasis < 1)) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `LogMelFrontEnd preEmphasis: expected 0 ≤ a < 1, got ${o.preEmphasis}`,
      );
    }
    this.sampleRate = o.sampleRate;
    this.windowMs = o.windowMs;
    this.hopMs = o.hopMs;
    this.fftSize = o.fftSize;
    this.melBins = o.melBins;
    this.fMin = o.fMin;
    this.fMax = fMax;
    this.logFloor = o.logFloor;
    this.preEmphasis = o.preEmphasis;

    this.fft = new RealFft(o.fftSize);
    this.filterbank = melFilterbank({
      sampleRate: o.sampleRate,
      fftSize: o.fftSize,
      melBins: o.melBins,
      fMin: o.fMin,
      fMax,
    });
    // Periodic Hann (denominator L, not L − 1): overlapping windows at 50% hop sum to a constant.
    this.window = new Float64Array(this.windowLength);
    for (let n = 0; n < this.windowLength; n++) {
      this.window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / this.windowLength);
    }
    this.buffer = new Float64Array(this.windowLength);
    this.frame = new Float64Array(o.fftSize);
    this.power = new Float64Array(this.fft.bins);
    this.mel = new Float64Array(o.melBins);
    this.queue = new FrameQueue(o.melBins);
  }

  /** A front end for a manifest's feature spec (other options at {@link LOG_MEL_DEFAULTS}). */
  static fromFeatureSpec(spec: FeatureSpec): LogMelFrontEnd {
    if (spec.kind !== 'log-mel') {
      throw new GruStreamError(
        'E_ARGUMENT',
        `LogMelFrontEnd feature spec: expected kind 'log-mel', got '${spec.kind}'`,
      );
    }
    const { sampleRate, windowMs, hopMs, melBins } = spec;
    return new LogMelFrontEnd({ sampleRate, windowMs, hopMs, melBins });
  }

  /**
   * The manifest's description of these features. It records sampleRate, windowMs, hopMs and melBins
   * only: fftSize, fMin, fMax, logFloor and preEmphasis must be at their defaults for
   * {@link fromFeatureSpec} to rebuild the same front end from a manifest.
   */
  featureSpec(): LogMelFeatureSpec {
    const { sampleRate, windowMs, hopMs, melBins } = this;
    return { kind: 'log-mel', sampleRate, windowMs, hopMs, melBins };
  }

  /** Frames that `sampleCount` samples give from a reset state. */
  framesFor(sampleCount: number): number {
    return sampleCount < this.windowLength
      ? 0
      : Math.floor((sampleCount - this.windowLength) / this.hopLength) + 1;
  }

  /** Finished frames waiting to be pulled. */
  get pending(): number {
    return this.queue.pending;
  }

  /**
   * Appends audio (any length, including 0) at `sampleRate`. Every frame it completes is queued for
   * {@link pull}; the queue grows (doubling) only when a push completes more frames than fit, never
   * per frame. Non-finite samples are not checked and poison the frames that overlap them.
   * @returns the number of frames now pending
   */
  push(samples: Float32Array): number {
    const n = samples.length;
    const win = this.windowLength;
    const produced = this.fill + n >= win ? Math.floor((this.fill + n - win) / this.hopLength) + 1 : 0;
    this.room = this.queue.tail(produced);
    this.written = 0;
    const buf = this.buffer;
    const a = this.preEmphasis;
    let prev = this.previous;
    let i = 0;
    while (i < n) {
      const take = Math.min(win - this.fill, n - i);
      let f = this.fill;
      if (a === 0) {
        for (let j = 0; j < take; j++) buf[f++] = samples[i + j]!;
      } else {
        for (let j = 0; j < take; j++) {
          const x = samples[i + j]!;
          buf[f++] = x - a * prev;
          prev = x;
        }
      }
      this.fill = f;
      i += take;
      if (f === win) {
        this.computeFrame();
        buf.copyWithin(0, this.hopLength, win);
        this.fill = win - this.hopLength;
      }
    }
    if (n > 0) this.previous = samples[n - 1]!;
    this.queue.commit(this.written);
    return this.queue.pending;
  }

  /**
   * Moves up to ⌊out.length / melBins⌋ pending frames, oldest first, into `out` (frame-major: frame t's
   * bin m at `t·melBins + m`).
   * @returns the number of frames written
   */
  pull(out: Float32Array): number {
    return this.queue.pull(out);
  }

  /** Forgets buffered audio and pending frames: the next push starts a new stream. */
  reset(): void {
    this.fill = 0;
    this.previous = 0;
    this.queue.clear();
  }

  /** Turns the full buffer into the next frame of this push's room in the queue. */
  private computeFrame(): void {
    const frame = this.frame;
    const win = this.window;
    const buf = this.buffer;
    // frame[windowLength…fftSize) stays 0 from construction: the zero padding.
    for (let k = 0; k < this.windowLength; k++) frame[k] = buf[k]! * win[k]!;
    this.fft.powerSpectrum(frame, this.power);
    applyFilterbank(this.filterbank, this.power, this.mel);
    const bins = this.melBins;
    const base = this.written * bins;
    const floor = this.logFloor;
    const q = this.room;
    for (let m = 0; m < bins; m++) {
      const e = this.mel[m]!;
      q[base + m] = Math.log(e > floor ? e : floor);
    }
    this.written++;
  }
}

/**
 * Log-mel frames of a whole signal (T × melBins, frame-major), computed by a fresh
 * {@link LogMelFrontEnd} so batch and streaming features are the same numbers.
 */
export function logMelFrames(samples: Float32Array, options: LogMelOptions = {}): Float32Array {
  const fe = new LogMelFrontEnd(options);
  const frames = fe.push(samples);
  const out = new Float32Array(frames * fe.melBins);
  fe.pull(out);
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
