/** The shipped speech-embedding keyword head: where its files live, their names, and its manifest's front-end fields. */
import { fileURLToPath } from 'node:url';
import type { FeatureSpec } from '../../src/model/manifest.js';
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
 * The feature spec: the manifest format has no kind for a speech embedding yet, so it is 'raw' with a
 * description; the machine-readable details are in `postprocess.frontEnd` ({@link frontEndInfo}).
 */
export function featureSpec(): FeatureSpec {
  return {
    kind: 'raw',
    description:
      `speech-embedding: 16 kHz audio → ${MEL_BINS}-bin mel (openWakeWord melspectrogram, x/10+2, ${MEL_WINDOW}-sample window, ${MEL_HOP}-sample hop) → ` +
      `${EMBED_DIM}-d embedding (models/speech-embedding, ${WINDOW_FRAMES} frames, every ${STEP_FRAMES} frames = ${EMBED_HOP_MS} ms), normalised with postprocess.featureNorm`,
  };
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
