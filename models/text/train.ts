/**
 * Trains the streaming language identifier: one frame per typed character (one-hot over the
 * encoder's alphabet), a GRU, and a softmax over the 7 languages at every frame, so the answer is
 * there after each keystroke. Then exports the int8-weights `.tflite` files with their manifests.
 *
 *   npx tsx models/text/train.ts [--seed 1] [--epochs 8] [--hidden 128] [--per-language 12000]
 *     [--out DIR] (default: this folder)
 *
 * Loss: cross-entropy at every frame, weighted by position (the first characters say little, so they
 * weigh less; see {@link frameWeight}). Seeded and reproducible: the same seed and options give
 * bit-identical weights (one thread). Writes text-int8-weights-b{1,8,64}.tflite + .json,
 * text-float32.bin and train-log.json.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharEncoder } from '../../src/features/text.js';
import { exportGruModel } from '../../src/model/export.js';
import type { SequenceData } from '../train/batching.js';
import { warmupCosine } from '../train/adam.js';
import { GruModel } from '../train/gru-model.js';
import { train } from '../train/trainer.js';
import { FLOAT_WEIGHTS_KEY, saveFloatWeights, writeExport } from '../model-files.js';
import { LABELS, LANGUAGES, loadWordLists, makeSamples, MAX_CHARS, type TextSample } from './data.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
export const MODEL_NAME = 'text';
export const FLOAT_WEIGHTS_FILE = 'text-float32.bin';

/** Loss weight of the frame after `k + 1` characters: 0.25 at the first, rising to 1 from the 10th on. */
export function frameWeight(k: number): number {
  return 0.25 + 0.75 * Math.min(1, k / 9);
}

/** One-hot frames, the label at every frame, position weights. */
export function toSequences(samples: readonly TextSample[], encoder: CharEncoder): SequenceData {
  return {
    inputs: samples.map((s) => encoder.encode(s.text)),
    targets: samples.map((s) => new Float32Array([...s.text].length).fill(s.label)),
    weights: samples.map((s) => Float32Array.from([...s.text], (_, k) => frameWeight(k))),
  };
}

interface Args {
  seed: number;
  epochs: number;
  hidden: number;
  perLanguage: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: 1, epochs: 8, hidden: 128, perLanguage: 12_000, out: DIR };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--out') {
      a.out = v;
      continue;
    }
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${k}: expected a number, got '${v}'`);
    if (k === '--seed') a.seed = n;
    else if (k === '--epochs') a.epochs = n;
    else if (k === '--hidden') a.hidden = n;
    else if (k === '--per-language') a.perLanguage = n;
    else throw new Error(`unknown option ${k} (--seed N --epochs N --hidden N --per-language N --out DIR)`);
  }
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const encoder = new CharEncoder();
  const lists = loadWordLists(encoder);
  const trainSamples = makeSamples(lists, 'train', args.perLanguage, args.seed);
  const valSamples = makeSamples(lists, 'validation', Math.ceil(args.perLanguage / 10), args.seed + 1);
  const data = toSequences(trainSamples, encoder);
  const validation = toSequences(valSamples, encoder);
  console.error(
    `text: ${trainSamples.length} training samples, ${valSamples.length} validation samples ` +
      `(words: ${lists.stats.map((s, i) => `${s.label} ${lists.words[i]!.train.length}`).join(', ')}); ` +
      `data ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );

  const model = GruModel.create({
    inputSize: encoder.frameSize,
    hiddenSize: args.hidden,
    outputSize: LABELS.length,
    head: 'softmax',
    seed: args.seed,
  });
  const batchSize = 64;
  const steps = args.epochs * Math.ceil(trainSamples.length / batchSize);
  const tTrain = performance.now();
  const result = await train({
    model,
    data,
    validation,
    epochs: args.epochs,
    batchSize,
    seed: args.seed,
    threads: 1,
    patience: 3,
    progress: { label: 'text' },
    optimizer: {
      learningRate: 3e-3,
      clipNorm: 1,
      schedule: warmupCosine({ warmupSteps: 200, totalSteps: steps }),
    },
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;

  const floatRef = saveFloatWeights(model, args.out, FLOAT_WEIGHTS_FILE);
  const files = writeExport(
    args.out,
    exportGruModel(model.toGruWeights(), {
      name: MODEL_NAME,
      scheme: 'int8-weights',
      batches: [1, 8, 64],
      labels: [...LABELS],
      features: { kind: 'text', alphabet: encoder.alphabet },
      postprocess: {
        maxTrainedChars: MAX_CHARS,
        languages: Object.fromEntries(LANGUAGES.map((l) => [l.label, l.pkg])),
        [FLOAT_WEIGHTS_KEY]: floatRef,
      },
    }),
  );
  const totalSeconds = (performance.now() - t0) / 1000;
  const log = {
    args: { ...args, out: relative(process.cwd(), args.out) || '.' },
    words: lists.stats.map((s, i) => ({
      ...s,
      train: lists.words[i]!.train.length,
      validation: lists.words[i]!.validation.length,
      test: lists.words[i]!.test.length,
    })),
    trainingSamples: trainSamples.length,
    validationSamples: valSamples.length,
    batchSize,
    bestEpoch: result.bestEpoch,
    bestValidationAccuracy: result.bestMetric,
    stoppedEarly: result.stoppedEarly,
    history: result.history.map((h) => ({
      epoch: h.epoch,
      trainLoss: Number(h.trainLoss.toFixed(4)),
      trainAccuracy: Number(h.trainAccuracy?.toFixed(4)),
      valLoss: Number(h.validation?.loss.toFixed(4)),
      valAccuracy: Number(h.validation?.accuracy?.toFixed(4)),
      seconds: Number(h.seconds.toFixed(1)),
    })),
    trainSeconds: Number(trainSeconds.toFixed(1)),
    totalSeconds: Number(totalSeconds.toFixed(1)),
    files: [...files, FLOAT_WEIGHTS_FILE],
  };
  writeFileSync(join(args.out, 'train-log.json'), `${JSON.stringify(log, null, 2)}\n`);
  console.error(
    `text: best epoch ${result.bestEpoch} (weighted val accuracy ${result.bestMetric?.toFixed(4)}); ` +
      `training ${trainSeconds.toFixed(0)} s, total ${totalSeconds.toFixed(0)} s; wrote ${log.files.join(', ')}`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
