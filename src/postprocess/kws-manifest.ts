/**
 * The keyword detector's settings as a trained model ships them: `postprocess.detector` in its manifest
 * ({ smoothingFrames, threshold, suppressionMs }, calibrated on validation audio), the labels in the
 * model's output order and the frame hop of its log-mel features.
 *
 * @example
 *   const detector = new KwsDetector(kwsDetectorOptionsFromManifest(engine.manifest));
 *   const hit = detector.push(prediction.output); // { label, timeMs, score } | undefined
 *   // hit.timeMs counts hops; the audio of that frame ends `detectionLagMs(manifest)` later.
 */
import { GruStreamError } from '../errors.js';
import type { ModelManifest } from '../model/manifest.js';
import type { KwsDetectorOptions } from './kws-detector.js';

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
  const hopMs = manifest.features?.kind === 'log-mel' ? manifest.features.hopMs : undefined;
  return {
    labels: manifest.labels!,
    smoothingFrames: num('smoothingFrames'),
    threshold: num('threshold'),
    suppressionMs: num('suppressionMs'),
    ...(hopMs !== undefined && { hopMs }),
  };
}

/**
 * How much later than a detection's `timeMs` the audio of the frame that fired ends: the detector
 * counts whole hops (frame t ends at (t + 1)·hop), a log-mel frame's window ends at t·hop + window.
 * 0 for models without log-mel features.
 */
export function detectionLagMs(manifest: Pick<ModelManifest, 'features'>): number {
  const f = manifest.features;
  return f?.kind === 'log-mel' ? f.windowMs - f.hopMs : 0;
}
