/**
 * Is the shipped detector an artefact of calibrating at one framing phase? Re-runs train.ts's
 * detector calibration with the shipped quantized model on the validation streams: first as
 * train.ts does (one phase; it must give train-log.json's calibration row and table, and the
 * script fails if not), then averaged over `--phases` delays spread evenly over one
 * 10 ms hop. Prints the best rows of the latter and the shipped detector's row. Writes nothing.
 *
 *   npx tsx models/kws/calibrate-phases.ts [--phases 4] [--dir models/kws/.cache]
 *
 * Needs the validation streams (data/continuous.ts --split val) in `<dir>/continuous-val`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import type { CalibrationRow, StreamPosteriors } from './calibrate.js';
import { calibrate, loadValStreams } from './calibrate.js';
import { CACHE_DIR } from './data/corpus.js';
import { delayedBy } from './phases.js';
import type { DetectorParams } from './kws-lib.js';
import { KWS_DIR, readWav16k, streamFrames } from './kws-lib.js';
import { runSequences } from '../model-files.js';

const { values } = parseArgs({
  options: {
    phases: { type: 'string', default: '4' },
    dir: { type: 'string', default: CACHE_DIR },
  },
});
const phases = Number(values.phases);
if (!Number.isInteger(phases) || phases < 1)
  throw new Error(`--phases: expected an integer ≥ 1, got '${values.phases}'`);
const valDir = join(String(values.dir), 'continuous-val');
const { bytes, manifest } = readModelFile(join(KWS_DIR, 'kws-int8-weights-b1.tflite'));
const post = manifest.postprocess as { featureNorm: FeatureNorm; detector: DetectorParams };
const log = JSON.parse(readFileSync(join(KWS_DIR, 'train-log.json'), 'utf8')) as {
  calibration: CalibrationRow;
  calibrationTable: CalibrationRow[];
};
const streams = loadValStreams(valDir, post.featureNorm);
const runner = await createTfliteRunner(await loadTfliteInNode(), bytes);

// As train.ts calibrates: one phase, the streams as synthesized.
const once = calibrate(
  [
    {
      keyword: runSequences(runner, [streams[0]!.frames])[0]!,
      other: runSequences(runner, [streams[1]!.frames])[0]!,
    },
  ],
  streams,
);
const logged = once.table.filter((r) => r.objective > once.best.objective - 0.05);
for (const [what, want, got] of [
  ['row', log.calibration, once.best],
  ['table', log.calibrationTable, logged],
] as const) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(
      `one-phase calibration: expected train-log.json's calibration ${what} ${JSON.stringify(want)}, got ${JSON.stringify(got)}`,
    );
  }
}
process.stderr.write(
  `one phase: reproduces train-log.json's calibration row and table (${JSON.stringify(post.detector)})\n`,
);

// The same search over delays of 0, 1/phases, … of a hop (filled with each stream's first samples).
const hopSamples = 160;
const audio = streams.map((s) => readWav16k(join(valDir, `${s.name}.wav`)));
const posteriors: StreamPosteriors[] = [];
for (let k = 0; k < phases; k++) {
  const delay = Math.round((k * hopSamples) / phases);
  const [keyword, other] = audio.map((a) => {
    return runSequences(runner, [streamFrames(delayedBy(a, delay), post.featureNorm)])[0]!;
  });
  posteriors.push({ keyword: keyword!, other: other!, delayMs: delay / 16 });
  process.stderr.write(`phase ${k + 1}/${phases}: delay ${delay / 16} ms\n`);
}
runner.dispose();
const { best, table } = calibrate(posteriors, streams);
const row = (r: CalibrationRow): string =>
  `| ${r.smoothingFrames} | ${r.threshold} | ${r.suppressionMs} | ${(100 * r.recall).toFixed(1)} % | ` +
  `${r.faPerHour.toFixed(1)} | ${r.medianDelayMs} ms | ${r.objective.toFixed(3)} |`;
const shipped = table.find(
  (r) =>
    r.smoothingFrames === post.detector.smoothingFrames &&
    r.threshold === post.detector.threshold &&
    r.suppressionMs === post.detector.suppressionMs,
)!;
const top = [...table].sort((x, y) => y.objective - x.objective).slice(0, 5);
console.log(`Calibration over ${phases} framing phases (validation voices):\n`);
console.log('| smoothing | threshold | suppression ms | recall | errors / h | median delay | objective |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of top) console.log(row(r));
console.log(
  `\nbest: ${JSON.stringify({ smoothingFrames: best.smoothingFrames, threshold: best.threshold, suppressionMs: best.suppressionMs })}`,
);
console.log(`shipped detector: ${row(shipped)}`);
