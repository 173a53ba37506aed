/**
 * The text model's report numbers on held-out test words (never seen in training): accuracy against
 * the number of characters typed (1..30), at the end of a sample, per language and by word count,
 * and the confusion at the end, for the float reference weights and for the shipped int8-weights
 * `.tflite` run by tfjs-tflite; plus how often the two agree.
 *
 *   npx tsx models/text/evaluate.ts [--dir models/text] [--per-language 2000]
 *
 * Prints Markdown tables and writes `<dir>/eval.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharEncoder } from '../../src/features/text.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadFloatWeights, runSequences } from '../model-files.js';
import { GruModel } from '../train/gru-model.js';
import { predict } from '../train/predict.js';
import { LABELS, loadWordLists, makeSamples, type TextSample } from './data.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const TEST_SEED = 424_242;
const MAX_N = 30;
const K = LABELS.length;

function parseArgs(argv: string[]): { dir: string; perLanguage: number } {
  const a = { dir: DIR, perLanguage: 2000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--dir' && v) a.dir = v;
    else if (k === '--per-language' && v) a.perLanguage = Number(v);
    else throw new Error(`unknown option ${k} (--dir DIR --per-language N)`);
  }
  return a;
}

function argmax(p: Float32Array, at: number): number {
  let best = 0;
  for (let c = 1; c < K; c++) if (p[at + c]! > p[at + best]!) best = c;
  return best;
}

interface Accuracy {
  /** Index n − 1: accuracy after n characters, over samples at least n long. */
  byChars: { n: number; samples: number; accuracy: number }[];
  atEnd: number;
  /** Per language (in LABELS order): accuracy at the end. */
  perLanguage: number[];
  /** By words in the sample (1..4): accuracy at the end. */
  byWords: number[];
  /** confusion[true][predicted] at the end. */
  confusion: number[][];
}

function accuracy(samples: readonly TextSample[], probs: readonly Float32Array[]): Accuracy {
  const hit = new Float64Array(MAX_N);
  const count = new Float64Array(MAX_N);
  const confusion = LABELS.map(() => new Array<number>(K).fill(0));
  const words = [0, 0, 0, 0];
  const wordsHit = [0, 0, 0, 0];
  samples.forEach((s, i) => {
    const p = probs[i]!;
    const T = p.length / K;
    for (let t = 0; t < Math.min(T, MAX_N); t++) {
      count[t]!++;
      if (argmax(p, t * K) === s.label) hit[t]!++;
    }
    const last = argmax(p, (T - 1) * K);
    confusion[s.label]![last]!++;
    const w = Math.min(4, s.text.split(' ').length) - 1;
    words[w]!++;
    if (last === s.label) wordsHit[w]!++;
  });
  const rowTotal = (r: number[]): number => r.reduce((a, b) => a + b, 0);
  return {
    byChars: Array.from(hit, (h, t) => ({ n: t + 1, samples: count[t]!, accuracy: h / count[t]! })),
    atEnd: confusion.reduce((a, r, i) => a + r[i]!, 0) / samples.length,
    perLanguage: confusion.map((r, i) => r[i]! / rowTotal(r)),
    byWords: words.map((n, i) => wordsHit[i]! / n),
    confusion,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { manifest, bytes } = readModelFile(join(args.dir, 'text-int8-weights-b64.tflite'));
  if (manifest.features?.kind !== 'text') throw new Error('not a text model');
  const encoder = new CharEncoder(manifest.features.alphabet);
  const samples = makeSamples(loadWordLists(encoder), 'test', args.perLanguage, TEST_SEED);
  const inputs = samples.map((s) => encoder.encode(s.text));

  const floatModel = GruModel.fromGruWeights(loadFloatWeights(args.dir, manifest));
  const floatProbs = predict(floatModel, inputs);
  const runner = await createTfliteRunner(await loadTfliteInNode(), bytes);
  const t0 = performance.now();
  const quantProbs = runSequences(runner, inputs);
  const tfliteSeconds = (performance.now() - t0) / 1000;
  runner.dispose();

  let frames = 0;
  let agree = 0;
  let maxDiff = 0;
  floatProbs.forEach((f, i) => {
    const q = quantProbs[i]!;
    for (let at = 0; at < f.length; at += K) {
      frames++;
      if (argmax(f, at) === argmax(q, at)) agree++;
    }
    for (let k = 0; k < f.length; k++) maxDiff = Math.max(maxDiff, Math.abs(f[k]! - q[k]!));
  });
  const results = { float: accuracy(samples, floatProbs), 'int8-weights': accuracy(samples, quantProbs) };
  const q = results['int8-weights'];
  const f = results.float;
  const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
  const out: string[] = [
    `Test: ${samples.length} samples (${args.perLanguage} per language) of 1–4 held-out words, ` +
      `${(inputs.reduce((a, x) => a + x.length, 0) / encoder.frameSize / samples.length).toFixed(1)} characters on average.`,
    '',
    '| characters typed | samples | accuracy (float) | accuracy (int8-weights) |',
    '| --- | --- | --- | --- |',
  ];
  for (const n of [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30]) {
    const a = q.byChars[n - 1]!;
    out.push(`| ${n} | ${a.samples} | ${pct(f.byChars[n - 1]!.accuracy)} | ${pct(a.accuracy)} |`);
  }
  out.push(`| end of sample | ${samples.length} | ${pct(f.atEnd)} | ${pct(q.atEnd)} |`);
  out.push(
    '',
    `| at the end of a sample of | ${[1, 2, 3, 4].map((w) => `${w} word${w > 1 ? 's' : ''}`).join(' | ')} |`,
  );
  out.push(`| --- | --- | --- | --- | --- |`);
  out.push(`| int8-weights | ${q.byWords.map(pct).join(' | ')} |`);
  out.push('', `| true \\ predicted (int8-weights, end of sample) | ${LABELS.join(' | ')} | accuracy |`);
  out.push(`| --- | ${LABELS.map(() => '---').join(' | ')} | --- |`);
  q.confusion.forEach((row, i) =>
    out.push(`| ${LABELS[i]} | ${row.join(' | ')} | ${pct(q.perLanguage[i]!)} |`),
  );
  out.push(
    '',
    `int8-weights (tfjs-tflite) vs float: top label agrees on ${pct(agree / frames)} of ${frames} frames, ` +
      `max |Δp| ${maxDiff.toFixed(3)}; tfjs-tflite B=64 ran them in ${tfliteSeconds.toFixed(1)} s.`,
  );
  console.log(out.join('\n'));
  writeFileSync(
    join(args.dir, 'eval.json'),
    `${JSON.stringify({ samples: samples.length, seed: TEST_SEED, results, agreement: { frames, agree: agree / frames, maxDiff } }, null, 2)}\n`,
  );
}

await main();
