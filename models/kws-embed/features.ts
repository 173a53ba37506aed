/**
 * Embeddings of a stream's audio, cached beside its WAV as `<name>.<front-end id>.emb` (raw float32,
 * K × 96), so training, calibration and evaluation compute each stream once per front end.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { EmbeddingFrontEnd } from './embed.js';
import { EMBED_DIM, embedAudio, embeddingCount } from './embed.js';

export function embeddingFile(wavPath: string, fe: EmbeddingFrontEnd): string {
  return wavPath.replace(/\.wav$/, `.${fe.id}.emb`);
}

/**
 * The embeddings of `samples` (the audio of `wavPath`), from the cache or computed and cached. A cache
 * file of the wrong length (another audio, a crash) is recomputed; writes go through a rename so a
 * killed process leaves no partial file.
 */
export async function cachedEmbeddings(
  wavPath: string,
  samples: Float32Array,
  fe: EmbeddingFrontEnd,
): Promise<Float32Array> {
  const file = embeddingFile(wavPath, fe);
  const expected = embeddingCount(samples.length) * EMBED_DIM;
  if (existsSync(file)) {
    const b = readFileSync(file);
    if (b.length === expected * 4) {
      const x = new Float32Array(expected);
      new Uint8Array(x.buffer).set(b);
      return x;
    }
  }
  const x = await embedAudio(fe, samples);
  if (x.length !== expected)
    throw new Error(
      `${wavPath}: front end ${fe.id} gave ${x.length / EMBED_DIM} embeddings, expected ${expected / EMBED_DIM}`,
    );
  writeFileSync(`${file}.tmp`, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  renameSync(`${file}.tmp`, file);
  return x;
}
