/**
 * Computes (and caches beside each WAV) the embeddings of every stream in a directory, optionally one
 * shard of them, so several processes can share the work before training.
 *
 *   npx tsx models/kws-embed/embed-dir.ts --dir models/kws-embed/.cache/train [--shard 0/2] [--front-end shipped]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProgressLine } from '../kws/data/progress.js';
import { readWav16k } from '../kws/kws-lib.js';
import { cachedEmbeddings, embeddingFile } from './features.js';
import { FRONT_END_CHOICES, frontEndFor, type FrontEndChoice } from './front-end.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    shard: { type: 'string', default: '0/1' },
    'front-end': { type: 'string', default: 'shipped' },
  },
});
if (!values.dir) throw new Error('--dir: expected a directory of stream WAVs');
const [i, n] = values.shard.split('/').map(Number) as [number, number];
if (!(Number.isInteger(i) && Number.isInteger(n) && i >= 0 && i < n))
  throw new Error(`--shard: expected i/n with 0 ≤ i < n, got ${values.shard}`);
const choice = values['front-end'] as FrontEndChoice;
if (!FRONT_END_CHOICES.includes(choice))
  throw new Error(`--front-end: expected one of ${FRONT_END_CHOICES.join(', ')}`);
const fe = await frontEndFor(choice);
const dir = values.dir;
const wavs = readdirSync(dir)
  .filter((f) => f.endsWith('.wav'))
  .sort()
  .filter((_, k) => k % n === i)
  .map((f) => join(dir, f))
  .filter((f) => !existsSync(embeddingFile(f, fe)));
const progress = new ProgressLine(`embed ${dir} ${values.shard}`, wavs.length);
for (const f of wavs) {
  await cachedEmbeddings(f, readWav16k(f), fe);
  progress.tick();
}
progress.finish();
