/**
 * The front end the keyword head's features come from.
 * - 'shipped' (the default, and what the shipped model was trained and calibrated with): the library's
 *   TypeScript mel (`speechMelFrames`, gru-stream/features) and the shipped embedding model
 *   models/speech-embedding/embedding_model.onnx run in onnxruntime-node for speed; it is the ONNX twin
 *   of the shipped embedding_model.tflite the runtime uses (test/runtime/embedding-runner.test.ts: equal
 *   within 3e-4, measured 7.1e-5).
 * - 'onnx': openWakeWord's ONNX mel and embedding files (models/speech-embedding/, the npm package's copies), the reference used
 *   before the library's front end landed. Its mel takes the 80 dB floor over 20 s chunks instead of
 *   80 ms blocks, so its features differ from the shipped front end's in quiet frames.
 */
import { fileURLToPath } from 'node:url';
import { speechMelFrames } from '../../src/features/index.js';
import type { EmbeddingFrontEnd } from './embed.js';
import { onnxFrontEnd } from './embed.js';

export const FRONT_END_CHOICES = ['shipped', 'onnx'] as const;
export type FrontEndChoice = (typeof FRONT_END_CHOICES)[number];

/** The shipped embedding model's ONNX twin. */
export const SHIPPED_EMBEDDING_ONNX = fileURLToPath(
  new URL('../speech-embedding/embedding_model.onnx', import.meta.url),
);

export async function frontEndFor(choice: FrontEndChoice): Promise<EmbeddingFrontEnd> {
  if (choice === 'onnx') return onnxFrontEnd();
  const onnx = await onnxFrontEnd(SHIPPED_EMBEDDING_ONNX);
  return {
    id: 'ts-mel+shipped-embedding',
    mel: (samples) => Promise.resolve(speechMelFrames(samples)),
    embedMel: (mel) => onnx.embedMel(mel),
  };
}
