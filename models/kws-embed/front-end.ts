/**
 * The front end the keyword head's features come from. 'onnx': openWakeWord's ONNX mel and embedding
 * files in onnxruntime-node (the reference, used for experiments before the library's front end
 * landed). 'shipped': the library's TypeScript mel and the shipped embedding model (see README).
 */
import type { EmbeddingFrontEnd } from './embed.js';
import { onnxFrontEnd } from './embed.js';

export const FRONT_END_CHOICES = ['onnx', 'shipped'] as const;
export type FrontEndChoice = (typeof FRONT_END_CHOICES)[number];

export async function frontEndFor(choice: FrontEndChoice): Promise<EmbeddingFrontEnd> {
  if (choice === 'onnx') return onnxFrontEnd();
  throw new Error(
    "--front-end shipped: the library's speech-embedding front end has not landed in this branch yet",
  );
}
