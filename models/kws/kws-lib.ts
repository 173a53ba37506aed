/**
 * What training, calibration, evaluation and the tests of the keyword model share: the output label
 * order, the per-frame training targets, the float weights file, audio → normalised frames, the clip
 * decision rule and the scoring of detections on continuous audio against its ground truth.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LogMelFrontEnd } from '../../src/features/log-mel.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { createNormalizer } from '../../src/features/normalize.js';
import { parseWav, resample, toMono } from '../../src/features/wav.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import type { GruWeights } from '../../src/model/gru-reference.js';
import { checkWeights } from '../../src/model/gru-reference.js';
import type { Detection } from '../../src/postprocess/kws-detector.js';
import { KwsDetector } from '../../src/postprocess/kws-detector.js';
import { kwsDetectorOptionsFromManifest } from '../../src/postprocess/kws-manifest.js';
import type { FeatureClip } from './data/feature-file.js';
import { readFeatureSplit } from './data/feature-file.js';
import type { StreamTruth } from './data/stream.js';
import type { Split } from './data/voices.js';
import { KEYWORDS } from './data/words.js';

/** `models/kws/`: the shipped files live here. */
export const KWS_DIR = fileURLToPath(new URL('./', import.meta.url));
/** Model name: files `kws-int8-weights-b{1,8,64}.tflite` (+ `.json` manifests). */
export const MODEL_NAME = 'kws';
export const SHIPPED_BATCHES = [1, 8, 64] as const;
/** The float weights the quantized files were made from (the float reference). */
export const FLOAT_WEIGHTS_FILE = 'kws-float-weights.json';

/** The model's output order (class id = index): silence, unknown, then the ten keywords. */
export const OUTPUT_LABELS: readonly string[] = ['silence', 'unknown', ...KEYWORDS];
export const SILENCE = 0;
export const UNKNOWN = 1;

/** Detection window for scoring: a keyword counts as found when detected in [start, end + this]. */
export const MATCH_AFTER_MS = 600;

/** The detector settings stored in the manifest's `postprocess.detector`. */
export interface DetectorParams {
  smoothingFrames: number;
  threshold: number;
  suppressionMs: number;
}

/**
 * The detector settings of a keyword model's manifest, only the three {@link DetectorParams} (in
 * that order: scripts write them to JSON), without the labels and hop the src helper adds.
 */
export function detectorParamsFromManifest(
  manifest: Pick<ModelManifest, 'labels' | 'features' | 'postprocess'>,
): DetectorParams {
  // The helper has checked that all three are numbers (its type has them optional).
  const { smoothingFrames, threshold, suppressionMs } = kwsDetectorOptionsFromManifest(manifest);
  return { smoothingFrames: smoothingFrames!, threshold: threshold!, suppressionMs: suppressionMs! };
}

// ---------------------------------------------------------------------------------------------------
// Features

export interface ClipSet {
  /** [N, T, F] normalised log-mel. */
  features: Float32Array;
  N: number;
  T: number;
  F: number;
  /** Class id (in {@link OUTPUT_LABELS} order) of each clip. */
  labels: Int32Array;
  clips: FeatureClip[];
  norm: FeatureNorm;
}

/**
 * A split written by data/features.ts, normalised with the training statistics in its header (or
 * `norm`, for an extra corpus that must be normalised like the main one).
 */
export function loadClipSet(dir: string, split: Split, normOverride?: FeatureNorm): ClipSet {
  const s = readFeatureSplit(dir, split);
  const { count: N, frames: T, melBins: F } = s.header;
  const norm = normOverride ?? s.header.norm;
  const features = s.features.slice();
  createNormalizer(norm)(features);
  const labels = Int32Array.from(s.header.clips, (c) => {
    const id = OUTPUT_LABELS.indexOf(c.label);
    if (id < 0) throw new Error(`clip ${c.id}: label '${c.label}' is not one of ${OUTPUT_LABELS.join(' ')}`);
    return id;
  });
  return { features, N, T, F, labels, clips: s.header.clips, norm };
}

/** Several clip sets (same T and F) as one, normalised as the first. */
export function joinClipSets(sets: ClipSet[]): ClipSet {
  const [first] = sets;
  if (!first) throw new Error('joinClipSets: no sets');
  if (sets.length === 1) return first;
  for (const s of sets) {
    if (s.T !== first.T || s.F !== first.F) throw new Error('joinClipSets: clip shapes differ');
  }
  const N = sets.reduce((n, s) => n + s.N, 0);
  const features = new Float32Array(N * first.T * first.F);
  const labels = new Int32Array(N);
  let at = 0;
  for (const s of sets) {
    features.set(s.features, at * first.T * first.F);
    labels.set(s.labels, at);
    at += s.N;
  }
  return { ...first, N, features, labels, clips: sets.flatMap((s) => s.clips) };
}

/** 16 kHz mono samples of a WAV file (any rate, any channel count). */
export function readWav16k(path: string): Float32Array {
  const wav = parseWav(new Uint8Array(readFileSync(path)));
  const mono = toMono(wav.channels);
  return wav.sampleRate === 16000 ? mono : resample(mono, wav.sampleRate, 16000);
}

/** A recording at 16 kHz and its ground truth. */
export interface StreamAudio {
  samples: Float32Array;
  truth: StreamTruth;
}

/**
 * A WAV file (as {@link readWav16k}) and its ground truth, the `.json` beside it (data/continuous.ts
 * writes both).
 * @param options.noiseOnlyWithoutJson when there is no `.json`, take the file as noise only (no
 *   events, its own duration) instead of failing
 */
export function readStream(wavPath: string, options: { noiseOnlyWithoutJson?: boolean } = {}): StreamAudio {
  const samples = readWav16k(wavPath);
  const jsonPath = wavPath.replace(/\.wav$/, '.json');
  if (options.noiseOnlyWithoutJson && !existsSync(jsonPath)) {
    const truth: StreamTruth = {
      format: 'kws-stream/1',
      sampleRate: 16000,
      durationMs: Math.round((samples.length / 16000) * 1000),
      channel: 'wide',
      noise: 'noise only',
      events: [],
    };
    return { samples, truth };
  }
  return { samples, truth: JSON.parse(readFileSync(jsonPath, 'utf8')) as StreamTruth };
}

/** Log-mel frames of `samples` (T × 40) normalised with `norm`: exactly what the CLI feeds the worker. */
export function streamFrames(samples: Float32Array, norm: FeatureNorm): Float32Array {
  const fe = new LogMelFrontEnd();
  const n = fe.push(samples);
  const out = new Float32Array(n * fe.melBins);
  fe.pull(out);
  createNormalizer(norm)(out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Training targets

export interface TargetOptions {
  /** Frames after the word's offset frame that are trained as the keyword (the posterior "pulse"). */
  hold: number;
  /** Weight of the keyword frames of the pulse. */
  keywordWeight: number;
  /** Weight of 'silence' on the noise before a word, and after a keyword's pulse. */
  backgroundWeight: number;
  /** Weight of 'unknown' while an unknown word is being spoken (before its offset). */
  unknownDuringWeight: number;
}

export const DEFAULT_TARGETS: TargetOptions = {
  hold: 40,
  keywordWeight: 1,
  backgroundWeight: 0.3,
  unknownDuringWeight: 0.2,
};

/**
 * Per-frame class ids and weights of one clip, for a model that runs streaming (state carried, one
 * output per 10 ms frame):
 * - silence clip: 'silence' at every frame, weight 1;
 * - before a word's onset: 'silence' (it is noise), weight `backgroundWeight`;
 * - keyword, from onset to offset: weight 0: the word is not yet heard to its end (frames before a
 *   keyword ends are unguessable, see TRAINING-NOTES); the model may fire early, it is not taught to;
 * - keyword, `hold` frames from the offset frame: the keyword, weight `keywordWeight`; after them
 *   'silence' again (weight `backgroundWeight`), so the model learns a pulse after the word and falls
 *   back by itself in continuous audio instead of holding the keyword until a clip boundary it cannot
 *   hear;
 * - unknown word: 'unknown' from onset (weight `unknownDuringWeight` until the offset, 1 for `hold`
 *   frames after it, then `backgroundWeight`).
 */
export function clipTargets(
  clip: FeatureClip,
  classId: number,
  T: number,
  o: TargetOptions,
  targets: Float32Array,
  weights: Float32Array,
): void {
  if (classId === SILENCE || clip.onsetFrame === null || clip.offsetFrame === null) {
    targets.fill(SILENCE, 0, T);
    weights.fill(1, 0, T);
    return;
  }
  const on = clip.onsetFrame;
  const off = clip.offsetFrame;
  for (let t = 0; t < T; t++) {
    let c = SILENCE;
    let w = o.backgroundWeight;
    if (t >= on && t < off) {
      c = classId;
      w = classId === UNKNOWN ? o.unknownDuringWeight : 0;
    } else if (t >= off && t < off + o.hold) {
      c = classId;
      w = classId === UNKNOWN ? 1 : o.keywordWeight;
    } else if (t >= off + o.hold && classId === UNKNOWN) {
      c = UNKNOWN;
    }
    targets[t] = c;
    weights[t] = w;
  }
}

// ---------------------------------------------------------------------------------------------------
// Decisions

/** The frames' timing of {@link streamFrames} (the default front end's): hop and window in ms. */
const { hopMs: FRAME_HOP_MS, windowMs: FRAME_WINDOW_MS } = new LogMelFrontEnd();

/**
 * Runs a {@link KwsDetector} over per-frame posteriors (T × C) of {@link streamFrames}' frames;
 * times are when the audio of the frame that fired ends, in ms from the start of the stream.
 */
export function detect(
  posteriors: Float32Array,
  params: DetectorParams,
  C = OUTPUT_LABELS.length,
): Detection[] {
  const d = new KwsDetector({
    labels: OUTPUT_LABELS,
    ...params,
    hopMs: FRAME_HOP_MS,
    windowMs: FRAME_WINDOW_MS,
  });
  const out: Detection[] = [];
  const T = posteriors.length / C;
  for (let t = 0; t < T; t++) {
    const hit = d.push(posteriors.subarray(t * C, (t + 1) * C));
    if (hit) out.push(hit);
  }
  return out;
}

/**
 * The class a 1-s clip is given when streamed on its own from a fresh state: the first keyword the
 * detector fires on; if none, 'unknown' when the smoothed 'unknown' posterior reaches the threshold
 * somewhere, else 'silence'.
 */
export function clipDecision(
  posteriors: Float32Array,
  params: DetectorParams,
  C = OUTPUT_LABELS.length,
): number {
  const first = detect(posteriors, params, C)[0];
  if (first) return OUTPUT_LABELS.indexOf(first.label);
  const T = posteriors.length / C;
  const N = params.smoothingFrames;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    sum += posteriors[t * C + UNKNOWN]!;
    if (t >= N) sum -= posteriors[(t - N) * C + UNKNOWN]!;
    if (sum / Math.min(t + 1, N) >= params.threshold) return UNKNOWN;
  }
  return SILENCE;
}

/**
 * The share of clips whose decision (see {@link clipDecision}) is their label; with `keywordsOnly`,
 * among the keyword clips only (not 'silence' or 'unknown').
 */
export function decisionAccuracy(
  decisions: ArrayLike<number>,
  labels: Int32Array,
  keywordsOnly = false,
): number {
  let n = 0;
  let right = 0;
  for (let i = 0; i < decisions.length; i++) {
    if (keywordsOnly && (labels[i] === SILENCE || labels[i] === UNKNOWN)) continue;
    n++;
    if (decisions[i] === labels[i]) right++;
  }
  return right / n;
}

// ---------------------------------------------------------------------------------------------------
// Continuous audio

export interface StreamScore {
  keywords: number;
  found: number;
  /** Keyword utterances detected with another keyword's label (and not their own). */
  mislabels: number;
  /** Detections that match no keyword utterance (in the windows of non-keywords or in pauses). */
  falseAccepts: number;
  /** Detection time − word end (ms) of every found keyword. */
  delaysMs: number[];
  durationMs: number;
  /**
   * Per detection: what it was matched to; for a hit, `keyword` is the utterance's index among the
   * truth's keyword events (in their order).
   */
  detail: {
    label: string;
    timeMs: number;
    score: number;
    verdict: 'hit' | 'mislabel' | 'false';
    keyword?: number;
  }[];
}

const KEYWORD_SET = new Set<string>(KEYWORDS);

/**
 * The keyword utterances of `truth`, in its order: a {@link StreamScore} hit's `keyword` is an index
 * into this list.
 */
export function keywordEvents(truth: StreamTruth): StreamTruth['events'] {
  return truth.events.filter((e) => KEYWORD_SET.has(e.label));
}

/**
 * Matches detections to the keyword utterances of `truth`: a detection of label L at time t finds the
 * first unfound utterance of L with start ≤ t ≤ end + {@link MATCH_AFTER_MS}. A detection inside another
 * keyword's window is a mislabel; anything else is a false accept.
 */
export function scoreStream(detections: Detection[], truth: StreamTruth): StreamScore {
  const kws = keywordEvents(truth);
  const found = new Set<number>();
  const mislabelled = new Set<number>();
  const s: StreamScore = {
    keywords: kws.length,
    found: 0,
    mislabels: 0,
    falseAccepts: 0,
    delaysMs: [],
    durationMs: truth.durationMs,
    detail: [],
  };
  for (const d of detections) {
    const inWindow = (e: { startMs: number; endMs: number }): boolean =>
      d.timeMs >= e.startMs && d.timeMs <= e.endMs + MATCH_AFTER_MS;
    const i = kws.findIndex((e, k) => !found.has(k) && e.label === d.label && inWindow(e));
    if (i >= 0) {
      found.add(i);
      s.delaysMs.push(d.timeMs - kws[i]!.endMs);
      s.detail.push({ ...d, verdict: 'hit', keyword: i });
      continue;
    }
    const j = kws.findIndex((e) => inWindow(e) && e.label !== d.label);
    if (j >= 0) {
      mislabelled.add(j);
      s.detail.push({ ...d, verdict: 'mislabel' });
    } else {
      s.falseAccepts++;
      s.detail.push({ ...d, verdict: 'false' });
    }
  }
  s.found = found.size;
  s.mislabels = [...mislabelled].filter((j) => !found.has(j)).length;
  return s;
}

/** The p-quantile (0…1) of `xs` by the nearest-rank method; NaN for an empty list. */
export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------------
// Float weights file

interface WeightsFile {
  format: 'kws-float-weights/1';
  form: GruWeights['form'];
  head: GruWeights['head'];
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** Each array as base64 of little-endian float32 (exact, and a third of the size of decimals). */
  arrays: Record<'wx' | 'wh' | 'bx' | 'bh' | 'wy' | 'by', string>;
  [extra: string]: unknown;
}

const ARRAYS = ['wx', 'wh', 'bx', 'bh', 'wy', 'by'] as const;

export function writeFloatWeights(path: string, w: GruWeights, extra: Record<string, unknown> = {}): void {
  const b64 = (a: Float32Array): string =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const file: WeightsFile = {
    format: 'kws-float-weights/1',
    form: w.form,
    head: w.head,
    inputSize: w.inputSize,
    hiddenSize: w.hiddenSize,
    outputSize: w.outputSize,
    arrays: Object.fromEntries(ARRAYS.map((k) => [k, b64(w[k])])) as WeightsFile['arrays'],
    ...extra,
  };
  writeFileSync(path, JSON.stringify(file, null, 1) + '\n');
}

export function readFloatWeights(path: string): GruWeights {
  const f = JSON.parse(readFileSync(path, 'utf8')) as WeightsFile;
  if (f.format !== 'kws-float-weights/1')
    throw new Error(`${path}: format ${f.format}, expected kws-float-weights/1`);
  const arr = (k: (typeof ARRAYS)[number]): Float32Array => {
    const b = Buffer.from(f.arrays[k], 'base64');
    const out = new Float32Array(b.length / 4);
    new Uint8Array(out.buffer).set(b);
    return out;
  };
  const w: GruWeights = {
    form: f.form,
    head: f.head,
    inputSize: f.inputSize,
    hiddenSize: f.hiddenSize,
    outputSize: f.outputSize,
    wx: arr('wx'),
    wh: arr('wh'),
    bx: arr('bx'),
    bh: arr('bh'),
    wy: arr('wy'),
    by: arr('by'),
  };
  checkWeights(w);
  return w;
}
