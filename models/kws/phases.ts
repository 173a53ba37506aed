/**
 * How much a keyword detection depends on where the 10 ms frames happen to fall in the audio.
 *
 * A microphone starts at no particular sample, so two captures of the same sound differ by a delay of
 * a fraction of a hop (and, in a browser, by the audio graph's rate: the worklet resamples it back to
 * 16 kHz). A file read by the CLI always starts at sample 0; live audio does not. This replays a
 * recording at `phases` delays spread over one hop and counts, per keyword utterance, the delays at
 * which the detector finds it. The report quotes it for the held-out sample, and the PWA test derives
 * from it which of the sample's keywords a live capture must find.
 */
import { resample } from '../../src/features/wav.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { StreamingResampler } from '../../src/features/streaming-resampler.js';
import type { StreamTruth } from './data/stream.js';
import type { DetectorParams } from './kws-lib.js';
import { MATCH_AFTER_MS, detect, scoreStream, streamFrames } from './kws-lib.js';

/** Sample rate of the model's features, Hz. */
const RATE = 16_000;
/** Hop between frames, ms. */
const HOP_MS = 10;

export interface PhaseOptions {
  /** Delays tried, spread evenly over one hop (default 32). */
  phases?: number;
  /**
   * When set, each delayed copy goes through this rate first (resampled up to it, then back to
   * 16 kHz by the streaming resampler the PWA's worklet runs), as audio from a browser's audio
   * graph does; the delays are then in samples of this rate. Default: delays in 16 kHz samples, no
   * resampling.
   */
  viaRate?: number;
}

export interface KeywordOverPhases {
  /** The keyword's label. */
  label: string;
  /** The word said. */
  text: string;
  startMs: number;
  /** Delays at which the detector found it with its label (of {@link PhaseSweep.phases}). */
  found: number;
}

export interface PhaseSweep {
  phases: number;
  viaRate: number;
  keywords: KeywordOverPhases[];
}

/**
 * Replays `samples` (16 kHz mono, ground truth `truth`) at `options.phases` delays within one hop and
 * counts per keyword utterance the delays at which it is found (matching as in `scoreStream`).
 * @param posteriorsOf the model: normalised frames (T × features) → posteriors (T × classes), from a
 *   fresh state
 */
export function keywordsOverPhases(
  samples: Float32Array,
  truth: StreamTruth,
  posteriorsOf: (frames: Float32Array) => Float32Array,
  norm: FeatureNorm,
  detector: DetectorParams,
  options: PhaseOptions = {},
): PhaseSweep {
  const phases = options.phases ?? 32;
  const viaRate = options.viaRate ?? RATE;
  const source = viaRate === RATE ? samples : resample(samples, RATE, viaRate);
  const hopSamples = (viaRate * HOP_MS) / 1000;
  const keywords = truth.events.filter((e) => e.label !== 'unknown');
  const found = keywords.map(() => 0);
  for (let k = 0; k < phases; k++) {
    const delay = Math.round((k * hopSamples) / phases);
    // The delay is filled with the recording's own first samples (its noise floor), not with zeros.
    const delayed = new Float32Array(source.length + delay);
    delayed.set(source.subarray(0, delay));
    delayed.set(source, delay);
    const audio = viaRate === RATE ? delayed : backTo16k(delayed, viaRate);
    const delayMs = (delay / viaRate) * 1000;
    const detections = detect(posteriorsOf(streamFrames(audio, norm)), detector).map((d) => ({
      ...d,
      timeMs: d.timeMs - delayMs,
    }));
    const score = scoreStream(detections, truth);
    for (const [i, e] of keywords.entries()) {
      const hit = score.detail.some(
        (d) =>
          d.verdict === 'hit' &&
          d.label === e.label &&
          d.timeMs >= e.startMs &&
          d.timeMs <= e.endMs + MATCH_AFTER_MS,
      );
      if (hit) found[i]!++;
    }
  }
  return {
    phases,
    viaRate,
    keywords: keywords.map((e, i) => ({
      label: e.label,
      text: e.text,
      startMs: e.startMs,
      found: found[i]!,
    })),
  };
}

function backTo16k(audio: Float32Array, rate: number): Float32Array {
  const r = new StreamingResampler(rate, RATE);
  const out = new Float32Array(r.maxOutput(audio.length));
  return out.subarray(0, r.process(audio, out));
}
