/**
 * Trains the keyword-spotting GRU (12 classes: silence, unknown, yes … go) for streaming use, calibrates
 * its detector on validation voices and writes the shipped files.
 *
 *   npx tsx models/kws/train.ts [--seed 1] [--hidden 128] [--epochs 50] [--patience 12] [--concat 4]
 *     [--batch 32] [--lr 0.002] [--threads 2] [--max-minutes 25] [--warp 0.1] [--ema 0]
 *     [--feature-noise 0] [--dir models/kws/.cache] [--extra extra,extra-unknown] [--out models/kws]
 *
 * The defaults are the shipped model's recipe. `--warp` is the spectral-warp range (±10 %), `--ema`
 * a weight-averaging decay (0 = off; validation then scores the averaged weights), `--feature-noise`
 * the σ of Gaussian noise added to normalised features; the last two were tried and are off.
 *
 * Needs the corpus features (data/synthesize.ts, data/features.ts), the extra training corpus in
 * `<dir>/<extra>` (comma-separated list; `--extra none` for the main corpus only; see README.md for the
 * recipe) and the validation streams (data/continuous.ts --split val). Writes into `--out`:
 *   kws-int8-weights-b{1,8,64}.tflite + .json manifests (labels, log-mel feature spec, postprocess:
 *     { featureNorm, detector: { smoothingFrames, threshold, suppressionMs } }),
 *   kws-float-weights.json (the float weights: the reference the quantized files are checked against),
 *   train-log.json (options, per-epoch history, calibration table).
 *
 * Streaming training: every minibatch sequence is `--concat` training clips back to back (T = 100 each),
 * freshly drawn every epoch, with the GRU state carried across clip boundaries exactly as the worker
 * carries it, so the model learns to fall back after a word instead of seeing each word from a fresh
 * state. Targets: see `clipTargets` in kws-lib.ts. Early stopping on clip accuracy of held-out
 * validation voices. Reproducible: the same seed, data and thread count give the same bytes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FEATURE_NORM_KEY } from '../../src/features/normalize.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { LogMelFrontEnd } from '../../src/features/log-mel.js';
import { exportGruModel } from '../../src/model/export.js';
import { gaussian, mulberry32 } from '../../src/model/random.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { Adam, warmupCosine } from '../train/adam.js';
import { BatchPacker, type SequenceData } from '../train/batching.js';
import { GruBptt } from '../train/gru-bptt.js';
import { GruModel } from '../train/gru-model.js';
import { ParallelGradient } from '../train/parallel.js';
import { predict } from '../train/predict.js';
import { formatDuration, ProgressBar } from '../train/progress.js';
import { CACHE_DIR } from './data/corpus.js';
import type { StreamTruth } from './data/stream.js';
import { runSequences, writeExport } from '../model-files.js';
import type { ValStream } from './calibrate.js';
import { calibrate, loadValStreams, scoreDetector } from './calibrate.js';
import type { ClipSet, DetectorParams, TargetOptions } from './kws-lib.js';
import {
  DEFAULT_TARGETS,
  FLOAT_WEIGHTS_FILE,
  KWS_DIR,
  MODEL_NAME,
  OUTPUT_LABELS,
  SHIPPED_BATCHES,
  SILENCE,
  UNKNOWN,
  clipDecision,
  clipTargets,
  decisionAccuracy,
  joinClipSets,
  loadClipSet,
  readWav16k,
  streamFrames,
  writeFloatWeights,
} from './kws-lib.js';
import { earlyStopReason } from '../train/early-stop.js';

/** Detector used for the early-stopping metric (the shipped one is calibrated after training). */
const STOPPING_DETECTOR: DetectorParams = { smoothingFrames: 10, threshold: 0.5, suppressionMs: 1000 };
/** Frames per forward pass over the long validation streams. */
const LONG_PIECE = 4000;

interface Options {
  seed: number;
  hidden: number;
  epochs: number;
  patience: number;
  concat: number;
  batch: number;
  lr: number;
  threads: number;
  maxMinutes: number;
  gainDb: [number, number];
  freqMask: number;
  warp: number;
  featureNoise: number;
  ema: number;
  dir: string;
  extra: string[];
  speech: string;
  stopOn: 'clips' | 'both';
  out: string;
  targets: TargetOptions;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      hidden: { type: 'string', default: '128' },
      epochs: { type: 'string', default: '50' },
      patience: { type: 'string', default: '12' },
      concat: { type: 'string', default: '4' },
      batch: { type: 'string', default: '32' },
      lr: { type: 'string', default: '0.002' },
      threads: { type: 'string', default: '2' },
      'max-minutes': { type: 'string', default: '25' },
      'gain-db': { type: 'string', default: '-15,5' },
      'freq-mask': { type: 'string', default: '0.5' },
      warp: { type: 'string', default: '0.1' },
      'feature-noise': { type: 'string', default: '0' },
      ema: { type: 'string', default: '0' },
      hold: { type: 'string', default: String(DEFAULT_TARGETS.hold) },
      dir: { type: 'string', default: CACHE_DIR },
      extra: { type: 'string', default: 'extra,extra-unknown' },
      speech: { type: 'string', default: 'train-speech' },
      'stop-on': { type: 'string', default: 'both' },
      out: { type: 'string', default: KWS_DIR },
    },
  });
  const num = (k: keyof typeof values, min: number): number => {
    const n = Number(values[k]);
    if (!Number.isFinite(n) || n < min)
      throw new Error(`--${k}: expected a number ≥ ${min}, got ${values[k]}`);
    return n;
  };
  const int = (k: keyof typeof values, min: number): number => {
    const n = num(k, min);
    if (!Number.isInteger(n)) throw new Error(`--${k}: expected an integer, got ${values[k]}`);
    return n;
  };
  const gain = String(values['gain-db']).split(',').map(Number);
  if (gain.length !== 2 || !gain.every(Number.isFinite) || gain[0]! > gain[1]!)
    throw new Error(`--gain-db: expected lo,hi in dB, got ${values['gain-db']}`);
  return {
    seed: int('seed', 0),
    hidden: int('hidden', 4),
    epochs: int('epochs', 1),
    patience: int('patience', 1),
    concat: int('concat', 1),
    batch: int('batch', 1),
    lr: num('lr', 1e-6),
    threads: int('threads', 1),
    maxMinutes: num('max-minutes', 0.1),
    gainDb: [gain[0]!, gain[1]!],
    freqMask: num('freq-mask', 0),
    warp: num('warp', 0),
    featureNoise: num('feature-noise', 0),
    ema: num('ema', 0),
    dir: String(values.dir),
    extra: String(values.extra)
      .split(',')
      .filter((e) => e.length > 0 && e !== 'none'),
    speech: values.speech === 'none' ? '' : String(values.speech),
    stopOn: values['stop-on'] === 'clips' ? 'clips' : 'both',
    out: String(values.out),
    targets: { ...DEFAULT_TARGETS, hold: int('hold', 1) },
  };
}

/** Training items of T frames: features [n, T, F] (normalised), per-frame class ids and weights [n, T]. */
interface Pieces {
  count: number;
  features: Float32Array;
  targets: Float32Array;
  weights: Float32Array;
}

/** The corpus clips as training items, with the targets of {@link clipTargets}. */
function clipPieces(set: ClipSet, o: TargetOptions): Pieces {
  const { N, T } = set;
  const targets = new Float32Array(N * T);
  const weights = new Float32Array(N * T);
  for (let i = 0; i < N; i++) {
    const at = i * T;
    clipTargets(
      set.clips[i]!,
      set.labels[i]!,
      T,
      o,
      targets.subarray(at, at + T),
      weights.subarray(at, at + T),
    );
  }
  return { count: N, features: set.features, targets, weights };
}

/** Speech frames (from an utterance's start to this long after its end) are trained as 'unknown'. */
const SPEECH_TAIL_MS = 150;
const SPEECH_WEIGHT = 0.5;

/**
 * The keyword-free training speech (train-speech.ts) cut into items of T frames: frames that overlap an
 * utterance → 'unknown' (weight {@link SPEECH_WEIGHT}), pauses → 'silence' (`backgroundWeight`).
 */
function speechPieces(dir: string, norm: FeatureNorm, T: number, o: TargetOptions): Pieces {
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run npx tsx models/kws/train-speech.ts`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort();
  const parts: { frames: Float32Array; targets: Float32Array; weights: Float32Array }[] = [];
  let F = 0;
  for (const f of files) {
    const frames = streamFrames(readWav16k(join(dir, f)), norm);
    const truth = JSON.parse(readFileSync(join(dir, f.replace(/\.wav$/, '.json')), 'utf8')) as StreamTruth;
    F = norm.mean.length;
    const n = Math.floor(frames.length / F / T) * T;
    const targets = new Float32Array(n).fill(SILENCE);
    const weights = new Float32Array(n).fill(o.backgroundWeight);
    for (const e of truth.events) {
      // Frame t covers [10t, 10t + 25) ms.
      const first = Math.max(0, Math.floor((e.startMs - 25) / 10) + 1);
      const last = Math.min(n - 1, Math.floor((e.endMs + SPEECH_TAIL_MS) / 10));
      for (let t = first; t <= last; t++) {
        targets[t] = UNKNOWN;
        weights[t] = SPEECH_WEIGHT;
      }
    }
    parts.push({ frames: frames.subarray(0, n * F), targets, weights });
  }
  const total = parts.reduce((s, p) => s + p.targets.length, 0);
  const out: Pieces = {
    count: total / T,
    features: new Float32Array(total * F),
    targets: new Float32Array(total),
    weights: new Float32Array(total),
  };
  let at = 0;
  for (const p of parts) {
    out.features.set(p.frames, at * F);
    out.targets.set(p.targets, at);
    out.weights.set(p.weights, at);
    at += p.targets.length;
  }
  return out;
}

/**
 * One epoch's sequences: all training items (clips and speech pieces) in a fresh seeded order,
 * `concat` at a time back to back, each item with a random gain (added to its log-mel before
 * normalisation, clamped at the front end's log floor), a spectral warp by α ∈ [1 − warp, 1 + warp]
 * along the mel axis (voices it has not heard have other formants) and, with probability `freqMask`,
 * one band of up to 6 mel bins set to the training mean.
 */
class EpochBuilder {
  readonly data: SequenceData;
  private readonly floor: Float32Array;
  private readonly invStd: Float32Array;
  private readonly norm: { mean: Float32Array; std: Float32Array };
  private readonly row: Float32Array;
  private readonly total: number;
  private readonly starts: number[];

  constructor(
    private readonly pools: Pieces[],
    private readonly T: number,
    private readonly F: number,
    norm: FeatureNorm,
    private readonly o: Options,
  ) {
    const K = o.concat;
    this.starts = [];
    let n = 0;
    for (const p of pools) {
      this.starts.push(n);
      n += p.count;
    }
    this.total = n;
    const count = Math.ceil(n / K);
    const len = (s: number): number => Math.min(K, n - s * K) * T;
    this.data = {
      inputs: Array.from({ length: count }, (_, s) => new Float32Array(len(s) * F)),
      targets: Array.from({ length: count }, (_, s) => new Float32Array(len(s))),
      weights: Array.from({ length: count }, (_, s) => new Float32Array(len(s))),
    };
    this.row = new Float32Array(F);
    this.norm = { mean: Float32Array.from(norm.mean), std: Float32Array.from(norm.std) };
    const logFloor = Math.log(new LogMelFrontEnd().logFloor);
    this.floor = Float32Array.from(norm.mean, (m, f) => (logFloor - m) / norm.std[f]!);
    this.invStd = Float32Array.from(norm.std, (s) => 1 / s);
  }

  private gauss: () => number = () => 0;

  build(epoch: number): void {
    const { T, F, total } = this;
    const K = this.o.concat;
    const rand = mulberry32(this.o.seed * 7919 + epoch);
    this.gauss = gaussian(mulberry32(this.o.seed * 104_729 + epoch));
    const order = Int32Array.from({ length: total }, (_, i) => i);
    for (let i = total - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const [gLo, gHi] = this.o.gainDb;
    for (let k = 0; k < total; k++) {
      let item = order[k]!;
      let p = this.pools.length - 1;
      while (item < this.starts[p]!) p--;
      item -= this.starts[p]!;
      const pool = this.pools[p]!;
      const s = Math.floor(k / K);
      const at = (k % K) * T;
      const x = this.data.inputs[s]!.subarray(at * F, (at + T) * F);
      x.set(pool.features.subarray(item * T * F, (item + 1) * T * F));
      this.data.targets[s]!.set(pool.targets.subarray(item * T, (item + 1) * T), at);
      this.data.weights![s]!.set(pool.weights.subarray(item * T, (item + 1) * T), at);
      // Gain: g dB of amplitude adds g·ln(10)/10 to a log power.
      const shift = ((gLo + (gHi - gLo) * rand()) * Math.LN10) / 10;
      const maskFrom = rand() < this.o.freqMask ? Math.floor(rand() * F) : F;
      const maskTo = Math.min(F, maskFrom + 1 + Math.floor(rand() * 6));
      // Spectral warp (a vocal-tract-length perturbation): bin f takes the log energy of bin f·α.
      const alpha = 1 + this.o.warp * (2 * rand() - 1);
      const sigma = this.o.featureNoise;
      const row = this.row;
      const { mean, std } = this.norm;
      for (let t = 0; t < T; t++) {
        const base = t * F;
        if (alpha !== 1) {
          for (let f = 0; f < F; f++) row[f] = x[base + f]! * std[f]! + mean[f]!;
          for (let f = 0; f < F; f++) {
            const src = Math.min(F - 1, f * alpha);
            const i0 = Math.floor(src);
            const i1 = Math.min(F - 1, i0 + 1);
            const v = row[i0]! + (src - i0) * (row[i1]! - row[i0]!);
            x[base + f] = (v - mean[f]!) * this.invStd[f]!;
          }
        }
        for (let f = 0; f < F; f++) {
          const i = base + f;
          const v = x[i]! + shift * this.invStd[f]! + (sigma > 0 ? sigma * this.gauss() : 0);
          x[i] = f >= maskFrom && f < maskTo ? 0 : Math.max(v, this.floor[f]!);
        }
      }
    }
  }
}

/** Clip accuracy of `posteriors` (one T × C array per clip) under the clip decision rule. */
function clipAccuracy(posteriors: Float32Array[], labels: Int32Array, params: DetectorParams): number {
  return decisionAccuracy(
    Int32Array.from(posteriors, (p) => clipDecision(p, params)),
    labels,
  );
}

/** Per-frame posteriors (float, training kernels) of one long stream, in pieces with the state carried. */
function forwardLong(engine: GruBptt, model: GruModel, frames: Float32Array, piece: number): Float32Array {
  const { inputSize: I, hiddenSize: H, outputSize: C } = model;
  const T = frames.length / I;
  const out = new Float32Array(T * C);
  const h = new Float32Array(H);
  for (let t0 = 0; t0 < T; t0 += piece) {
    const n = Math.min(piece, T - t0);
    engine.forward({
      batch: 1,
      steps: n,
      inputs: frames.subarray(t0 * I, (t0 + n) * I),
      targets: new Float32Array(n),
      weights: new Float32Array(n),
      h0: h,
    });
    engine.readOutputs(out.subarray(t0 * C, (t0 + n) * C));
    engine.readFinalState(h);
  }
  return out;
}

/**
 * The calibration objective on the validation streams at smoothing 10 / suppression 1 s, for the best
 * threshold of 0.5 … 0.95: a per-epoch view of the continuous-audio behaviour.
 */
function streamObjective(
  posteriors: { keyword: Float32Array; other: Float32Array },
  streams: ValStream[],
): { objective: number; recall: number; errors: number; threshold: number } {
  let best = { objective: -Infinity, recall: 0, errors: 0, threshold: 0 };
  for (let ti = 10; ti <= 19; ti++) {
    const params = { smoothingFrames: 10, threshold: ti * 0.05, suppressionMs: 1000 };
    const { objective, recall, falseAccepts, mislabels } = scoreDetector([posteriors], streams, params);
    if (objective > best.objective) {
      best = { objective, recall, errors: falseAccepts + mislabels, threshold: params.threshold };
    }
  }
  return best;
}

async function main(): Promise<void> {
  const o = parseOptions();
  const started = performance.now();
  const elapsedMin = (): number => (performance.now() - started) / 60_000;
  const main = loadClipSet(o.dir, 'train');
  // Extra training corpora (other seeds, training voices only), normalised with the main statistics.
  const train = joinClipSets([
    main,
    ...o.extra.map((e) => loadClipSet(resolve(o.dir, e), 'train', main.norm)),
  ]);
  const val = loadClipSet(o.dir, 'val');
  const valStreams = loadValStreams(join(o.dir, 'continuous-val'), train.norm);
  const { T, F } = train;
  const C = OUTPUT_LABELS.length;
  process.stderr.write(
    `kws: ${train.N} training clips${o.speech ? ' + keyword-free training speech' : ''}, ${val.N} validation clips (held-out voices), H=${o.hidden}, ` +
      `${o.concat} clips per sequence (T=${o.concat * T}), batch ${o.batch}, ${o.threads} thread(s), seed ${o.seed}\n`,
  );

  const model = GruModel.create({ inputSize: F, hiddenSize: o.hidden, outputSize: C, seed: o.seed });
  const pools = [clipPieces(train, o.targets)];
  if (o.speech) pools.push(speechPieces(resolve(o.dir, o.speech), train.norm, T, o.targets));
  const builder = new EpochBuilder(pools, T, F, train.norm, o);
  const maxSteps = o.concat * T;
  const parallel =
    o.threads > 1
      ? await ParallelGradient.create(model, { maxBatch: o.batch, maxSteps, threads: o.threads })
      : undefined;
  const engine = parallel ?? new GruBptt(model, { maxBatch: o.batch, maxSteps });
  const packer = new BatchPacker(model, 'crossEntropy', o.batch, maxSteps);
  const sequences = builder.data.inputs.length;
  const batches = Math.ceil(sequences / o.batch);
  const adam = new Adam(model.params.length, {
    learningRate: o.lr,
    clipNorm: 1,
    schedule: warmupCosine({ warmupSteps: batches, totalSteps: o.epochs * batches }),
  });
  const grad = new Float32Array(engine.gradientSize);
  const longEngine = new GruBptt(model, { maxBatch: 1, maxSteps: LONG_PIECE });
  const order = Int32Array.from({ length: sequences }, (_, i) => i);
  const valInputs = Array.from({ length: val.N }, (_, i) =>
    val.features.subarray(i * T * F, (i + 1) * T * F),
  );
  const bar = new ProgressBar({ label: 'kws', tty: process.stderr.isTTY === true });
  const history: Record<string, number>[] = [];
  const bestParams = model.params.slice();
  const ema = o.ema > 0 ? model.params.slice() : undefined;
  let best = -1;
  let bestEpoch = 0;
  let stopReason = 'epochs';
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const t0 = performance.now();
      builder.build(epoch);
      bar.startEpoch(epoch, o.epochs, batches);
      let lossSum = 0;
      let accSum = 0;
      let wSum = 0;
      for (let b = 0; b < batches; b++) {
        const mb = packer.pack(builder.data, order, b * o.batch, Math.min(sequences, (b + 1) * o.batch));
        const s = engine.lossAndGradient(mb, grad);
        if (!Number.isFinite(s.loss)) throw new Error(`loss is ${s.loss} at epoch ${epoch}, batch ${b + 1}`);
        adam.step(model.params, grad);
        if (ema) {
          const d = Math.min(o.ema, (1 + adam.steps) / (10 + adam.steps));
          const w = model.params;
          for (let i = 0; i < w.length; i++) ema[i] = d * ema[i]! + (1 - d) * w[i]!;
        }
        lossSum += s.loss * s.weightSum;
        accSum += (s.accuracy ?? 0) * s.weightSum;
        wSum += s.weightSum;
        bar.update({
          batch: b + 1,
          sequences: Math.min(sequences, (b + 1) * o.batch),
          loss: lossSum / wSum,
          accuracy: accSum / wSum,
        });
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      // Validate (and keep) the averaged weights when averaging is on.
      const live = ema ? model.params.slice() : undefined;
      if (ema) model.params.set(ema);
      const valPost = predict(model, valInputs);
      const clipAcc = clipAccuracy(valPost, val.labels, STOPPING_DETECTOR);
      const so = streamObjective(
        {
          keyword: forwardLong(longEngine, model, valStreams[0]!.frames, LONG_PIECE),
          other: forwardLong(longEngine, model, valStreams[1]!.frames, LONG_PIECE),
        },
        valStreams,
      );
      // Early stopping: the mean of clip accuracy and the continuous-audio objective (both validation).
      const acc = o.stopOn === 'clips' ? clipAcc : (clipAcc + so.objective) / 2;
      const improved = acc > best;
      if (improved) {
        best = acc;
        bestEpoch = epoch;
        bestParams.set(model.params);
      }
      if (live) model.params.set(live);
      history.push({
        epoch,
        loss: lossSum / wSum,
        frameAcc: accSum / wSum,
        valClipAcc: clipAcc,
        valStreamObjective: so.objective,
        valStreamRecall: so.recall,
        valStreamErrors: so.errors,
        metric: acc,
        seconds: trainSeconds,
      });
      bar.endEpoch(
        `loss ${(lossSum / wSum).toFixed(4)} frame acc ${(accSum / wSum).toFixed(3)} ` +
          `val clip acc ${clipAcc.toFixed(4)} stream recall ${so.recall.toFixed(3)} errors ${so.errors} ` +
          `(objective ${so.objective.toFixed(3)}) ${trainSeconds.toFixed(1)} s${improved ? ' (best)' : ''}`,
      );
      const reason = earlyStopReason({
        epoch,
        bestEpoch,
        patience: o.patience,
        minutes: elapsedMin(),
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
    `kws: best epoch ${bestEpoch} (validation metric ${best.toFixed(4)}), stopped: ${stopReason}, ` +
      `${formatDuration(elapsedMin() * 60)}\n`,
  );

  // Export once to get the quantized bytes, calibrate the detector on them, then export for good.
  const weights = model.toGruWeights();
  const features = new LogMelFrontEnd().featureSpec();
  const base = {
    name: MODEL_NAME,
    scheme: 'int8-weights' as const,
    batches: [...SHIPPED_BATCHES],
    labels: [...OUTPUT_LABELS],
    features,
  };
  const draft = exportGruModel(weights, { ...base, batches: [1] });
  const tflite = await loadTfliteInNode();
  const runner = await createTfliteRunner(tflite, draft[0]!.bytes);
  const [keyword, other] = runSequences(
    runner,
    valStreams.map((s) => s.frames),
  );
  const posteriors = { keyword: keyword!, other: other! };
  runner.dispose();
  const { best: cal, table } = calibrate([posteriors], valStreams);
  const detector: DetectorParams = {
    smoothingFrames: cal.smoothingFrames,
    threshold: cal.threshold,
    suppressionMs: cal.suppressionMs,
  };
  process.stderr.write(
    `kws: detector ${JSON.stringify(detector)} on validation audio: recall ${(100 * cal.recall).toFixed(1)}%, ` +
      `${cal.falseAccepts} false accepts + ${cal.mislabels} mislabels (${cal.faPerHour.toFixed(1)}/h), ` +
      `median delay ${cal.medianDelayMs} ms\n`,
  );
  const files = exportGruModel(weights, {
    ...base,
    postprocess: { [FEATURE_NORM_KEY]: train.norm, detector },
  });
  mkdirSync(o.out, { recursive: true });
  writeExport(o.out, files);
  writeFloatWeights(join(o.out, FLOAT_WEIGHTS_FILE), weights, {
    modelId: files[0]!.manifest.modelId,
    labels: OUTPUT_LABELS,
  });
  const valDecision = clipAccuracy(predict(model, valInputs), val.labels, detector);
  writeFileSync(
    join(o.out, 'train-log.json'),
    JSON.stringify(
      {
        options: {
          ...o,
          dir: relative(process.cwd(), o.dir) || '.',
          out: relative(process.cwd(), o.out) || '.',
        },
        bestEpoch,
        stopReason,
        minutes: Math.round(elapsedMin() * 10) / 10,
        validationMetric: best,
        valClipAccuracyCalibratedDetector: valDecision,
        detector,
        calibration: cal,
        history,
        calibrationTable: table.filter((r) => r.objective > cal.objective - 0.05),
      },
      null,
      1,
    ) + '\n',
  );
  process.stderr.write(
    `kws: wrote ${files.map((f) => f.fileName).join(', ')} (+ manifests), ${FLOAT_WEIGHTS_FILE}, train-log.json ` +
      `in ${o.out}; total ${formatDuration(elapsedMin() * 60)}\n`,
  );
}

await main();
