/**
 * The keyword detector's settings as a trained model ships them: `postprocess.detector` in its manifest
 * ({ smoothingFrames, threshold, suppressionMs }, calibrated on validation audio), the labels in the
 * model's output order and the step hop and window of its front end (log-mel features, or the speech
 * embedding: one step per 80 ms, each having heard 782 ms).
 *
 * @example
 *   const detector = new KwsDetector(kwsDetectorOptionsFromManifest(engine.manifest));
 *   const hit = detector.push(prediction.output); // { label, timeMs, score } | undefined
 *   // hit.timeMs: when the audio of the frame that fired ends, in ms from the stream's start.
 */
import { GruStreamError } from '../errors.js';
import { SPEECH_MEL } from '../features/speech-mel.js';
import type { ModelManifest } from '../model/manifest.js';
import type { KwsDetectorOptions } from './kws-detector.js';

/** The speech mel's frame hop (10 ms) and the audio one frame needs (512 samples: 32 ms), in ms. */
const MEL_HOP_MS = (SPEECH_MEL.hopLength / SPEECH_MEL.sampleRate) * 1000;
const MEL_FRAME_MS = (SPEECH_MEL.frameLength / SPEECH_MEL.sampleRate) * 1000;

/** The key of the detector settings in a manifest's `postprocess`. */
export const DETECTOR_KEY = 'detector';
/** The key of a speech-embedding head's front-end description in a manifest's `postprocess`. */
export const FRONT_END_KEY = 'frontEnd';

/**
 * Detector options from a keyword model's manifest.
 * @throws GruStreamError E_MANIFEST when the manifest has no labels, or `postprocess.detector` is
 *   missing or malformed
 */
export function kwsDetectorOptionsFromManifest(
  manifest: Pick<ModelManifest, 'labels' | 'features' | 'postprocess'>,
): KwsDetectorOptions {
  const bad = (what: string): never => {
    throw new GruStreamError('E_MANIFEST', `keyword model manifest: ${what}`);
  };
  if (!manifest.labels?.length) bad('expected labels, got none');
  const raw = manifest.postprocess?.[DETECTOR_KEY];
  if (typeof raw !== 'object' || raw === null) {
    return bad(
      `expected postprocess.${DETECTOR_KEY} { smoothingFrames, threshold, suppressionMs }, got ${JSON.stringify(raw)}`,
    );
  }
  const d = raw as Record<string, unknown>;
  const num = (k: string): number => {
    const v = d[k];
    if (typeof v !== 'number' || !Number.isFinite(v))
      bad(`postprocess.${DETECTOR_KEY}.${k}: expected a number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  return {
    labels: manifest.labels!,
    smoothingFrames: num('smoothingFrames'),
    threshold: num('threshold'),
    suppressionMs: num('suppressionMs'),
    ...frameTiming(manifest, d, bad),
  };
}

/**
 * The GRU step's hop and the audio one step has heard, in ms, from what the manifest says of its
 * front end: the `features` spec (log-mel, or speech-embedding), else a `postprocess.frontEnd` block
 * of kind 'speech-embedding' (`{ hopMs, windowMs }`, as heads on the embedding describe it when their
 * `features` is 'raw'). `postprocess.detector.{hopMs, windowMs}`, when present, must agree with it
 * (or stand alone when nothing else says). Empty when nothing says: the detector's defaults apply.
 */
function frameTiming(
  manifest: Pick<ModelManifest, 'features' | 'postprocess'>,
  detector: Record<string, unknown>,
  bad: (what: string) => never,
): { hopMs?: number; windowMs?: number } {
  const f = manifest.features;
  const fe = manifest.postprocess?.[FRONT_END_KEY] as Record<string, unknown> | undefined;
  let timing: { hopMs: number; windowMs: number } | undefined;
  let source = '';
  if (f?.kind === 'log-mel') {
    timing = { hopMs: f.hopMs, windowMs: f.windowMs };
    source = 'features (log-mel)';
  } else if (f?.kind === 'speech-embedding') {
    // One GRU step per embedding window, 8 mel frames (80 ms) apart; a window of 76 frames, each
    // computed from 32 ms of audio every 10 ms, needs (76 − 1) × 10 + 32 = 782 ms of audio.
    timing = {
      hopMs: f.stepFrames * MEL_HOP_MS,
      windowMs: (f.windowFrames - 1) * MEL_HOP_MS + MEL_FRAME_MS,
    };
    source = 'features (speech-embedding)';
  } else if (typeof fe === 'object' && fe !== null && fe.kind === 'speech-embedding') {
    timing = { hopMs: positive(fe, 'hopMs', `postprocess.${FRONT_END_KEY}`, bad), windowMs: 0 };
    timing.windowMs = positive(fe, 'windowMs', `postprocess.${FRONT_END_KEY}`, bad);
    source = `postprocess.${FRONT_END_KEY}`;
  }
  const own = ['hopMs', 'windowMs'].filter((k) => detector[k] !== undefined);
  if (own.length === 0) return timing ?? {};
  const where = `postprocess.${DETECTOR_KEY}`;
  const mine = {
    hopMs: positive(detector, 'hopMs', where, bad),
    windowMs: positive(detector, 'windowMs', where, bad),
  };
  if (timing !== undefined && (mine.hopMs !== timing.hopMs || mine.windowMs !== timing.windowMs)) {
    bad(
      `${where} { hopMs: ${mine.hopMs}, windowMs: ${mine.windowMs} } disagrees with ${source} ` +
        `{ hopMs: ${timing.hopMs}, windowMs: ${timing.windowMs} }`,
    );
  }
  return mine;
}

function positive(
  block: Record<string, unknown>,
  key: string,
  where: string,
  bad: (what: string) => never,
): number {
  const v = block[key];
  if (typeof v !== 'number' || !(v > 0))
    bad(`${where}.${key}: expected a number > 0, got ${JSON.stringify(v)}`);
  return v as number;
}
