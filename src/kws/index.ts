/**
 * gru-stream/kws: the keyword-spotting pipeline around an engine (front end and normalisation from the
 * model's manifest, chunking, the manifest's detector). Safe for browser bundles; reading models and
 * WAV files from disk is in `gru-stream/node`.
 */
export { atModelRate, detectKeywords, keywordChunks, kwsFrontEnd } from './pipeline.js';
export type { DetectOptions, KwsDetectionLine, KwsFrontEnd } from './pipeline.js';
