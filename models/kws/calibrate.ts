/**
 * Calibration of the keyword detector (smoothing, threshold, suppression) on validation-voice
 * continuous audio: a keyword stream and keyword-free speech. train.ts calibrates the shipped model
 * at one framing phase; calibrate-phases.ts re-runs the same search averaged over several phases.
 */
import { join } from 'node:path';
import type { FeatureNorm } from '../../src/features/normalize.js';
import type { DetectorParams, StreamAudio } from './kws-lib.js';
import { detect, quantile, readStream, scoreStream, streamFrames } from './kws-lib.js';
import type { StreamTruth } from './data/stream.js';

/** A validation stream: its normalised frames and its ground truth. */
export interface ValStream {
  name: string;
  frames: Float32Array;
  truth: StreamTruth;
}

/** A validation stream's audio (16 kHz) and ground truth. */
export interface ValAudio extends StreamAudio {
  name: string;
}

/** The validation streams (data/continuous.ts --split val writes them), in the order `calibrate` takes. */
const VAL_STREAM_NAMES = ['keyword-stream', 'non-keyword'] as const;

function readValFile(dir: string, name: string): ValAudio {
  return { name, ...readStream(join(dir, `${name}.wav`)) };
}

/** The audio of the validation streams of `dir`: the keyword stream, then the keyword-free speech. */
export function readValAudio(dir: string): ValAudio[] {
  return VAL_STREAM_NAMES.map((name) => readValFile(dir, name));
}

/** A validation stream's audio as frames normalised with `norm`. */
export function valStream({ name, samples, truth }: ValAudio, norm: FeatureNorm): ValStream {
  return { name, frames: streamFrames(samples, norm), truth };
}

/**
 * The validation streams of `dir` (as {@link readValAudio}) as frames normalised with `norm`, one
 * file at a time.
 */
export function loadValStreams(dir: string, norm: FeatureNorm): ValStream[] {
  return VAL_STREAM_NAMES.map((name) => valStream(readValFile(dir, name), norm));
}

/**
 * Per-frame posteriors of the two validation streams (keyword stream, keyword-free speech), from
 * audio delayed by `delayMs` (0 unless the calibration spans several framing phases).
 */
export interface StreamPosteriors {
  keyword: Float32Array;
  other: Float32Array;
  delayMs?: number;
}

export interface CalibrationRow extends DetectorParams {
  recall: number;
  /** False accepts on both streams (averaged over the phases). */
  falseAccepts: number;
  /** Keywords detected only with another keyword's label (averaged over the phases). */
  mislabels: number;
  faPerHour: number;
  medianDelayMs: number;
  objective: number;
}

/** How one detector setting does on the validation streams: {@link CalibrationRow} without the setting. */
export type DetectorScore = Omit<CalibrationRow, keyof DetectorParams>;

/**
 * Scores the detector `params` on the posteriors of each phase: recall pools the phases' keywords,
 * errors are averaged over them; objective = recall − (false accepts + mislabels per hour) / 100.
 * @param streams the keyword stream, then the keyword-free speech
 */
export function scoreDetector(
  phases: StreamPosteriors[],
  streams: ValStream[],
  params: DetectorParams,
): DetectorScore {
  const [kwStream, otherStream] = streams;
  const hours = (kwStream!.truth.durationMs + otherStream!.truth.durationMs) / 3_600_000;
  let found = 0;
  let keywords = 0;
  let falseAccepts = 0;
  let mislabels = 0;
  const delays: number[] = [];
  for (const p of phases) {
    const at = (posteriors: Float32Array): ReturnType<typeof detect> =>
      detect(posteriors, params).map((d) => ({ ...d, timeMs: d.timeMs - (p.delayMs ?? 0) }));
    const a = scoreStream(at(p.keyword), kwStream!.truth);
    const b = scoreStream(at(p.other), otherStream!.truth);
    found += a.found;
    keywords += a.keywords;
    falseAccepts += a.falseAccepts + b.falseAccepts;
    mislabels += a.mislabels;
    delays.push(...a.delaysMs);
  }
  const recall = found / keywords;
  const faPerHour = (falseAccepts + mislabels) / phases.length / hours;
  return {
    recall,
    falseAccepts: falseAccepts / phases.length,
    mislabels: mislabels / phases.length,
    faPerHour,
    medianDelayMs: quantile(delays, 0.5),
    objective: recall - faPerHour / 100,
  };
}

/**
 * Picks the detector parameters: maximise the {@link scoreDetector} objective, i.e. one error per
 * hour costs as much as one point of recall; ties go to the shorter median delay.
 * @param streams the keyword stream, then the keyword-free speech
 */
export function calibrate(
  phases: StreamPosteriors[],
  streams: ValStream[],
): {
  best: CalibrationRow;
  table: CalibrationRow[];
} {
  const table: CalibrationRow[] = [];
  for (const smoothingFrames of [1, 3, 5, 8, 10, 15, 20, 30]) {
    for (let ti = 6; ti <= 19; ti++) {
      const threshold = ti * 0.05;
      for (const suppressionMs of [500, 750, 1000, 1500]) {
        const params = { smoothingFrames, threshold, suppressionMs };
        table.push({
          ...params,
          threshold: Math.round(threshold * 100) / 100,
          ...scoreDetector(phases, streams, params),
        });
      }
    }
  }
  const best = [...table].sort(
    (x, y) =>
      y.objective - x.objective ||
      x.medianDelayMs - y.medianDelayMs ||
      y.threshold - x.threshold ||
      x.smoothingFrames - y.smoothingFrames ||
      y.suppressionMs - x.suppressionMs,
  )[0]!;
  return { best, table };
}
