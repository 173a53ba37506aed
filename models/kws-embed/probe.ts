/**
 * A linear probe of the embedding itself, without the GRU or the detector: each keyword or
 * non-keyword word of the training streams (espeak-ng) becomes the mean of the embeddings heard in
 * the 400 ms after it ends; a softmax regression (11 classes: ten keywords + unknown) is fitted on
 * them and applied to the same pooling of the validation keyword stream (festival kd, HTS slt). It
 * bounds what a head trained on espeak-ng alone can get from these features on other synthesizers.
 *
 *   npx tsx models/kws-embed/probe.ts [--seeds 5]     → prints accuracies, writes models/kws-embed/probe.json
 *   npx tsx models/kws-embed/probe.ts --train-dirs .cache/train,.cache/train-sam --out probe-sam.json
 *
 * `--train-dirs` (comma-separated, relative to models/kws-embed/) fits the probe on other training
 * streams, e.g. the espeak-ng streams plus the SAM streams (make-train.ts --synth sam).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../../src/model/random.js';
import { KEYWORDS } from '../kws/data/words.js';
import type { EmbeddedStream } from './data-load.js';
import { embedEvalSet, loadTrainStreams } from './data-load.js';
import { EMBED_DIM, embeddingEndMs } from './embed.js';
import { TRAIN_DIR, VAL_DIR, loadEvalSet } from './eval-data.js';
import { frontEndFor } from './front-end.js';
import { MODEL_DIR } from './model-info.js';

const D = EMBED_DIM;
const LABELS = [...KEYWORDS, 'unknown'];

interface Item {
  label: number;
  voice: string;
  x: Float32Array;
}

function pooled(s: EmbeddedStream): Item[] {
  const out: Item[] = [];
  for (const e of s.truth.events) {
    const label = LABELS.indexOf(e.label);
    if (label < 0) continue;
    const v = new Float32Array(D);
    let n = 0;
    for (let k = 0; k < s.K; k++) {
      const t = embeddingEndMs(k);
      if (t < e.endMs || t >= e.endMs + 400) continue;
      for (let d = 0; d < D; d++) v[d]! += s.x[k * D + d]!;
      n++;
    }
    if (n === 0) continue;
    for (let d = 0; d < D; d++) v[d]! /= n;
    out.push({ label, voice: e.voice, x: v });
  }
  return out;
}

const { values } = parseArgs({
  options: {
    'train-dirs': { type: 'string' },
    out: { type: 'string', default: 'probe.json' },
    seeds: { type: 'string', default: '5' },
  },
});
const trainDirs = values['train-dirs']?.split(',').map((d) => resolve(MODEL_DIR, d)) ?? [TRAIN_DIR];
const fe = await frontEndFor('shipped');
const train: Item[] = [];
for (const dir of trainDirs) for (const s of await loadTrainStreams(dir, fe)) train.push(...pooled(s));
const val = (await embedEvalSet(VAL_DIR, loadEvalSet('val'), fe, 'embed val'))
  .filter((s) => s.kind === 'keyword')
  .flatMap(pooled);
const mean = new Float64Array(D);
const sd = new Float64Array(D);
for (const e of train) for (let d = 0; d < D; d++) mean[d]! += e.x[d]! / train.length;
for (const e of train) for (let d = 0; d < D; d++) sd[d]! += (e.x[d]! - mean[d]!) ** 2 / train.length;
for (let d = 0; d < D; d++) sd[d] = Math.sqrt(sd[d]!) + 1e-6;
for (const e of [...train, ...val]) for (let d = 0; d < D; d++) e.x[d] = (e.x[d]! - mean[d]!) / sd[d]!;

const C = LABELS.length;
const isKeyword = (e: Item): boolean => e.label < KEYWORDS.length;
const voices = [...new Set(val.map((e) => e.voice))].sort();
const synth = (e: Item): string => e.voice.split(':')[0]!;

/**
 * Softmax regression, plain SGD (60 epochs, learning rate 0.01, L2 1e-4) over the items in a seeded
 * shuffled order: the order matters by several points on the 200 validation keywords, so the probe is
 * fitted once per seed and judged on the mean.
 */
function fit(seed: number) {
  const rand = mulberry32(seed);
  const order = [...train];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const W = new Float64Array(C * D);
  const b = new Float64Array(C);
  const logits = (x: Float32Array): Float64Array => {
    const z = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = b[c]!;
      for (let d = 0; d < D; d++) s += W[c * D + d]! * x[d]!;
      z[c] = s;
    }
    return z;
  };
  for (let epoch = 0; epoch < 60; epoch++) {
    for (const e of order) {
      const z = logits(e.x);
      const m = Math.max(...z);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += z[c] = Math.exp(z[c]! - m);
      for (let c = 0; c < C; c++) {
        const g = z[c]! / sum - (c === e.label ? 1 : 0);
        b[c]! -= 0.01 * g;
        for (let d = 0; d < D; d++) W[c * D + d]! -= 0.01 * (g * e.x[d]! + 1e-4 * W[c * D + d]!);
      }
    }
  }
  const accuracy = (items: Item[]): number => {
    let right = 0;
    for (const e of items) {
      const z = logits(e.x);
      if (z.indexOf(Math.max(...z)) === e.label) right++;
    }
    return right / Math.max(1, items.length);
  };
  return {
    seed,
    trainAccuracy: accuracy(train),
    trainAccuracyPerSynth: Object.fromEntries(
      [...new Set(train.map(synth))].map((k) => [k, accuracy(train.filter((e) => synth(e) === k))]),
    ),
    valAccuracy: accuracy(val),
    valKeywordAccuracy: accuracy(val.filter(isKeyword)),
    perVoiceKeywordAccuracy: Object.fromEntries(
      voices.map((v) => [v, accuracy(val.filter((e) => isKeyword(e) && e.voice === v))]),
    ),
  };
}

const runs = Array.from({ length: Number(values.seeds) }, (_, i) => {
  const r = fit(i + 1);
  process.stderr.write(`probe seed ${r.seed}: val keyword accuracy ${r.valKeywordAccuracy.toFixed(3)}\n`);
  return r;
});
const avg = (f: (r: (typeof runs)[number]) => number): number =>
  runs.reduce((s, r) => s + f(r), 0) / runs.length;
const result = {
  trainDirs: trainDirs.map((d) => d.slice(MODEL_DIR.length)),
  trainItems: train.length,
  valItems: val.length,
  seeds: runs.length,
  meanTrainAccuracy: avg((r) => r.trainAccuracy),
  meanValKeywordAccuracy: avg((r) => r.valKeywordAccuracy),
  minValKeywordAccuracy: Math.min(...runs.map((r) => r.valKeywordAccuracy)),
  maxValKeywordAccuracy: Math.max(...runs.map((r) => r.valKeywordAccuracy)),
  meanPerVoiceKeywordAccuracy: Object.fromEntries(
    voices.map((v) => [v, avg((r) => r.perVoiceKeywordAccuracy[v]!)]),
  ),
  runs,
};
writeFileSync(join(MODEL_DIR, values.out), JSON.stringify(result, null, 1) + '\n');
process.stdout.write(JSON.stringify({ ...result, runs: undefined }, null, 1) + '\n');
