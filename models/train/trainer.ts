/**
 * The training loop: seeded shuffling, minibatch BPTT + Adam, per-epoch validation, early stopping with
 * best-weights restore, and a progress line. The same seed, data and options give bit-identical weights
 * (all arithmetic is sequential and in a fixed order).
 */
import { GruStreamError } from '../../src/errors.js';
import { mulberry32 } from '../../src/model/random.js';
import { Adam, type AdamOptions } from './adam.js';
import { BatchPacker, checkSequenceData, type SequenceData } from './batching.js';
import { TrainingError } from './errors.js';
import { GruBptt, type LossKind } from './gru-bptt.js';
import type { GruModel } from './gru-model.js';
import { ParallelGradient } from './parallel.js';
import { ProgressBar, type ProgressOptions } from './progress.js';

/** Loss and accuracy over a whole data set. */
export interface EvalResult {
  /** Weighted mean loss per frame. */
  loss: number;
  /** `crossEntropy` only: weighted share of frames classified right. */
  accuracy?: number;
  /** Σ of the frame weights. */
  weightSum: number;
}

/** What happened in one epoch (passed to `onEpoch`, and kept in the result's history). */
export interface EpochInfo {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  /** On the `validation` data, when given. */
  validation?: EvalResult;
  /** The early-stopping metric, when there is one (see `TrainOptions.validate`). */
  metric?: number;
  /** True when `metric` is the best so far (these weights are the ones restored). */
  best: boolean;
  /** Wall time of the epoch, training and validation, in seconds. */
  seconds: number;
  /** Training throughput. */
  sequencesPerSecond: number;
  /** Learning rate of the epoch's last step. */
  learningRate: number;
}

export interface TrainOptions {
  /** Trained in place; on return it holds the best weights (see `restoreBest`). */
  model: GruModel;
  data: SequenceData;
  /** Held-out data, evaluated after every epoch. */
  validation?: SequenceData;
  epochs: number;
  /** Sequences per minibatch. Default 64. */
  batchSize?: number;
  /** Seed of the shuffling (the weights' seed is the model's). Default 1. */
  seed?: number;
  /** Default: from the model's head ('crossEntropy' for softmax, 'mse' for linear). */
  loss?: LossKind;
  /** Default: Adam, learning rate 1e-3, gradient norm clipped at 1. */
  optimizer?: AdamOptions;
  /**
   * The early-stopping metric, called after each epoch. Default: validation accuracy for
   * `crossEntropy`, validation loss for `mse` (none without `validation` data).
   */
  validate?: (model: GruModel, epoch: number) => number;
  /** Whether a larger metric is better. Default 'max' ('min' for the default `mse` metric). */
  metricMode?: 'max' | 'min';
  /** Stop after this many epochs without improving the metric by more than `minDelta`. Default: never. */
  patience?: number;
  /** Default 0. */
  minDelta?: number;
  /** Put the best epoch's weights back into the model at the end. Default true. */
  restoreBest?: boolean;
  /** Called after each epoch; return 'stop' to end training. */
  onEpoch?: (info: EpochInfo) => void | 'stop';
  /** Progress line on stderr. Default: on when stderr is a TTY. */
  progress?: boolean | ProgressOptions;
  /**
   * Threads computing each minibatch's gradient (worker_threads, see parallel.ts). Default 1. Results
   * are bit-reproducible for a given thread count, but differ in float32 rounding between counts.
   */
  threads?: number;
}

export interface TrainResult {
  history: EpochInfo[];
  /** 1-based epoch of the best metric (the last epoch when there is no metric). */
  bestEpoch: number;
  bestMetric?: number;
  stoppedEarly: boolean;
}

/** Trains `o.model` in place. Async so that a data-parallel engine can slot in without an API change. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { model, data, validation } = o;
  const loss = o.loss ?? (model.head === 'softmax' ? 'crossEntropy' : 'mse');
  const batchSize = o.batchSize ?? 64;
  if (!Number.isInteger(o.epochs) || o.epochs < 0) {
    throw new GruStreamError('E_ARGUMENT', `train option 'epochs': expected an integer ≥ 0, got ${o.epochs}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `train option 'batchSize': expected a positive integer, got ${batchSize}`,
    );
  }
  let maxSteps = checkSequenceData(data, model, loss, 'training data');
  if (validation)
    maxSteps = Math.max(maxSteps, checkSequenceData(validation, model, loss, 'validation data'));
  const threads = o.threads ?? 1;
  const parallel =
    threads > 1
      ? await ParallelGradient.create(model, { maxBatch: batchSize, maxSteps, loss, threads })
      : undefined;
  try {
    return trainWith(
      o,
      parallel?.engine ?? new GruBptt(model, { maxBatch: batchSize, maxSteps, loss }),
      parallel,
    );
  } finally {
    await parallel?.dispose();
  }
}

function trainWith(o: TrainOptions, engine: GruBptt, parallel: ParallelGradient | undefined): TrainResult {
  const { model, data, validation } = o;
  const loss = engine.loss;
  const batchSize = o.batchSize ?? 64;
  const maxSteps = engine.maxSteps;
  const packer = new BatchPacker(model, loss, batchSize, maxSteps);
  const adam = new Adam(model.params.length, o.optimizer);
  const grad = new Float32Array(engine.gradientSize);
  const rand = mulberry32(o.seed ?? 1);
  const count = data.inputs.length;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const batches = Math.ceil(count / batchSize);
  const progressOn = o.progress === undefined ? process.stderr.isTTY === true : o.progress !== false;
  const bar = progressOn ? new ProgressBar(typeof o.progress === 'object' ? o.progress : {}) : undefined;

  const hasMetric = o.validate !== undefined || validation !== undefined;
  const mode = o.metricMode ?? (o.validate === undefined && loss === 'mse' ? 'min' : 'max');
  const minDelta = o.minDelta ?? 0;
  const patience = o.patience ?? Infinity;
  const restoreBest = o.restoreBest ?? true;
  const bestParams = model.params.slice();
  let bestMetric: number | undefined;
  let bestEpoch = 0;
  let stoppedEarly = false;
  const history: EpochInfo[] = [];

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const start = performance.now();
    shuffle(order, rand);
    bar?.startEpoch(epoch, o.epochs, batches);
    let lossSum = 0;
    let correctSum = 0;
    let weightSum = 0;
    let lr = 0;
    for (let b = 0; b < batches; b++) {
      const mb = packer.pack(data, order, b * batchSize, Math.min(count, (b + 1) * batchSize));
      const s = (parallel ?? engine).lossAndGradient(mb, grad);
      if (!Number.isFinite(s.loss)) {
        throw new TrainingError('E_DIVERGED', `loss is ${s.loss} at epoch ${epoch}, batch ${b + 1}`);
      }
      lr = adam.step(model.params, grad).learningRate;
      lossSum += s.loss * s.weightSum;
      correctSum += (s.accuracy ?? 0) * s.weightSum;
      weightSum += s.weightSum;
      bar?.update({
        batch: b + 1,
        sequences: Math.min(count, (b + 1) * batchSize),
        loss: lossSum / Math.max(weightSum, 1e-30),
        ...(loss === 'crossEntropy' && { accuracy: correctSum / Math.max(weightSum, 1e-30) }),
      });
    }
    const trainSeconds = (performance.now() - start) / 1000;
    const val = validation ? evaluateWith(engine, packer, validation, batchSize) : undefined;
    let metric: number | undefined;
    if (o.validate) metric = o.validate(model, epoch);
    else if (val) metric = loss === 'mse' ? val.loss : val.accuracy;
    let best = false;
    if (metric !== undefined) {
      const improved =
        bestMetric === undefined ||
        (mode === 'max' ? metric > bestMetric + minDelta : metric < bestMetric - minDelta);
      if (improved) {
        bestMetric = metric;
        bestEpoch = epoch;
        bestParams.set(model.params);
        best = true;
      }
    } else {
      bestEpoch = epoch;
    }
    const info: EpochInfo = {
      epoch,
      trainLoss: lossSum / Math.max(weightSum, 1e-30),
      ...(loss === 'crossEntropy' && { trainAccuracy: correctSum / Math.max(weightSum, 1e-30) }),
      ...(val && { validation: val }),
      ...(metric !== undefined && { metric }),
      best,
      seconds: (performance.now() - start) / 1000,
      sequencesPerSecond: count / trainSeconds,
      learningRate: lr,
    };
    history.push(info);
    bar?.endEpoch(summarize(info));
    const stop = o.onEpoch?.(info) === 'stop';
    if (stop) break;
    if (hasMetric && epoch - bestEpoch >= patience) {
      stoppedEarly = true;
      break;
    }
  }
  if (restoreBest && bestMetric !== undefined) model.params.set(bestParams);
  return { history, bestEpoch, ...(bestMetric !== undefined && { bestMetric }), stoppedEarly };
}

/** Loss and accuracy of `model` over `data` (frame weights apply), in minibatches of `batchSize`. */
export function evaluate(
  model: GruModel,
  data: SequenceData,
  options: { batchSize?: number; loss?: LossKind } = {},
): EvalResult {
  const loss = options.loss ?? (model.head === 'softmax' ? 'crossEntropy' : 'mse');
  const batchSize = Math.min(options.batchSize ?? 64, data.inputs.length);
  const maxSteps = checkSequenceData(data, model, loss, 'evaluation data');
  const engine = new GruBptt(model, { maxBatch: batchSize, maxSteps, loss });
  return evaluateWith(engine, new BatchPacker(model, loss, batchSize, maxSteps), data, batchSize);
}

function evaluateWith(
  engine: GruBptt,
  packer: BatchPacker,
  data: SequenceData,
  batchSize: number,
): EvalResult {
  const count = data.inputs.length;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  let lossSum = 0;
  let correct = 0;
  let weightSum = 0;
  for (let b = 0; b < count; b += batchSize) {
    const s = engine.forward(packer.pack(data, order, b, Math.min(count, b + batchSize)));
    lossSum += s.loss * s.weightSum;
    correct += (s.accuracy ?? 0) * s.weightSum;
    weightSum += s.weightSum;
  }
  const w = Math.max(weightSum, 1e-30);
  return {
    loss: lossSum / w,
    ...(engine.loss === 'crossEntropy' && { accuracy: correct / w }),
    weightSum,
  };
}

/** Fisher–Yates, in place. */
function shuffle(a: Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

function summarize(e: EpochInfo): string {
  const parts = [`loss ${e.trainLoss.toFixed(4)}`];
  if (e.trainAccuracy !== undefined) parts.push(`acc ${e.trainAccuracy.toFixed(3)}`);
  if (e.validation) {
    parts.push(`val loss ${e.validation.loss.toFixed(4)}`);
    if (e.validation.accuracy !== undefined) parts.push(`val acc ${e.validation.accuracy.toFixed(3)}`);
  }
  if (e.metric !== undefined && e.validation === undefined) parts.push(`metric ${e.metric.toFixed(4)}`);
  parts.push(`${e.sequencesPerSecond.toFixed(0)} seq/s`, `${e.seconds.toFixed(1)} s`);
  if (e.best) parts.push('(best)');
  return parts.join(' ');
}
