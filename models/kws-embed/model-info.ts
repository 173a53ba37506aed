/** The shipped speech-embedding keyword head: where its files live, their names, and its manifest's front-end fields. */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { speechEmbeddingFeatures } from '../../src/model/manifest.js';
import type { SpeechEmbeddingFeatureSpec } from '../../src/model/manifest.js';
import { sha256Hex } from '../../src/model/sha256.js';
import {
  EMBED_DIM,
  EMBED_HOP_MS,
  EMBED_WINDOW_MS,
  MEL_BINS,
  MEL_HOP,
  MEL_WINDOW,
  SAMPLE_RATE,
  STEP_FRAMES,
  WINDOW_FRAMES,
} from './embed.js';

/** `models/kws-embed/`. */
export const MODEL_DIR = fileURLToPath(new URL('./', import.meta.url));
/** Files `kws-embed-int8-weights-b{1,8,64}.tflite` + `.json`. */
export const MODEL_NAME = 'kws-embed';
export const SHIPPED_BATCHES = [1, 8, 64] as const;
/** The float32 parameters (GruModel order) the quantized files were made from. */
export const FLOAT_FILE = 'kws-embed-float-weights.bin';

/**
 * The feature spec: the speech-embedding front end, naming the embedding file the head was trained
 * on by its sha256 (the engine runs that file, and refuses another, before the GRU).
 */
export function featureSpec(): SpeechEmbeddingFeatureSpec {
  const file = 'embedding_model.tflite';
  const bytes = new Uint8Array(
    readFileSync(fileURLToPath(new URL(`../speech-embedding/${file}`, import.meta.url))),
  );
  return speechEmbeddingFeatures(file, sha256Hex(bytes));
}

export function frontEndInfo(id: string): Record<string, unknown> {
  return {
    kind: 'speech-embedding',
    computedWith: id,
    sampleRate: SAMPLE_RATE,
    melBins: MEL_BINS,
    melHopSamples: MEL_HOP,
    melWindowSamples: MEL_WINDOW,
    windowFrames: WINDOW_FRAMES,
    stepFrames: STEP_FRAMES,
    embeddingSize: EMBED_DIM,
    hopMs: EMBED_HOP_MS,
    windowMs: EMBED_WINDOW_MS,
    model: 'models/speech-embedding/',
  };
}
