/**
 * Scores a custom-word model (custom-train.ts) on the RESERVED test voices (every flite voice and
 * festival kal) after it is trained: a keyword stream of its words by those voices (built here), and
 * the reserved test set's keyword-free speech and noise (utterances containing a word are masked).
 * Like evaluate.ts it imports reserved/; no training, selection or calibration code does.
 *
 *   npx tsx models/kws-embed/custom-evaluate.ts --dir DIR     → DIR/report.json, a table on stdout
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNormalizer, featureNormFromManifest } from '../../src/features/normalize.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { ProgressLine } from '../kws/data/progress.js';
import { detectorParamsFromManifest } from '../kws/kws-lib.js';
import { runSequences } from '../model-files.js';
import { customCacheDir, reuseForWords } from './custom-words.js';
import { embedEvalSet } from './data-load.js';
import { VAL_DIR, loadEvalSet, readEvalDir } from './eval-data.js';
import { frontEndFor } from './front-end.js';
import { scoreWith } from './head-trainer.js';
import { evalPlans } from './plan.js';
import { TEST_DIR, readTestSet, testVoices } from './reserved/test-set.js';
import { buildStreams } from './streams.js';

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
if (!values.dir) throw new Error('--dir: expected the directory custom-train.ts wrote');
const dir = values.dir;
const log = JSON.parse(readFileSync(join(dir, 'train-log.json'), 'utf8')) as { words: string[] };
const words = log.words;
const b1 = readdirSync(dir).find((f) => f.endsWith('-int8-weights-b1.json'));
if (!b1) throw new Error(`${dir}: no *-int8-weights-b1.json`);
const m = JSON.parse(readFileSync(join(dir, b1), 'utf8')) as ModelManifest;
const labels = m.labels!;
const detector = detectorParamsFromManifest(m);
const testWords = join(customCacheDir(words), 'reserved-test');
if (!existsSync(join(testWords, 'keyword-stream.json'))) {
  const plans = evalPlans({
    voices: testVoices(),
    keywordRepeats: 8,
    nonKeywordMs: 0,
    noiseMs: 0,
    seed: 9700,
    keywords: words,
  });
  const progress = new ProgressLine('synthesize words (reserved test voices)', plans[0]!.utterances.length);
  await buildStreams(plans, testWords, { onUtterance: () => progress.tick() });
  progress.finish();
}
const fe = await frontEndFor('shipped');
const runner = await createTfliteRunner(
  await loadTfliteInNode(),
  new Uint8Array(readFileSync(join(dir, m.file))),
);
const norm = createNormalizer(featureNormFromManifest(m)!);
const score = async (name: string, wordsDir: string, setDir: string, set: ReturnType<typeof readTestSet>) => {
  const kw = await embedEvalSet(wordsDir, readEvalDir(wordsDir), fe, `embed ${name} words`);
  const other = (await embedEvalSet(setDir, set, fe, `embed ${name} set`)).filter(
    (s) => s.kind !== 'keyword',
  );
  const streams = [...kw, ...reuseForWords(other, words)];
  const xs = streams.map((s) => {
    const x = s.x.slice();
    norm(x);
    return x;
  });
  return scoreWith(streams, runSequences(runner, xs), detector, labels);
};
const result = {
  words,
  detector,
  validation: await score(
    'validation (kd, slt)',
    join(customCacheDir(words), 'val'),
    VAL_DIR,
    loadEvalSet('val'),
  ),
  test: await score('reserved test', testWords, TEST_DIR, readTestSet()),
};
runner.dispose();
writeFileSync(join(dir, 'report.json'), JSON.stringify(result, null, 1) + '\n');
for (const k of ['validation', 'test'] as const) {
  const r = result[k];
  process.stdout.write(
    `${k}: recall ${r.found}/${r.keywords} (${(100 * r.recall).toFixed(1)} %), mislabels ${r.mislabels}, FA in keyword stream ${r.keywordStreamFalseAccepts}, ` +
      `FA in speech ${r.speechFalseAccepts} in ${r.speechMinutes.toFixed(1)} min (${r.speechFaPerHour.toFixed(1)}/h), noise ${r.noiseFalseAccepts} in ${r.noiseMinutes.toFixed(0)} min, median delay ${r.medianDelayMs} ms\n`,
  );
  for (const v of r.perVoice) process.stdout.write(`  ${v.voice}: ${v.found}/${v.keywords}\n`);
}
