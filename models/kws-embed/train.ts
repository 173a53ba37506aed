/**
 * Trains the shipped GRU keyword head on speech embeddings (one step per 80 ms embedding), selects the
 * epoch and calibrates the detector on the validation set (festival kd + HTS slt; never the reserved
 * test voices), and writes into models/kws-embed/:
 *   kws-embed-int8-weights-b{1,8,64}.tflite + .json manifests, kws-embed-float-weights.bin,
 *   train-log.json.
 *
 *   npx tsx models/kws-embed/train.ts [--hidden 64] [--epochs 40] [--patience 10] [--seq 128] [--batch 32]
 *     [--lr 0.003] [--threads 2] [--max-minutes 20] [--seed 1] [--feature-noise 0.1] [--front-end shipped|onnx]
 *     [--train-dir models/kws-embed/.cache/train] [--extra-train-dirs DIR,DIR] [--out models/kws-embed]
 *
 * `--extra-train-dirs`: more training streams beside `--train-dir`, e.g. the SAM streams
 * (`make-train.ts --synth sam` → models/kws-embed/.cache/train-sam).
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { embedEvalSet, loadTrainStreams } from './data-load.js';
import { TRAIN_DIR, VAL_DIR, loadEvalSet } from './eval-data.js';
import { FRONT_END_CHOICES, frontEndFor, type FrontEndChoice } from './front-end.js';
import type { HeadOptions } from './head-trainer.js';
import { DEFAULT_HEAD_OPTIONS, trainHead } from './head-trainer.js';
import { LABELS } from './lib.js';
import { FLOAT_FILE, MODEL_DIR, MODEL_NAME } from './model-info.js';

const d = DEFAULT_HEAD_OPTIONS;
const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: String(d.hidden) },
    epochs: { type: 'string', default: String(d.epochs) },
    patience: { type: 'string', default: String(d.patience) },
    seq: { type: 'string', default: String(d.seq) },
    batch: { type: 'string', default: String(d.batch) },
    lr: { type: 'string', default: String(d.lr) },
    threads: { type: 'string', default: String(d.threads) },
    'max-minutes': { type: 'string', default: String(d.maxMinutes) },
    seed: { type: 'string', default: String(d.seed) },
    'feature-noise': { type: 'string', default: String(d.featureNoise) },
    'front-end': { type: 'string', default: 'shipped' },
    'train-dir': { type: 'string', default: TRAIN_DIR },
    'extra-train-dirs': { type: 'string', default: '' },
    out: { type: 'string', default: MODEL_DIR },
  },
});
const num = (k: keyof typeof values, min: number): number => {
  const n = Number(values[k]);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${k}: expected a number ≥ ${min}, got ${values[k]}`);
  return n;
};
const choice = values['front-end'] as FrontEndChoice;
if (!FRONT_END_CHOICES.includes(choice))
  throw new Error(`--front-end: expected one of ${FRONT_END_CHOICES.join(', ')}, got ${choice}`);
const options: HeadOptions = {
  hidden: num('hidden', 4),
  epochs: num('epochs', 1),
  patience: num('patience', 1),
  seq: num('seq', 8),
  batch: num('batch', 1),
  lr: num('lr', 1e-6),
  threads: num('threads', 1),
  maxMinutes: num('max-minutes', 0.1),
  seed: num('seed', 0),
  featureNoise: num('feature-noise', 0),
};
const fe = await frontEndFor(choice);
const trainDirs = [String(values['train-dir']), ...values['extra-train-dirs'].split(',').filter((d) => d)];
const train = [];
for (const dir of trainDirs) train.push(...(await loadTrainStreams(dir, fe)));
const val = await embedEvalSet(VAL_DIR, loadEvalSet('val'), fe, 'embed val');
await trainHead({
  name: MODEL_NAME,
  labels: LABELS,
  train,
  val,
  frontEndId: fe.id,
  options,
  out: String(values.out),
  floatFile: FLOAT_FILE,
  log: { frontEndChoice: choice, trainDirs: trainDirs.map((d) => relative(MODEL_DIR, resolve(d))) },
});
