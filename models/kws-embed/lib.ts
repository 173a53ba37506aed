/**
 * What training, calibration and evaluation of the speech-embedding keyword head share: labels,
 * per-step targets from a stream's truth, the detector run over 80 ms steps, and the scoring of an
 * evaluation set (keyword recall, false accepts per hour in speech and in noise, delay).
 */
import type { Detection } from '../../src/postprocess/kws-detector.js';
import { KwsDetector } from '../../src/postprocess/kws-detector.js';
import type { StreamTruth } from '../kws/data/stream.js';
import { KEYWORDS } from '../kws/data/words.js';
import type { DetectorParams } from '../kws/kws-lib.js';
import { MATCH_AFTER_MS, OUTPUT_LABELS, quantile } from '../kws/kws-lib.js';
import type { StreamKind } from './eval-data.js';
import { EMBED_HOP_MS, EMBED_WINDOW_MS, embeddingEndMs } from './embed.js';

/** The model's outputs: silence, unknown, then the ten keywords (the old model's order). */
export const LABELS: readonly string[] = OUTPUT_LABELS;
export const SILENCE = 0;
export const UNKNOWN = 1;
/**
 * The label of an utterance that must count neither way (a custom model's keyword inside a reused
 * non-keyword utterance): its steps are not trained, detections in its window are not scored.
 */
export const MASKED = '-';

export interface TargetOptions {
  /** How long after a keyword's end the steps are trained as the keyword (ms). */
  holdMs: number;
  /** Weight of 'silence' steps in streams with speech. */
  backgroundWeight: number;
  /** Weight of 'unknown' while a non-keyword is being heard (before its end). */
  unknownDuringWeight: number;
}

export const DEFAULT_TARGETS: TargetOptions = {
  holdMs: 400,
  backgroundWeight: 0.3,
  unknownDuringWeight: 0.3,
};

/**
 * Per-step class ids and weights of a stream of K embeddings (step k has heard the audio up to
 * {@link embeddingEndMs}(k)):
 * - no utterance heard yet or the last one is over: 'silence' (weight `backgroundWeight`; 1 in a
 *   noise-only stream);
 * - a keyword partly heard (its end not yet reached): ignored (weight 0: not yet decidable);
 * - from a keyword's end for `holdMs`: the keyword (weight 1), so the model pulses after the word;
 * - a non-keyword (word or sentence) being heard: 'unknown' (`unknownDuringWeight`), then 'unknown'
 *   (weight 1) for `holdMs` after its end;
 * - a {@link MASKED} utterance: weight 0 until `holdMs` after its end.
 * @param labels the model's outputs: silence, unknown, then the keywords
 */
export function stepTargets(
  truth: StreamTruth,
  K: number,
  o: TargetOptions = DEFAULT_TARGETS,
  labels: readonly string[] = LABELS,
): { targets: Float32Array; weights: Float32Array } {
  const targets = new Float32Array(K).fill(SILENCE);
  const weights = new Float32Array(K).fill(truth.events.length === 0 ? 1 : o.backgroundWeight);
  const ev = truth.events;
  const isKeyword = (label: string): boolean => labels.indexOf(label) > UNKNOWN;
  let e = -1;
  for (let k = 0; k < K; k++) {
    const end = embeddingEndMs(k);
    while (e + 1 < ev.length && ev[e + 1]!.startMs < end) e++;
    // A keyword pulse outlasts the start of the next utterance: look back for one still holding.
    let hold = -1;
    for (let j = e; j >= 0 && ev[j]!.endMs + o.holdMs > end - 3000; j--) {
      if (isKeyword(ev[j]!.label) && end >= ev[j]!.endMs && end < ev[j]!.endMs + o.holdMs) {
        hold = j;
        break;
      }
    }
    if (hold >= 0) {
      targets[k] = labels.indexOf(ev[hold]!.label);
      weights[k] = 1;
      continue;
    }
    if (e < 0) continue;
    const u = ev[e]!;
    if (u.label === MASKED) {
      if (end < u.endMs + o.holdMs) weights[k] = 0;
      continue;
    }
    const keyword = isKeyword(u.label);
    if (end < u.endMs) {
      targets[k] = keyword ? labels.indexOf(u.label) : UNKNOWN;
      weights[k] = keyword ? 0 : o.unknownDuringWeight;
    } else if (!keyword && end < u.endMs + o.holdMs) {
      targets[k] = UNKNOWN;
      weights[k] = 1;
    }
  }
  return { targets, weights };
}

/** A {@link KwsDetector} over per-step posteriors (K × C) of embeddings; times as the detector gives them. */
export function detectSteps(
  posteriors: Float32Array,
  params: DetectorParams,
  labels: readonly string[] = LABELS,
): Detection[] {
  const d = new KwsDetector({ labels, ...params, hopMs: EMBED_HOP_MS, windowMs: EMBED_WINDOW_MS });
  const C = labels.length;
  const out: Detection[] = [];
  for (let t = 0; t < posteriors.length / C; t++) {
    const hit = d.push(posteriors.subarray(t * C, (t + 1) * C));
    if (hit) out.push(hit);
  }
  return out;
}

/** One stream's detections and truth, as scored. */
export interface ScoredStream {
  name: string;
  kind: StreamKind;
  truth: StreamTruth;
  detections: Detection[];
}

export interface VoiceRow {
  voice: string;
  keywords: number;
  found: number;
  recall: number;
  mislabels: number;
  /** False accepts in keyword-free speech attributed to this voice (the utterance before them). */
  speechFalseAccepts: number;
  speechMinutes: number;
  speechFaPerHour: number;
  medianDelayMs: number;
}

export interface SetScore {
  keywords: number;
  found: number;
  recall: number;
  mislabels: number;
  /** False accepts in the keyword stream (outside keyword windows). */
  keywordStreamFalseAccepts: number;
  speechFalseAccepts: number;
  speechMinutes: number;
  speechFaPerHour: number;
  noiseFalseAccepts: number;
  noiseMinutes: number;
  noiseFaPerHour: number;
  medianDelayMs: number;
  p90DelayMs: number;
  /** What the false accepts in speech were said on (text of the utterance they fell in or after). */
  speechFalseAcceptWords: Record<string, number>;
  perVoice: VoiceRow[];
}

/** How each detection of a stream was judged (the rule of models/kws's `scoreStream`, any keyword list). */
export interface StreamMatch {
  keywords: number;
  found: number;
  mislabels: number;
  falseAccepts: number;
  /** Per found keyword: its index among the truth's keyword events, and the detection time. */
  hits: { keyword: number; timeMs: number }[];
}

/**
 * Matches detections to the keyword utterances (labels in `keywords`) of `truth`: a detection of label
 * L at time t finds the first unfound utterance of L with start ≤ t ≤ end + 600 ms (models/kws's
 * `MATCH_AFTER_MS`); inside another keyword's window it is a mislabel; inside a {@link MASKED}
 * utterance's window it is not scored; anything else is a false accept.
 */
export function matchDetections(
  detections: readonly Detection[],
  truth: StreamTruth,
  keywords: readonly string[] = KEYWORDS,
): StreamMatch {
  const set = new Set(keywords);
  const kws = truth.events.filter((e) => set.has(e.label));
  const masked = truth.events.filter((e) => e.label === MASKED);
  const found = new Set<number>();
  const mislabelled = new Set<number>();
  const m: StreamMatch = { keywords: kws.length, found: 0, mislabels: 0, falseAccepts: 0, hits: [] };
  for (const d of detections) {
    const inWindow = (e: { startMs: number; endMs: number }): boolean =>
      d.timeMs >= e.startMs && d.timeMs <= e.endMs + MATCH_AFTER_MS;
    const i = kws.findIndex((e, k) => !found.has(k) && e.label === d.label && inWindow(e));
    if (i >= 0) {
      found.add(i);
      m.hits.push({ keyword: i, timeMs: d.timeMs });
      continue;
    }
    const j = kws.findIndex((e) => inWindow(e) && e.label !== d.label);
    if (j >= 0) mislabelled.add(j);
    else if (!masked.some(inWindow)) m.falseAccepts++;
  }
  m.found = found.size;
  m.mislabels = [...mislabelled].filter((j) => !found.has(j)).length;
  return m;
}

/**
 * Scores a set (keyword stream, keyword-free speech, noise) as the issue defines its numbers.
 * @param keywords the labels that count as keywords (default the ten)
 */
export function scoreSet(streams: ScoredStream[], keywords: readonly string[] = KEYWORDS): SetScore {
  const perVoice = new Map<string, VoiceRow>();
  const row = (voice: string): VoiceRow => {
    let r = perVoice.get(voice);
    if (!r) {
      r = {
        voice,
        keywords: 0,
        found: 0,
        recall: 0,
        mislabels: 0,
        speechFalseAccepts: 0,
        speechMinutes: 0,
        speechFaPerHour: 0,
        medianDelayMs: NaN,
      };
      perVoice.set(voice, r);
    }
    return r;
  };
  const delaysByVoice = new Map<string, number[]>();
  const delays: number[] = [];
  const s: SetScore = {
    keywords: 0,
    found: 0,
    recall: 0,
    mislabels: 0,
    keywordStreamFalseAccepts: 0,
    speechFalseAccepts: 0,
    speechMinutes: 0,
    speechFaPerHour: 0,
    noiseFalseAccepts: 0,
    noiseMinutes: 0,
    noiseFaPerHour: 0,
    medianDelayMs: NaN,
    p90DelayMs: NaN,
    speechFalseAcceptWords: {},
    perVoice: [],
  };
  for (const st of streams) {
    const minutes = st.truth.durationMs / 60_000;
    if (st.kind === 'noise') {
      s.noiseMinutes += minutes;
      s.noiseFalseAccepts += st.detections.length;
      continue;
    }
    const sc = matchDetections(st.detections, st.truth, keywords);
    if (st.kind === 'keyword') {
      const set = new Set(keywords);
      const kws = st.truth.events.filter((e) => set.has(e.label));
      for (const e of kws) row(e.voice).keywords++;
      for (const d of sc.hits) {
        const e = kws[d.keyword]!;
        row(e.voice).found++;
        const delay = d.timeMs - e.endMs;
        delays.push(delay);
        delaysByVoice.set(e.voice, [...(delaysByVoice.get(e.voice) ?? []), delay]);
      }
      s.keywords += sc.keywords;
      s.found += sc.found;
      s.mislabels += sc.mislabels;
      s.keywordStreamFalseAccepts += sc.falseAccepts;
      continue;
    }
    // Keyword-free speech: every detection is a false accept; attribute it to the utterance it falls in or follows.
    s.speechMinutes += minutes;
    const byVoiceMs = new Map<string, number>();
    for (const e of st.truth.events) byVoiceMs.set(e.voice, (byVoiceMs.get(e.voice) ?? 0) + 1);
    // Minutes per voice: the stream's duration shared by the voices' utterance counts (voices alternate at random).
    const n = st.truth.events.length;
    for (const [v, c] of byVoiceMs) row(v).speechMinutes += (minutes * c) / n;
    const masked = st.truth.events.filter((e) => e.label === MASKED);
    for (const d of st.detections) {
      if (masked.some((e) => d.timeMs >= e.startMs && d.timeMs <= e.endMs + MATCH_AFTER_MS)) continue;
      s.speechFalseAccepts++;
      const before = [...st.truth.events].reverse().find((e) => e.startMs <= d.timeMs);
      if (before) {
        row(before.voice).speechFalseAccepts++;
        const key = `${d.label}@${before.text.replace(/[.!?,]$/, '')}`;
        s.speechFalseAcceptWords[key] = (s.speechFalseAcceptWords[key] ?? 0) + 1;
      }
    }
  }
  s.recall = s.found / Math.max(1, s.keywords);
  s.speechFaPerHour = s.speechFalseAccepts / Math.max(1e-9, s.speechMinutes / 60);
  s.noiseFaPerHour = s.noiseFalseAccepts / Math.max(1e-9, s.noiseMinutes / 60);
  s.medianDelayMs = quantile(delays, 0.5);
  s.p90DelayMs = quantile(delays, 0.9);
  s.perVoice = [...perVoice.values()]
    .map((r) => ({
      ...r,
      recall: r.found / Math.max(1, r.keywords),
      speechFaPerHour: r.speechFalseAccepts / Math.max(1e-9, r.speechMinutes / 60),
      medianDelayMs: quantile(delaysByVoice.get(r.voice) ?? [], 0.5),
    }))
    .sort((a, b) => a.voice.localeCompare(b.voice));
  return s;
}

/** Detector settings in the manifest of the speech-embedding head: the three parameters plus its timing. */
export interface EmbedDetectorParams extends DetectorParams {
  hopMs: number;
  windowMs: number;
}

/**
 * The calibration objective: recall, minus one point per false accept per hour in speech (mislabels
 * and keyword-stream false accepts included) above the target of 2/h, and five points per false accept
 * per hour in noise above 0.5/h; a tenth of that penalty below the targets, so fewer is still better.
 */
export function objective(s: SetScore): number {
  const speech =
    (s.speechFalseAccepts + s.mislabels + s.keywordStreamFalseAccepts) / Math.max(1e-9, s.speechMinutes / 60);
  const over = (x: number, limit: number): number => Math.max(0, x - limit) + 0.1 * Math.min(x, limit);
  return s.recall - over(speech, 2) / 100 - (5 * over(s.noiseFaPerHour, 0.5)) / 100;
}

/** The grid the detector is calibrated over (smoothing in 80 ms steps). */
export function detectorGrid(): DetectorParams[] {
  const grid: DetectorParams[] = [];
  for (const smoothingFrames of [1, 2, 3, 4, 5])
    for (let ti = 6; ti <= 19; ti++)
      for (const suppressionMs of [500, 1000, 1500])
        grid.push({ smoothingFrames, threshold: Math.round(ti * 5) / 100, suppressionMs });
  return grid;
}
