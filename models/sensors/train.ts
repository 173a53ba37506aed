/**
 * Trains the sensor anomaly model: a GRU forecaster of the next sample's normalised channels, whose
 * prediction error the {@link AnomalyScorer} turns into alarms. Then calibrates the scorer on labelled
 * validation series and exports the int8-weights `.tflite` files with their manifests.
 *
 *   npx tsx models/sensors/train.ts [--seed 1] [--epochs 30] [--hidden 64] [--fa-per-day 0.05]
 *     [--quick] (1/8 of the data, for a smoke test) [--out DIR] (default: this folder)
 *
 * Seeded and reproducible: the same seed and options give bit-identical weights (one thread).
 * Writes models/sensors/{sensors-int8-weights-b{1,8,64}.tflite,.json, sensors-float32.bin, train-log.json}.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportGruModel } from '../../src/model/export.js';
import { ANOMALY_SCORER_KEY, type AnomalyScorerParams } from '../../src/postprocess/anomaly-scorer.js';
import { warmupCosine } from '../train/adam.js';
import { GruModel } from '../train/gru-model.js';
import { predict } from '../train/predict.js';
import { train } from '../train/trainer.js';
import { C, channelStats, forecastWindows, normalise, SAMPLE_MINUTES, splitSeries, SPLITS } from './data.js';
import { CHANNELS } from './generator.js';
import { calibrateThreshold, residualStd, type EventMetrics, type ScoredSeries } from './metrics.js';
import { FLOAT_WEIGHTS_KEY, saveFloatWeights, writeExport } from '../model-files.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
export const MODEL_NAME = 'sensors';
export const FLOAT_WEIGHTS_FILE = 'sensors-float32.bin';
/** Window of the training sequences and its unweighted warm-up, in samples. */
const WINDOW = { steps: 256, stride: 128, warmUp: 32 };
/** Scorer warm-up and episode merging, in samples (2 h, 1 h). */
const SCORER = { warmUpFrames: 24, mergeFrames: 12 };
const ALPHAS = [0.1, 0.2, 0.3, 0.5, 0.7, 1];

interface Args {
  seed: number;
  epochs: number;
  hidden: number;
  faPerDay: number;
  quick: boolean;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: 1, epochs: 30, hidden: 64, faPerDay: 0.05, quick: false, out: DIR };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--quick') {
      a.quick = true;
      continue;
    }
    if (k === '--out') {
      a.out = argv[++i] ?? '';
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isFinite(v)) throw new Error(`${k}: expected a number, got '${argv[i]}'`);
    if (k === '--seed') a.seed = v;
    else if (k === '--epochs') a.epochs = v;
    else if (k === '--hidden') a.hidden = v;
    else if (k === '--fa-per-day') a.faPerDay = v;
    else
      throw new Error(
        `unknown option ${k} (--seed N --epochs N --hidden N --fa-per-day X --quick --out DIR)`,
      );
  }
  return a;
}

/** Float forecasts of whole series, as the scorer and the metrics take them. */
export function scoredSeries(
  model: GruModel,
  series: ReturnType<typeof splitSeries>,
  norm: { mean: number[]; std: number[] },
): (ScoredSeries & { labels: Uint8Array })[] {
  const frames = series.map((s) => normalise(s.values, norm));
  const forecasts = predict(model, frames, { batchSize: 16 });
  return series.map((s, i) => ({
    frames: frames[i]!,
    forecasts: forecasts[i]!,
    length: s.length,
    events: s.events,
    labels: s.labels,
  }));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const scale = args.quick ? 8 : 1;
  const trainSeries = splitSeries('train', SPLITS.train.count / scale);
  const norm = channelStats(trainSeries);
  const data = forecastWindows(trainSeries, norm, { ...WINDOW, seed: args.seed });
  const validation = forecastWindows(splitSeries('validation', SPLITS.validation.count / scale), norm, {
    ...WINDOW,
    seed: args.seed + 1,
  });
  console.error(
    `sensors: ${data.inputs.length} training windows of ${WINDOW.steps} samples ` +
      `(${trainSeries.length} series × ${SPLITS.train.days} days), ${validation.inputs.length} validation windows`,
  );

  const model = GruModel.create({
    inputSize: C,
    hiddenSize: args.hidden,
    outputSize: C,
    head: 'linear',
    seed: args.seed,
  });
  const batchSize = 32;
  const steps = args.epochs * Math.ceil(data.inputs.length / batchSize);
  const tTrain = performance.now();
  const result = await train({
    model,
    data,
    validation,
    epochs: args.epochs,
    batchSize,
    seed: args.seed,
    threads: 1,
    patience: 6,
    progress: { label: 'sensors' },
    optimizer: {
      learningRate: 3e-3,
      clipNorm: 1,
      schedule: warmupCosine({ warmupSteps: 100, totalSteps: steps }),
    },
  });
  const trainSeconds = (performance.now() - tTrain) / 1000;

  // Calibrate the scorer on labelled series the forecaster never saw.
  const calib = scoredSeries(model, splitSeries('calibration', SPLITS.calibration.count / scale), norm);
  const std = residualStd(calib, C, SCORER.warmUpFrames);
  const candidates: { alpha: number; threshold: number; metrics: EventMetrics }[] = [];
  for (const alpha of ALPHAS) {
    const r = calibrateThreshold(calib, { residualStd: std, alpha, ...SCORER }, args.faPerDay);
    candidates.push({ alpha, ...r });
    console.error(
      `  alpha ${alpha}: threshold ${r.threshold}, recall ${r.metrics.recall.toFixed(3)}, ` +
        `precision ${r.metrics.precision.toFixed(3)}, ${r.metrics.falseAlarmsPerDay.toFixed(3)} false alarms/day, ` +
        `median delay ${r.metrics.delay.median} samples`,
    );
  }
  // Most events found at the target false-alarm rate; ties go to the lower delay.
  const best = candidates.reduce((a, b) =>
    b.metrics.recall > a.metrics.recall ||
    (b.metrics.recall === a.metrics.recall && b.metrics.delay.mean < a.metrics.delay.mean)
      ? b
      : a,
  );
  const scorer: AnomalyScorerParams = {
    residualStd: std,
    threshold: best.threshold,
    alpha: best.alpha,
    ...SCORER,
  };

  const floatRef = saveFloatWeights(model, args.out, FLOAT_WEIGHTS_FILE);
  const files = writeExport(
    args.out,
    exportGruModel(model.toGruWeights(), {
      name: MODEL_NAME,
      scheme: 'int8-weights',
      batches: [1, 8, 64],
      features: { kind: 'sensor', channels: [...CHANNELS], normalisation: norm },
      postprocess: {
        [ANOMALY_SCORER_KEY]: scorer,
        sampleMinutes: SAMPLE_MINUTES,
        targetFalseAlarmsPerDay: args.faPerDay,
        [FLOAT_WEIGHTS_KEY]: floatRef,
      },
    }),
  );
  const totalSeconds = (performance.now() - t0) / 1000;
  const log = {
    args: { ...args, out: relative(process.cwd(), args.out) || '.' },
    trainingWindows: data.inputs.length,
    validationWindows: validation.inputs.length,
    window: WINDOW,
    batchSize,
    bestEpoch: result.bestEpoch,
    bestValidationMse: result.bestMetric,
    stoppedEarly: result.stoppedEarly,
    history: result.history.map((h) => ({
      epoch: h.epoch,
      trainMse: Number(h.trainLoss.toFixed(5)),
      valMse: Number(h.validation?.loss.toFixed(5)),
      seconds: Number(h.seconds.toFixed(1)),
    })),
    calibration: candidates.map((c) => ({
      alpha: c.alpha,
      threshold: c.threshold,
      recall: c.metrics.recall,
      precision: c.metrics.precision,
      falseAlarmsPerDay: c.metrics.falseAlarmsPerDay,
      medianDelay: c.metrics.delay.median,
    })),
    scorer,
    trainSeconds: Number(trainSeconds.toFixed(1)),
    totalSeconds: Number(totalSeconds.toFixed(1)),
    files: [...files, FLOAT_WEIGHTS_FILE],
  };
  writeFileSync(join(args.out, 'train-log.json'), `${JSON.stringify(log, null, 2)}\n`);
  console.error(
    `sensors: best epoch ${result.bestEpoch} (val MSE ${result.bestMetric?.toFixed(5)}), scorer alpha ${best.alpha} ` +
      `threshold ${best.threshold}; training ${trainSeconds.toFixed(0)} s, total ${totalSeconds.toFixed(0)} s; ` +
      `wrote ${log.files.join(', ')}`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
