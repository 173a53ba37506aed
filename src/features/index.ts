/**
 * gru-stream/features: the front ends that turn raw input into model frames, pure TypeScript with no
 * Node or DOM globals (Node, Web Workers, the main thread and AudioWorklets alike): the streaming
 * log-mel front end, the speech-embedding mel front end (Google speech_embedding / openWakeWord),
 * per-feature normalisation from a manifest, WAV read/write, resampling (whole
 * signals and streaming), and the
 * character encoder of the text models.
 */
export { LogMelFrontEnd, logMelFrames, LOG_MEL_DEFAULTS } from './log-mel.js';
export type { LogMelFeatureSpec, LogMelOptions } from './log-mel.js';
export { SPEECH_MEL, SpeechMelFrontEnd, speechMelFrames } from './speech-mel.js';
export type { SpeechMelState } from './speech-mel.js';
export { EmbeddingWindow, SPEECH_EMBEDDING, slidingWindows } from './embedding-window.js';
export type { EmbeddingWindowState } from './embedding-window.js';
export {
  EMBEDDING_HOP_SAMPLES,
  EMBEDDING_SPAN_SAMPLES,
  embedClip,
  embeddingsFor,
} from './speech-embedding.js';
export type { SpeechEmbedder } from './speech-embedding.js';
export { slaneyHzToMel, slaneyMelToHz, slaneyMelFilterbank } from './slaney-mel.js';
export {
  FEATURE_NORM_KEY,
  FeatureStats,
  computeFeatureNorm,
  createNormalizer,
  featureNormFromManifest,
} from './normalize.js';
export type { FeatureNorm } from './normalize.js';
export { parseWav, writeWav, toMono } from './wav.js';
export type { ParseWavOptions, WavAudio, WavEncoding } from './wav.js';
export { resample } from './resample.js';
export type { ResampleOptions } from './resample.js';
export { StreamingResampler } from './streaming-resampler.js';
export type { StreamingResamplerOptions } from './streaming-resampler.js';
export { CharEncoder, DEFAULT_ALPHABET } from './text.js';
