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
import { join } from 'node:path';
import { resample } from '../../src/features/wav.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { featureNormFromManifest } from '../../src/features/normalize.js';
import { StreamingResampler } from '../../src/features/streaming-resampler.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import type { ModelRunner } from '../../src/runtime/runner.js';
import { runSequences } from '../model-files.js';
import { SAMPLES_DIR } from './data/corpus.js';
import type { StreamTruth } from './data/stream.js';
import type { DetectorParams } from './kws-lib.js';
import {
  detect,
  detectorParamsFromManifest,
  keywordEvents,
  readStream,
  scoreStream,
  streamFrames,
} from './kws-lib.js';

/** Sample rate of the model's features, Hz. */
const RATE = 16_000;
/** Hop between frames, ms. */
const HOP_MS = 10;

export interface PhaseOptions {
  /** Delays tried, spread evenly from 0 to one sample short of a hop (default 32). */
  phases?: number;
  /**
   * When set, each delayed copy goes through this rate first, a model of a browser's path: up to it
   * with the library's `resample` (the browser uses its own resampler), then back to 16 kHz by the
   * streaming resampler the PWA's worklet runs; the delays are then in samples of this rate.
   * Default: delays in 16 kHz samples, no resampling.
   */
  viaRate?: number;
}

export interface KeywordOverPhases {
  /** The keyword's label. */
  label: string;
  /** The word said. */
  text: string;
  /** Where the word starts in the recording, ms (tells two utterances of one keyword apart). */
  startMs: number;
  /** Number of delays (of {@link PhaseSweep.phases}) at which the detector found it with its label. */
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
function keywordsOverPhases(
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
  // scoreStream's hits name their utterance by index in this list.
  const keywords = keywordEvents(truth);
  const found = keywords.map(() => 0);
  for (let k = 0; k < phases; k++) {
    // From 0 to one sample short of a hop. At 48 kHz the steps (≈ 15.5 samples) are not whole
    // 16 kHz samples, so that path also tries fractional shifts.
    const delay = phases === 1 ? 0 : Math.round((k * (hopSamples - 1)) / (phases - 1));
    const delayed = delayedBy(source, delay);
    const audio = viaRate === RATE ? delayed : backTo16k(delayed, viaRate);
    const delayMs = (delay / viaRate) * 1000;
    const detections = detect(posteriorsOf(streamFrames(audio, norm)), detector).map((d) => ({
      ...d,
      timeMs: d.timeMs - delayMs,
    }));
    for (const d of scoreStream(detections, truth).detail) if (d.keyword !== undefined) found[d.keyword]!++;
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

/**
 * `samples` `delay` samples later: the gap is filled with the recording's own first samples (its
 * noise floor), not with zeros, so the delay adds no onset of its own.
 */
export function delayedBy(samples: Float32Array, delay: number): Float32Array {
  const out = new Float32Array(samples.length + delay);
  out.set(samples.subarray(0, delay));
  out.set(samples, delay);
  return out;
}

/**
 * {@link keywordsOverPhases} for the bundled held-out sample (`models/kws/samples/keywords-heldout`)
 * through a keyword model's GRU-step runner, with its manifest's feature normalisation and detector.
 */
export function heldoutSampleOverPhases(
  runner: ModelRunner,
  manifest: Pick<ModelManifest, 'labels' | 'features' | 'postprocess'>,
  options: PhaseOptions = {},
): PhaseSweep {
  const norm = featureNormFromManifest(manifest);
  if (!norm) throw new Error('the keyword model manifest has no postprocess.featureNorm');
  const { samples, truth } = readStream(join(SAMPLES_DIR, 'keywords-heldout.wav'));
  return keywordsOverPhases(
    samples,
    truth,
    (frames) => runSequences(runner, [frames])[0]!,
    norm,
    detectorParamsFromManifest(manifest),
    options,
  );
}

function backTo16k(audio: Float32Array, rate: number): Float32Array {
  const r = new StreamingResampler(rate, RATE);
  const out = new Float32Array(r.maxOutput(audio.length));
  return out.subarray(0, r.process(audio, out));
}
