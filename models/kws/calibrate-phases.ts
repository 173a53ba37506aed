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
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadKwsModel } from '../../src/kws/files-node.js';
import { featureNormFromManifest } from '../../src/features/normalize.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import type { CalibrationRow, StreamPosteriors } from './calibrate.js';
import { calibrate, readValAudio, valStream } from './calibrate.js';
import { CACHE_DIR } from './data/corpus.js';
import { delayedBy } from './phases.js';
import { KWS_DIR, detectorParamsFromManifest, streamFrames } from './kws-lib.js';
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
// The shipped b1 file (the CLI's default model); loadKwsModel checks its feature norm and detector.
const { bytes, manifest } = loadKwsModel(
  fileURLToPath(new URL('kws-int8-weights-b1.tflite', import.meta.url)),
);
const norm = featureNormFromManifest(manifest)!;
const detector = detectorParamsFromManifest(manifest);
const log = JSON.parse(readFileSync(join(KWS_DIR, 'train-log.json'), 'utf8')) as {
  calibration: CalibrationRow;
  calibrationTable: CalibrationRow[];
};
const audio = readValAudio(valDir);
const streams = audio.map((a) => valStream(a, norm));
const runner = await createTfliteRunner(await loadTfliteInNode(), bytes);

// As train.ts calibrates: one phase, the streams as synthesized.
const [keyword0, other0] = streams.map((s) => runSequences(runner, [s.frames])[0]!);
const once = calibrate([{ keyword: keyword0!, other: other0! }], streams);
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
  `one phase: reproduces train-log.json's calibration row and table (${JSON.stringify(detector)})\n`,
);

// The same search over delays of 0, 1/phases, … of a hop (filled with each stream's first samples).
// Delay 0 is the audio as it is (delayedBy(a, 0) copies a), so its posteriors are the one phase's.
const hopSamples = 160;
const posteriors: StreamPosteriors[] = [];
for (let k = 0; k < phases; k++) {
  const delay = Math.round((k * hopSamples) / phases);
  const [keyword, other] =
    delay === 0
      ? [keyword0, other0]
      : audio.map((a) => runSequences(runner, [streamFrames(delayedBy(a.samples, delay), norm)])[0]!);
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
    r.smoothingFrames === detector.smoothingFrames &&
    r.threshold === detector.threshold &&
    r.suppressionMs === detector.suppressionMs,
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
