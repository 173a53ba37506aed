/**
 * Trains the GRU keyword head on speech embeddings (one step per 80 ms embedding), selects the epoch
 * and calibrates the detector on the validation set (festival kd + HTS slt; never the reserved test
 * voices), and writes the shipped files into models/kws-embed/:
 *   kws-embed-int8-weights-b{1,8,64}.tflite + .json manifests, kws-embed-float-weights.bin,
 *   train-log.json.
 *
 *   npx tsx models/kws-embed/train.ts [--hidden 64] [--epochs 40] [--patience 10] [--seq 128] [--batch 32]
 *     [--lr 0.003] [--threads 2] [--max-minutes 20] [--seed 1] [--feature-noise 0.1] [--front-end onnx|shipped]
 *     [--train-dir models/kws-embed/.cache/train] [--out models/kws-embed]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FEATURE_NORM_KEY, FeatureStats, createNormalizer } from '../../src/features/normalize.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { exportGruModel } from '../../src/model/export.js';
import { gaussian, mulberry32 } from '../../src/model/random.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { FLOAT_WEIGHTS_KEY, runSequences, saveFloatWeights, writeExport } from '../model-files.js';
import { Adam, warmupCosine } from '../train/adam.js';
import { BatchPacker, type SequenceData } from '../train/batching.js';
import { GruBptt } from '../train/gru-bptt.js';
import { GruModel } from '../train/gru-model.js';
import { ParallelGradient } from '../train/parallel.js';
import { predict } from '../train/predict.js';
import { formatDuration, ProgressBar } from '../train/progress.js';
import type { EmbeddedStream } from './data-load.js';
import { embedEvalSet, loadTrainStreams } from './data-load.js';
import { TRAIN_DIR, VAL_DIR, loadEvalSet } from './eval-data.js';
import { EMBED_DIM } from './embed.js';
import { frontEndFor, FRONT_END_CHOICES, type FrontEndChoice } from './front-end.js';
import type { EmbedDetectorParams } from './lib.js';
import { LABELS, detectSteps, detectorGrid, objective, scoreSet, stepTargets } from './lib.js';
import {
  MODEL_DIR,
  MODEL_NAME,
  SHIPPED_BATCHES,
  FLOAT_FILE,
  featureSpec,
  frontEndInfo,
} from './model-info.js';

function options() {
  const { values } = parseArgs({
    options: {
      hidden: { type: 'string', default: '64' },
      epochs: { type: 'string', default: '40' },
      patience: { type: 'string', default: '10' },
      seq: { type: 'string', default: '128' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '0.003' },
      threads: { type: 'string', default: '2' },
      'max-minutes': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      'feature-noise': { type: 'string', default: '0.1' },
      'front-end': { type: 'string', default: 'shipped' },
      out: { type: 'string', default: MODEL_DIR },
      'train-dir': { type: 'string', default: TRAIN_DIR },
    },
  });
  const num = (k: keyof typeof values, min: number): number => {
    const n = Number(values[k]);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${k}: expected a number ≥ ${min}, got ${values[k]}`);
    return n;
  };
  const fe = values['front-end'] as FrontEndChoice;
  if (!FRONT_END_CHOICES.includes(fe))
    throw new Error(`--front-end: expected one of ${FRONT_END_CHOICES.join(', ')}, got ${fe}`);
  return {
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
    frontEnd: fe,
    out: String(values.out),
    trainDir: String(values['train-dir']),
  };
}
type Options = ReturnType<typeof options>;

/** Normalised copies of the streams' embeddings. */
function normalised(streams: EmbeddedStream[], norm: FeatureNorm): Float32Array[] {
  const f = createNormalizer(norm);
  return streams.map((s) => {
    const x = s.x.slice();
    f(x);
    return x;
  });
}

/** One epoch's sequences: every stream cut into `seq`-step pieces from a random offset, with input noise. */
function buildEpoch(
  xs: Float32Array[],
  targets: Float32Array[],
  weights: Float32Array[],
  o: Options,
  epoch: number,
): SequenceData {
  const rand = mulberry32(o.seed * 7919 + epoch);
  const g = gaussian(mulberry32(o.seed * 104_729 + epoch));
  const data: SequenceData = { inputs: [], targets: [], weights: [] };
  const D = EMBED_DIM;
  for (let s = 0; s < xs.length; s++) {
    const K = targets[s]!.length;
    for (let k0 = -Math.floor(rand() * o.seq); k0 < K; k0 += o.seq) {
      const a = Math.max(0, k0);
      const b = Math.min(K, k0 + o.seq);
      if (b - a < 8) continue;
      const x = xs[s]!.slice(a * D, b * D);
      if (o.featureNoise > 0) for (let i = 0; i < x.length; i++) x[i]! += o.featureNoise * g();
      data.inputs.push(x);
      data.targets.push(targets[s]!.slice(a, b));
      data.weights!.push(weights[s]!.slice(a, b));
    }
  }
  return data;
}

/** Scores posteriors of the validation streams under the detector `p`. */
function scoreWith(
  val: EmbeddedStream[],
  post: Float32Array[],
  p: EmbedDetectorParams | Omit<EmbedDetectorParams, 'hopMs' | 'windowMs'>,
) {
  return scoreSet(
    val.map((s, i) => ({ name: s.name, kind: s.kind, truth: s.truth, detections: detectSteps(post[i]!, p) })),
  );
}

/** The best objective over a small detector grid (per-epoch selection metric). */
function quickObjective(val: EmbeddedStream[], post: Float32Array[]) {
  let best = { objective: -Infinity, recall: 0, speechFa: 0, noiseFa: 0, threshold: 0 };
  for (const threshold of [0.5, 0.6, 0.7, 0.8, 0.9]) {
    const s = scoreWith(val, post, { smoothingFrames: 2, threshold, suppressionMs: 1000 });
    const obj = objective(s);
    if (obj > best.objective)
      best = {
        objective: obj,
        recall: s.recall,
        speechFa: s.speechFaPerHour,
        noiseFa: s.noiseFaPerHour,
        threshold,
      };
  }
  return best;
}

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  const minutes = (): number => (performance.now() - started) / 60_000;
  const fe = await frontEndFor(o.frontEnd);
  const train = await loadTrainStreams(o.trainDir, fe);
  const val = await embedEvalSet(VAL_DIR, loadEvalSet('val'), fe, 'embed val');
  const stats = new FeatureStats(EMBED_DIM);
  for (const s of train) stats.add(s.x);
  const norm = stats.finish();
  const trainX = normalised(train, norm);
  const valX = normalised(val, norm);
  const tw = train.map((s) => stepTargets(s.truth, s.K));
  const targets = tw.map((t) => t.targets);
  const weights = tw.map((t) => t.weights);
  const steps = train.reduce((n, s) => n + s.K, 0);
  process.stderr.write(
    `kws-embed: ${train.length} training streams (${((steps * 0.08) / 60).toFixed(0)} min, ${steps} steps), validation ${val.length} streams; ` +
      `front end ${fe.id}; H=${o.hidden}, seq ${o.seq}, batch ${o.batch}, ${o.threads} thread(s)\n`,
  );

  const model = GruModel.create({
    inputSize: EMBED_DIM,
    hiddenSize: o.hidden,
    outputSize: LABELS.length,
    seed: o.seed,
  });
  const parallel =
    o.threads > 1
      ? await ParallelGradient.create(model, { maxBatch: o.batch, maxSteps: o.seq, threads: o.threads })
      : undefined;
  const engine = parallel ?? new GruBptt(model, { maxBatch: o.batch, maxSteps: o.seq });
  const packer = new BatchPacker(model, 'crossEntropy', o.batch, o.seq);
  const first = buildEpoch(trainX, targets, weights, o, 1);
  const batches = Math.ceil(first.inputs.length / o.batch);
  const adam = new Adam(model.params.length, {
    learningRate: o.lr,
    clipNorm: 1,
    schedule: warmupCosine({ warmupSteps: batches, totalSteps: o.epochs * batches }),
  });
  const grad = new Float32Array(engine.gradientSize);
  const bar = new ProgressBar({ label: 'kws-embed', tty: process.stderr.isTTY === true });
  const history: Record<string, number>[] = [];
  const bestParams = model.params.slice();
  let best = -Infinity;
  let bestEpoch = 0;
  let stopReason = 'epochs';
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      const data = epoch === 1 ? first : buildEpoch(trainX, targets, weights, o, epoch);
      const n = data.inputs.length;
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const rand = mulberry32(o.seed * 31 + epoch);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const nb = Math.ceil(n / o.batch);
      bar.startEpoch(epoch, o.epochs, nb);
      let lossSum = 0;
      let accSum = 0;
      let wSum = 0;
      for (let b = 0; b < nb; b++) {
        const mb = packer.pack(data, order, b * o.batch, Math.min(n, (b + 1) * o.batch));
        const s = engine.lossAndGradient(mb, grad);
        if (!Number.isFinite(s.loss)) throw new Error(`loss is ${s.loss} at epoch ${epoch}, batch ${b + 1}`);
        adam.step(model.params, grad);
        lossSum += s.loss * s.weightSum;
        accSum += (s.accuracy ?? 0) * s.weightSum;
        wSum += s.weightSum;
        bar.update({
          batch: b + 1,
          sequences: Math.min(n, (b + 1) * o.batch),
          loss: lossSum / wSum,
          accuracy: accSum / wSum,
        });
      }
      const q = quickObjective(val, predict(model, valX));
      const improved = q.objective > best;
      if (improved) {
        best = q.objective;
        bestEpoch = epoch;
        bestParams.set(model.params);
      }
      const seconds = (performance.now() - t0) / 1000;
      history.push({
        epoch,
        loss: lossSum / wSum,
        frameAcc: accSum / wSum,
        valObjective: q.objective,
        valRecall: q.recall,
        valSpeechFaPerHour: q.speechFa,
        valNoiseFaPerHour: q.noiseFa,
        valThreshold: q.threshold,
        seconds,
      });
      bar.endEpoch(
        `loss ${(lossSum / wSum).toFixed(4)} acc ${(accSum / wSum).toFixed(3)} | val recall ${q.recall.toFixed(3)} ` +
          `FA/h speech ${q.speechFa.toFixed(1)} noise ${q.noiseFa.toFixed(1)} (thr ${q.threshold}) objective ${q.objective.toFixed(3)} ${seconds.toFixed(1)} s${improved ? ' (best)' : ''}`,
      );
      if (epoch - bestEpoch >= o.patience) {
        stopReason = `no improvement for ${o.patience} epochs`;
        break;
      }
      if (minutes() > o.maxMinutes) {
        stopReason = `time limit ${o.maxMinutes} min`;
        break;
      }
    }
  } finally {
    await parallel?.dispose();
  }
  model.params.set(bestParams);
  process.stderr.write(
    `kws-embed: best epoch ${bestEpoch} (objective ${best.toFixed(4)}), stopped: ${stopReason}, ${formatDuration(minutes() * 60)}\n`,
  );

  // Calibrate the detector on the quantized model's validation posteriors, then export for good.
  const weightsOut = model.toGruWeights();
  const base = {
    name: MODEL_NAME,
    scheme: 'int8-weights' as const,
    labels: [...LABELS],
    features: featureSpec(),
  };
  const draft = exportGruModel(weightsOut, { ...base, batches: [1] });
  const tflite = await loadTfliteInNode();
  const runner = await createTfliteRunner(tflite, draft[0]!.bytes);
  const qPost = runSequences(runner, valX);
  runner.dispose();
  const table = detectorGrid().map((p) => {
    const s = scoreWith(val, qPost, p);
    return {
      ...p,
      objective: objective(s),
      recall: s.recall,
      speechFaPerHour: s.speechFaPerHour,
      noiseFaPerHour: s.noiseFaPerHour,
      mislabels: s.mislabels,
      keywordStreamFalseAccepts: s.keywordStreamFalseAccepts,
      medianDelayMs: s.medianDelayMs,
    };
  });
  const cal = [...table].sort(
    (a, b) => b.objective - a.objective || a.medianDelayMs - b.medianDelayMs || b.threshold - a.threshold,
  )[0]!;
  const detector: EmbedDetectorParams = {
    smoothingFrames: cal.smoothingFrames,
    threshold: cal.threshold,
    suppressionMs: cal.suppressionMs,
    hopMs: 80,
    windowMs: 782,
  };
  process.stderr.write(
    `kws-embed: detector ${JSON.stringify(detector)} on validation (quantized): recall ${(100 * cal.recall).toFixed(1)} %, ` +
      `FA/h speech ${cal.speechFaPerHour.toFixed(2)}, noise ${cal.noiseFaPerHour.toFixed(2)}, median delay ${cal.medianDelayMs} ms\n`,
  );
  mkdirSync(o.out, { recursive: true });
  const floatRef = saveFloatWeights(model, o.out, FLOAT_FILE);
  const files = exportGruModel(weightsOut, {
    ...base,
    batches: [...SHIPPED_BATCHES],
    postprocess: {
      [FEATURE_NORM_KEY]: norm,
      detector,
      frontEnd: frontEndInfo(fe.id),
      [FLOAT_WEIGHTS_KEY]: floatRef,
    },
  });
  writeExport(o.out, files);
  writeFileSync(
    join(o.out, 'train-log.json'),
    JSON.stringify(
      {
        options: { ...o, out: undefined },
        frontEnd: fe.id,
        trainStreams: train.length,
        trainSteps: steps,
        bestEpoch,
        stopReason,
        minutes: Math.round(minutes() * 10) / 10,
        detector,
        calibration: cal,
        history,
        calibrationTable: table.filter((r) => r.objective > cal.objective - 0.03),
      },
      null,
      1,
    ) + '\n',
  );
  process.stderr.write(
    `kws-embed: wrote ${files.map((f) => f.fileName).join(', ')} (+ manifests), ${FLOAT_FILE}, train-log.json in ${o.out}; total ${formatDuration(minutes() * 60)}\n`,
  );
}

await main();
