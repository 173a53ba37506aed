/**
 * The sensor model's report numbers, on held-out test series with labelled events (seeds the model
 * and its calibration never saw): event recall, precision over alarm episodes, false alarms per
 * sensor-day and detection delay, overall and per anomaly kind, for the float reference weights and
 * for the shipped int8-weights `.tflite` run by tfjs-tflite. Also how far the two forecasts differ.
 *
 *   npx tsx models/sensors/evaluate.ts [--dir models/sensors] [--count 160]
 *
 * Prints Markdown tables and writes `<dir>/eval.json`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { anomalyScorerFromManifest } from '../../src/postprocess/anomaly-scorer.js';
import { GruModel } from '../train/gru-model.js';
import { predict } from '../train/predict.js';
import { normalise, SAMPLE_MINUTES, splitSeries, SPLITS } from './data.js';
import { ANOMALY_KINDS } from './generator.js';
import { evaluateScorer, type EventMetrics, type ScoredSeries } from './metrics.js';
import { loadFloatWeights, runSequences } from '../model-files.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));

function parseArgs(argv: string[]): { dir: string; count: number } {
  const a = { dir: DIR, count: SPLITS.test.count as number };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--dir' && v) a.dir = v;
    else if (k === '--count' && v) a.count = Number(v);
    else throw new Error(`unknown option ${k} (--dir DIR --count N)`);
  }
  return a;
}

const pct = (v: number): string => (Number.isNaN(v) ? '–' : `${(100 * v).toFixed(1)} %`);
const num = (v: number, d = 1): string => (Number.isNaN(v) ? '–' : v.toFixed(d));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { manifest, bytes } = readModelFile(join(args.dir, 'sensors-int8-weights-b64.tflite'));
  const params = anomalyScorerFromManifest(manifest);
  const features = manifest.features;
  if (!params || features?.kind !== 'sensor' || !features.normalisation) {
    throw new Error('manifest lacks the scorer parameters or the normalisation');
  }
  const norm = features.normalisation;
  const series = splitSeries('test', args.count);
  const frames = series.map((s) => normalise(s.values, norm));

  const floatModel = GruModel.fromGruWeights(loadFloatWeights(args.dir, manifest));
  const floatForecasts = predict(floatModel, frames, { batchSize: 16 });
  const tflite = await loadTfliteInNode();
  const runner = await createTfliteRunner(tflite, bytes);
  const t0 = performance.now();
  const quantForecasts = runSequences(runner, frames);
  const tfliteSeconds = (performance.now() - t0) / 1000;
  runner.dispose();

  let maxDiff = 0;
  let sumSq = 0;
  let n = 0;
  floatForecasts.forEach((f, i) => {
    const q = quantForecasts[i]!;
    for (let k = 0; k < f.length; k++) {
      const d = Math.abs(f[k]! - q[k]!);
      maxDiff = Math.max(maxDiff, d);
      sumSq += d * d;
      n++;
    }
  });

  const scored = (forecasts: Float32Array[]): ScoredSeries[] =>
    series.map((s, i) => ({
      frames: frames[i]!,
      forecasts: forecasts[i]!,
      length: s.length,
      events: s.events,
    }));
  const results: Record<'float' | 'int8-weights', EventMetrics> = {
    float: evaluateScorer(scored(floatForecasts), params),
    'int8-weights': evaluateScorer(scored(quantForecasts), params),
  };
  // The trade-off around the shipped threshold (int8-weights model).
  const sweep = [0.5, 0.7, 1, 1.5, 2, 3].map((f) => {
    const m = evaluateScorer(scored(quantForecasts), { ...params, threshold: params.threshold * f });
    return {
      threshold: Number((params.threshold * f).toPrecision(3)),
      recall: m.recall,
      precision: m.precision,
      falseAlarmsPerDay: m.falseAlarmsPerDay,
      medianDelay: m.delay.median,
    };
  });

  const out: string[] = [];
  const q = results['int8-weights'];
  out.push(
    `Test: ${q.series} series × ${SPLITS.test.days} days (${num(q.sensorDays, 0)} sensor-days), ${q.events} labelled events; ` +
      `scorer alpha ${params.alpha}, threshold ${params.threshold}, warm-up ${params.warmUpFrames}, merge ${params.mergeFrames}.`,
    '',
    '| model | event recall | precision (episodes) | false alarms / sensor-day | delay median | delay mean | delay p90 |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [name, m] of Object.entries(results)) {
    const d = (v: number): string => `${num(v)} (${num(v * SAMPLE_MINUTES, 0)} min)`;
    out.push(
      `| ${name} | ${pct(m.recall)} (${m.detected}/${m.events}) | ${pct(m.precision)} (${m.episodes - m.falseEpisodes}/${m.episodes}) | ` +
        `${num(m.falseAlarmsPerDay, 3)} | ${d(m.delay.median)} | ${d(m.delay.mean)} | ${d(m.delay.p90)} |`,
    );
  }
  out.push(
    '',
    '| kind | events | recall (float) | recall (int8-weights) | median delay, samples (int8-weights) |',
  );
  out.push('| --- | --- | --- | --- | --- |');
  for (const k of ANOMALY_KINDS) {
    const f = results.float.perKind[k];
    const i8 = q.perKind[k];
    out.push(`| ${k} | ${i8.events} | ${pct(f.recall)} | ${pct(i8.recall)} | ${num(i8.medianDelay)} |`);
  }
  out.push(
    '',
    '| threshold | recall | precision | false alarms / sensor-day | median delay |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const s of sweep) {
    out.push(
      `| ${s.threshold}${s.threshold === params.threshold ? ' (shipped)' : ''} | ${pct(s.recall)} | ${pct(s.precision)} | ` +
        `${num(s.falseAlarmsPerDay, 3)} | ${num(s.medianDelay)} |`,
    );
  }
  out.push(
    '',
    `Forecasts, int8-weights (tfjs-tflite) vs float: max |diff| ${maxDiff.toExponential(2)}, ` +
      `RMS ${Math.sqrt(sumSq / n).toExponential(2)} (normalised units) over ${n / 4} frames; ` +
      `tfjs-tflite B=64 ran them in ${tfliteSeconds.toFixed(1)} s.`,
  );
  console.log(out.join('\n'));
  writeFileSync(
    join(args.dir, 'eval.json'),
    `${JSON.stringify({ series: q.series, scorer: params, results, sweep, forecastDiff: { max: maxDiff, rms: Math.sqrt(sumSq / n) } }, null, 2)}\n`,
  );
}

await main();
