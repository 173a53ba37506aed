/**
 * gru-stream/postprocess: turning per-frame predictions into events, pure TypeScript with no platform
 * globals. The keyword detector smooths posteriors, thresholds and suppresses repeats; the anomaly
 * scorer turns a forecaster's prediction errors into alarm episodes. Both states can be saved beside a
 * stream's GRU snapshot.
 */
export { KwsDetector, KWS_DETECTOR_DEFAULTS } from './kws-detector.js';
export type { Detection, KwsDetectorOptions, KwsDetectorState } from './kws-detector.js';
export { kwsDetectorOptionsFromManifest, DETECTOR_KEY, FRONT_END_KEY } from './kws-manifest.js';
export {
  AnomalyScorer,
  ANOMALY_SCORER_DEFAULTS,
  ANOMALY_SCORER_KEY,
  anomalyScorerFromManifest,
} from './anomaly-scorer.js';
export type {
  AnomalyEpisode,
  AnomalyFrameScore,
  AnomalyScorerOptions,
  AnomalyScorerParams,
  AnomalyScorerState,
} from './anomaly-scorer.js';
