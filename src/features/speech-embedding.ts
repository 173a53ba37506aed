/**
 * Whole-clip speech embeddings, the reference the streaming path (SpeechMelFrontEnd →
 * EmbeddingWindow → embedder) reproduces: mel frames of the whole clip, every 76-frame window from
 * frames 0, 8, 16, …, one embedding per window. Training code and the engine use this one
 * definition so both see the same windows.
 *
 * Embedding i covers samples 1280·i … 1280·i + 12511 (75 hops of 160 and one 512-sample frame).
 * Its first 4 frames share a top_db block with the 4 frames before the window, so audio up to 640
 * samples earlier can raise their floor (only where the block holds sound 80 dB above them).
 * A clip of n samples gives ⌊(⌊(n − 512)/160⌋ + 1 − 76)/8⌋ + 1 embeddings (0 below 12512).
 */
import { slidingWindows, SPEECH_EMBEDDING } from './embedding-window.js';
import { SpeechMelFrontEnd, speechMelFrames } from './speech-mel.js';

/** Anything that embeds windows synchronously, e.g. `EmbeddingRunner` (tfjs-tflite). */
export interface SpeechEmbedder {
  /**
   * @param windows `count × 76 × 32` floats, window-major, frame-major inside a window
   * @returns `count × 96` floats
   */
  embed(windows: Float32Array, count?: number): Float32Array;
}

/** Samples one embedding spans: 75 hops of 160 plus a 512-sample frame. */
export const EMBEDDING_SPAN_SAMPLES = 75 * 160 + 512;
/** Samples between consecutive embeddings (80 ms). */
export const EMBEDDING_HOP_SAMPLES = SPEECH_EMBEDDING.stepFrames * 160;

/** Embeddings a clip of `sampleCount` samples gives (0 when shorter than 12512 samples). */
export function embeddingsFor(sampleCount: number): number {
  const frames = SpeechMelFrontEnd.framesFor(sampleCount);
  const { windowFrames, stepFrames } = SPEECH_EMBEDDING;
  return frames < windowFrames ? 0 : Math.floor((frames - windowFrames) / stepFrames) + 1;
}

/**
 * Embeddings of a whole clip: `embeddingsFor(samples.length) × 96` floats, embedding i at `i·96`.
 * @param embedder the embedding model (e.g. `createEmbeddingRunner(...)`)
 * @param samples 16 kHz mono samples in [−1, 1]
 */
export function embedClip(embedder: SpeechEmbedder, samples: Float32Array): Float32Array {
  const windows = slidingWindows(speechMelFrames(samples));
  const count = windows.length / SPEECH_EMBEDDING.windowSize;
  return count === 0 ? new Float32Array(0) : embedder.embed(windows, count);
}
