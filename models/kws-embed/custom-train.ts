/**
 * `npm run kws:train -- --words "lights on,coffee" --out DIR`: a keyword head for your own words on
 * the frozen speech embedding. Synthesizes the words with espeak-ng training voices and the corpus's
 * augmentation (among other words and sentences), reuses the ten-keyword corpus's training streams as
 * negatives (their keywords become 'unknown'), validates and calibrates on festival kd + HTS slt
 * saying the words plus the validation set's keyword-free speech and noise, and writes a model family
 * + manifests into DIR: `<name>-int8-weights-b{1,8,64}.tflite` + `.json`, `<name>-float-weights.bin`,
 * `train-log.json`.
 *
 *   npm run kws:train -- --words "lights on,coffee" --out DIR [--name NAME] [--per-word 150]
 *     [--negatives 80] [--max-minutes 15] [--hidden 48] [--seed 1]
 *
 * Needs the ten-keyword corpus's training streams and validation set with their embeddings cached
 * (models/kws-embed/README.md, "Reproduce"); uses at most `--negatives` of those streams.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GruStreamError } from '../../src/errors.js';
import { ProgressLine } from '../kws/data/progress.js';
import { checkAccents, listVariants, splitVoices } from '../kws/data/voices.js';
import { loadTrainStreams, embedEvalSet } from './data-load.js';
import type { EmbeddedStream } from './data-load.js';
import { TRAIN_DIR, VAL_DIR, VALIDATION_VOICES, loadEvalSet, readEvalDir } from './eval-data.js';
import { frontEndFor } from './front-end.js';
import { embeddingFile } from './features.js';
import { customCacheDir, parseWords, reuseForWords, wordsSlug } from './custom-words.js';
import { DEFAULT_HEAD_OPTIONS, trainHead } from './head-trainer.js';
import { evalPlans, trainPlans } from './plan.js';
import { buildStreams } from './streams.js';
import type { StreamPlan } from './streams.js';

const { values } = parseArgs({
  options: {
    words: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    'per-word': { type: 'string', default: '150' },
    negatives: { type: 'string', default: '80' },
    'max-minutes': { type: 'string', default: '15' },
    hidden: { type: 'string', default: '48' },
    seed: { type: 'string', default: '1' },
  },
});
const started = performance.now();
const words = parseWords(values.words);
if (!values.out)
  throw new GruStreamError('E_ARGUMENT', '--out: expected the directory to write the model into');
const name = values.name ?? `kws-${wordsSlug(words)}`;
const perWord = Number(values['per-word']);
const seed = Number(values.seed);
const budget = Number(values['max-minutes']);
const cache = customCacheDir(words);

async function build(plans: StreamPlan[], dir: string, label: string): Promise<void> {
  if (existsSync(join(dir, `${plans[plans.length - 1]!.name}.json`))) return;
  const progress = new ProgressLine(
    label,
    plans.reduce((s, p) => s + p.utterances.length, 0),
  );
  await buildStreams(plans, dir, { onUtterance: () => progress.tick() });
  progress.finish();
}

checkAccents();
const voices = splitVoices(listVariants(), 7).voices.train;
// About 8 keywords per 30-s stream (45 % of ~20 utterances).
const streams = Math.ceil((perWord * words.length) / 8);
await build(
  trainPlans({ streams, streamMs: 30_000, seed: seed + 40, voices, noiseOnly: 0, keywords: words }),
  join(cache, 'train'),
  'synthesize words',
);
await build(
  evalPlans({
    voices: [...VALIDATION_VOICES],
    keywordRepeats: 8,
    nonKeywordMs: 0,
    noiseMs: 0,
    seed: seed + 7000,
    keywords: words,
  }),
  join(cache, 'val'),
  'synthesize validation words (kd, slt)',
);
const fe = await frontEndFor('shipped');
const positives = await loadTrainStreams(join(cache, 'train'), fe);
// Negatives: the ten-keyword corpus's training streams whose embeddings are cached (no new front-end work).
const cachedNegatives = readdirSync(TRAIN_DIR)
  .filter((f) => f.endsWith('.wav') && existsSync(embeddingFile(join(TRAIN_DIR, f), fe)))
  .sort()
  .slice(0, Number(values.negatives));
if (cachedNegatives.length === 0)
  throw new Error(
    `${TRAIN_DIR}: no training streams with cached embeddings (see models/kws-embed/README.md)`,
  );
const negatives = (await loadTrainStreams(TRAIN_DIR, fe)).filter((s) =>
  cachedNegatives.includes(`${s.name}.wav`),
);
const valWords = await embedEvalSet(
  join(cache, 'val'),
  readEvalDir(join(cache, 'val')),
  fe,
  'embed validation words',
);
const valOther = (await embedEvalSet(VAL_DIR, loadEvalSet('val'), fe, 'embed validation set')).filter(
  (s) => s.kind !== 'keyword',
);
const val: EmbeddedStream[] = [...valWords, ...reuseForWords(valOther, words)];
const used = (performance.now() - started) / 60_000;
await trainHead({
  name,
  labels: ['silence', 'unknown', ...words],
  train: [...positives, ...reuseForWords(negatives, words)],
  val,
  frontEndId: fe.id,
  options: {
    ...DEFAULT_HEAD_OPTIONS,
    hidden: Number(values.hidden),
    seed,
    maxMinutes: Math.max(1, budget - used - 1.5),
  },
  out: values.out,
  floatFile: `${name}-float-weights.bin`,
  log: { words, perWord, negativeStreams: negatives.length, frontEndChoice: 'shipped' },
});
process.stderr.write(
  `kws:train: ${words.join(', ')} → ${values.out} in ${((performance.now() - started) / 60_000).toFixed(1)} min\n`,
);
