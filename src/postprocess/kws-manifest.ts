/**
 * The keyword detector's settings as a trained model ships them: `postprocess.detector` in its manifest
 * ({ smoothingFrames, threshold, suppressionMs }, calibrated on validation audio), the labels in the
 * model's output order and the frame hop and window of its log-mel features.
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
  const f = manifest.features;
  return {
    labels: manifest.labels!,
    smoothingFrames: num('smoothingFrames'),
    threshold: num('threshold'),
    suppressionMs: num('suppressionMs'),
    ...(f?.kind === 'log-mel' && { hopMs: f.hopMs, windowMs: f.windowMs }),
    // One GRU step per embedding window, 8 mel frames (80 ms) apart; a window of 76 frames, each
    // computed from 32 ms of audio every 10 ms, needs (76 − 1) × 10 + 32 = 782 ms of audio.
    ...(f?.kind === 'speech-embedding' && {
      hopMs: f.stepFrames * MEL_HOP_MS,
      windowMs: (f.windowFrames - 1) * MEL_HOP_MS + MEL_FRAME_MS,
    }),
  };
}
