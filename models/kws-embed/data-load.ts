/**
 * Loads streams as embedding sequences: the training streams (with per-step targets) and the
 * validation set. Both go through one {@link EmbeddingFrontEnd} and its cache.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamTruth } from '../kws/data/stream.js';
import { readStream } from '../kws/kws-lib.js';
import { ProgressLine } from '../kws/data/progress.js';
import type { EvalStream, StreamKind } from './eval-data.js';
import { streamKind } from './eval-data.js';
import type { EmbeddingFrontEnd } from './embed.js';
import { EMBED_DIM } from './embed.js';
import { cachedEmbeddings } from './features.js';

export interface EmbeddedStream {
  name: string;
  kind: StreamKind;
  truth: StreamTruth;
  /** K × 96 raw embeddings (not normalised). */
  x: Float32Array;
  K: number;
}

/** Embeds streams (cached per front end), with a progress line. */
export async function embedStreams(
  dir: string,
  streams: { name: string; samples: Float32Array; truth: StreamTruth }[],
  fe: EmbeddingFrontEnd,
  label: string,
): Promise<EmbeddedStream[]> {
  const progress = new ProgressLine(label, streams.length);
  const out: EmbeddedStream[] = [];
  for (const s of streams) {
    const x = await cachedEmbeddings(join(dir, `${s.name}.wav`), s.samples, fe);
    out.push({ name: s.name, kind: streamKind(s.name), truth: s.truth, x, K: x.length / EMBED_DIM });
    progress.tick();
  }
  progress.finish();
  return out;
}

/** The training streams of `dir` (make-train.ts), embedded. */
export async function loadTrainStreams(dir: string, fe: EmbeddingFrontEnd): Promise<EmbeddedStream[]> {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  if (names.length === 0)
    throw new Error(`${dir}: no training streams (run npx tsx models/kws-embed/make-train.ts)`);
  // Read one at a time inside the map so that only the embeddings stay in memory.
  const out: EmbeddedStream[] = [];
  const progress = new ProgressLine('embed train', names.length);
  for (const f of names) {
    const s = readStream(join(dir, f));
    const x = await cachedEmbeddings(join(dir, f), s.samples, fe);
    out.push({
      name: f.replace(/\.wav$/, ''),
      kind: 'non-keyword',
      truth: s.truth,
      x,
      K: x.length / EMBED_DIM,
    });
    progress.tick();
  }
  progress.finish();
  return out;
}

/** An evaluation set's streams embedded. */
export function embedEvalSet(
  dir: string,
  set: EvalStream[],
  fe: EmbeddingFrontEnd,
  label: string,
): Promise<EmbeddedStream[]> {
  return embedStreams(dir, set, fe, label);
}
