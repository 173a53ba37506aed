/**
 * Trains a GRU keyword head on speech embeddings, selects the epoch and calibrates the detector on
 * validation streams, and exports the model family. Shared by train.ts (the shipped ten-keyword model)
 * and custom-train.ts (`npm run kws:train`, your own words).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_NORM_KEY, FeatureStats, createNormalizer } from '../../src/features/normalize.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { exportGruModel } from '../../src/model/export.js';
import { gaussian, mulberry32 } from '../../src/model/random.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import type { DetectorParams } from '../kws/kws-lib.js';
import { FLOAT_WEIGHTS_KEY, runSequences, saveFloatWeights, writeExport } from '../model-files.js';
import { Adam, warmupCosine } from '../train/adam.js';
import { BatchPacker, type SequenceData } from '../train/batching.js';
import { GruBptt } from '../train/gru-bptt.js';
import { GruModel } from '../train/gru-model.js';
import { ParallelGradient } from '../train/parallel.js';
import { predict } from '../train/predict.js';
import { formatDuration, ProgressBar } from '../train/progress.js';
import type { EmbeddedStream } from './data-load.js';
import { EMBED_DIM, EMBED_HOP_MS, EMBED_WINDOW_MS } from './embed.js';
import type { EmbedDetectorParams, SetScore } from './lib.js';
import { detectSteps, detectorGrid, objective, scoreSet, stepTargets } from './lib.js';
import { SHIPPED_BATCHES, featureSpec, frontEndInfo } from './model-info.js';
import { earlyStopReason } from '../train/early-stop.js';

export interface HeadOptions {
  hidden: number;
  epochs: number;
  patience: number;
  /** Steps per training sequence. */
  seq: number;
  batch: number;
  lr: number;
  threads: number;
  maxMinutes: number;
  seed: number;
  /** σ of Gaussian noise added to the normalised embeddings while training. */
  featureNoise: number;
}

export const DEFAULT_HEAD_OPTIONS: HeadOptions = {
  hidden: 64,
  epochs: 40,
  patience: 10,
  seq: 128,
  batch: 32,
  lr: 0.003,
  threads: 2,
  maxMinutes: 20,
  seed: 1,
  featureNoise: 0.1,
};

export interface HeadJob {
  /** Model name: files `<name>-int8-weights-b{1,8,64}.tflite`. */
  name: string;
  /** Outputs: silence, unknown, then the keywords. */
  labels: readonly string[];
  train: EmbeddedStream[];
  /** Validation streams (keyword stream, keyword-free speech, noise) of voices not trained on. */
  val: EmbeddedStream[];
  frontEndId: string;
  options: HeadOptions;
  out: string;
  /** Float weights file name. */
  floatFile: string;
  /** Extra fields for train-log.json. */
  log?: Record<string, unknown>;
}

/** One epoch's sequences: every stream cut into `seq`-step pieces from a random offset, with input noise. */
function buildEpoch(
  xs: Float32Array[],
  targets: Float32Array[],
  weights: Float32Array[],
  o: HeadOptions,
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

function normalised(streams: EmbeddedStream[], norm: FeatureNorm): Float32Array[] {
  const f = createNormalizer(norm);
  return streams.map((s) => {
    const x = s.x.slice();
    f(x);
    return x;
  });
}

/** Scores posteriors of streams under the detector `p`. */
export function scoreWith(
  streams: EmbeddedStream[],
  post: Float32Array[],
  p: DetectorParams,
  labels: readonly string[],
): SetScore {
  return scoreSet(
    streams.map((s, i) => ({
      name: s.name,
      kind: s.kind,
      truth: s.truth,
      detections: detectSteps(post[i]!, p, labels),
    })),
    labels.slice(2),
  );
}

/** Trains, selects, calibrates and exports; returns the chosen detector and its validation row. */
export async function trainHead(job: HeadJob): Promise<{ detector: EmbedDetectorParams; files: string[] }> {
  const o = job.options;
  const { labels } = job;
  const started = performance.now();
  const minutes = (): number => (performance.now() - started) / 60_000;
  const stats = new FeatureStats(EMBED_DIM);
  for (const s of job.train) stats.add(s.x);
  const norm = stats.finish();
  const trainX = normalised(job.train, norm);
  const valX = normalised(job.val, norm);
  const tw = job.train.map((s) => stepTargets(s.truth, s.K, undefined, labels));
  const targets = tw.map((t) => t.targets);
  const weights = tw.map((t) => t.weights);
  const steps = job.train.reduce((n, s) => n + s.K, 0);
  process.stderr.write(
    `${job.name}: ${job.train.length} training streams (${((steps * EMBED_HOP_MS) / 60_000).toFixed(0)} min, ${steps} steps), ` +
      `${job.val.length} validation streams; labels ${labels.join(' ')}; H=${o.hidden}, seq ${o.seq}, batch ${o.batch}, ${o.threads} thread(s)\n`,
  );
  const quick = (post: Float32Array[]) => {
    let best = { objective: -Infinity, recall: 0, speechFa: 0, noiseFa: 0, threshold: 0 };
    for (const threshold of [0.5, 0.6, 0.7, 0.8, 0.9]) {
      const s = scoreWith(job.val, post, { smoothingFrames: 2, threshold, suppressionMs: 1000 }, labels);
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
  };

  const model = GruModel.create({
    inputSize: EMBED_DIM,
    hiddenSize: o.hidden,
    outputSize: labels.length,
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
  const bar = new ProgressBar({ label: job.name, tty: process.stderr.isTTY === true });
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
      const q = quick(predict(model, valX));
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
          `FA/h speech ${q.speechFa.toFixed(1)} noise ${q.noiseFa.toFixed(1)} (thr ${q.threshold}) ` +
          `objective ${q.objective.toFixed(3)} ${seconds.toFixed(1)} s${improved ? ' (best)' : ''}`,
      );
      const reason = earlyStopReason({
        epoch,
        bestEpoch,
        patience: o.patience,
        minutes: minutes(),
        maxMinutes: o.maxMinutes,
      });
      if (reason !== undefined) {
        stopReason = reason;
        break;
      }
    }
  } finally {
    await parallel?.dispose();
  }
  model.params.set(bestParams);
  process.stderr.write(
    `${job.name}: best epoch ${bestEpoch} (objective ${best.toFixed(4)}), stopped: ${stopReason}, ${formatDuration(minutes() * 60)}\n`,
  );

  // Calibrate the detector on the quantized model's validation posteriors, then export for good.
  const w = model.toGruWeights();
  const base = {
    name: job.name,
    scheme: 'int8-weights' as const,
    labels: [...labels],
    features: featureSpec(),
  };
  const draft = exportGruModel(w, { ...base, batches: [1] });
  const tflite = await loadTfliteInNode();
  const runner = await createTfliteRunner(tflite, draft[0]!.bytes);
  const qPost = runSequences(runner, valX);
  runner.dispose();
  const table = detectorGrid().map((p) => {
    const s = scoreWith(job.val, qPost, p, labels);
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
    hopMs: EMBED_HOP_MS,
    windowMs: EMBED_WINDOW_MS,
  };
  process.stderr.write(
    `${job.name}: detector ${JSON.stringify(detector)} on validation (quantized): recall ${(100 * cal.recall).toFixed(1)} %, ` +
      `FA/h speech ${cal.speechFaPerHour.toFixed(2)}, noise ${cal.noiseFaPerHour.toFixed(2)}, median delay ${cal.medianDelayMs} ms\n`,
  );
  mkdirSync(job.out, { recursive: true });
  const floatRef = saveFloatWeights(model, job.out, job.floatFile);
  const exported = exportGruModel(w, {
    ...base,
    batches: [...SHIPPED_BATCHES],
    postprocess: {
      [FEATURE_NORM_KEY]: norm,
      detector,
      frontEnd: frontEndInfo(job.frontEndId),
      [FLOAT_WEIGHTS_KEY]: floatRef,
    },
  });
  const files = writeExport(job.out, exported);
  writeFileSync(
    join(job.out, 'train-log.json'),
    JSON.stringify(
      {
        ...job.log,
        options: o,
        frontEnd: job.frontEndId,
        labels,
        trainStreams: job.train.length,
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
    `${job.name}: wrote ${files.join(', ')} (+ manifests), ${job.floatFile}, train-log.json in ${job.out}; total ${formatDuration(minutes() * 60)}\n`,
  );
  return { detector, files };
}
