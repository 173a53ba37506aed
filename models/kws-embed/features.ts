/**
 * Embeddings of a stream's audio, cached beside its WAV as `<name>.<front-end id>.emb` (raw float32,
 * K × 96), so training, calibration and evaluation compute each stream once per front end.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { EmbeddingFrontEnd } from './embed.js';
import { embedAudio } from './embed.js';

export function embeddingFile(wavPath: string, fe: EmbeddingFrontEnd): string {
  return wavPath.replace(/\.wav$/, `.${fe.id}.emb`);
}

/** The embeddings of `samples` (the audio of `wavPath`), from the cache or computed and cached. */
export async function cachedEmbeddings(
  wavPath: string,
  samples: Float32Array,
  fe: EmbeddingFrontEnd,
): Promise<Float32Array> {
  const file = embeddingFile(wavPath, fe);
  if (existsSync(file)) {
    const b = readFileSync(file);
    const x = new Float32Array(b.length / 4);
    new Uint8Array(x.buffer).set(b);
    return x;
  }
  const x = await embedAudio(fe, samples);
  writeFileSync(file, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  return x;
}
