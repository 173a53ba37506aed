/**
 * The final evaluation of the speech-embedding keyword head, with the old log-mel model (models/kws)
 * on the same audio, on:
 *   - the validation set (festival kd + HTS slt: the voices the detector was calibrated and the epoch
 *     selected on, so these numbers are optimistic), and
 *   - the RESERVED test set (every flite voice + festival kal), built here on first use and read by
 *     no other script.
 * Per set: keyword recall on the continuous keyword stream, false accepts per hour on ≥ 30 min of
 * keyword-free speech with near misses and on 60 min of noise, median delay after the word ends;
 * new model float and quantized (int8-weights .tflite in tfjs-tflite); per-voice rows.
 *
 *   npx tsx models/kws-embed/evaluate.ts [--prepare] [--no-readme] [--front-end fp16 --set validation|test]
 *
 * `--prepare` builds the reserved test audio (if missing) and caches both sets' embeddings without
 * reading any model or scoring anything (it can run while the model trains).
 *
 * Writes models/kws-embed/report.json and the tables of models/kws-embed/README.md (between the
 * `report:start` / `report:end` markers).
 *
 * `--front-end CHOICE` (front-end.ts) scores the shipped head with embeddings from another front end
 * than the one it was trained with (e.g. `fp16`, the float16-weights embedding file): new model only,
 * into `report-<CHOICE>.json` (one set at a time with `--set`, merged into that file), README
 * untouched. Run `--set validation` first and look at it before `--set test`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNormalizer, featureNormFromManifest } from '../../src/features/normalize.js';
import type { ModelManifest } from '../../src/model/manifest.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { ProgressLine } from '../kws/data/progress.js';
import type { DetectorParams } from '../kws/kws-lib.js';
import { KWS_DIR, detect, detectorParamsFromManifest, streamFrames } from '../kws/kws-lib.js';
import { loadFloatWeights, runSequences } from '../model-files.js';
import { GruModel } from '../train/gru-model.js';
import { predict } from '../train/predict.js';
import { embedEvalSet } from './data-load.js';
import type { EvalStream } from './eval-data.js';
import { VAL_DIR, loadEvalSet, streamKind } from './eval-data.js';
import { FRONT_END_CHOICES, frontEndFor, type FrontEndChoice } from './front-end.js';
import type { SetScore } from './lib.js';
import { detectSteps, scoreSet } from './lib.js';
import { MODEL_DIR, MODEL_NAME } from './model-info.js';
import { evalPlans } from './plan.js';
import { TEST_DIR, TEST_PLAN, readTestSet, testVoices } from './reserved/test-set.js';
import { buildStreams } from './streams.js';

const { values } = parseArgs({
  options: {
    'no-readme': { type: 'boolean', default: false },
    /** Build the reserved test audio and cache the embeddings of both sets, score nothing (no model is read). */
    prepare: { type: 'boolean', default: false },
    /** Default: the front end the model was trained with (train-log.json). */
    'front-end': { type: 'string' },
    /** Which sets to score: validation, test or all. */
    set: { type: 'string', default: 'all' },
  },
});
const SETS = ['validation', 'test', 'all'] as const;
if (!SETS.includes(values.set as (typeof SETS)[number]))
  throw new Error(`--set: expected one of ${SETS.join(', ')}, got ${values.set}`);

const readManifest = (dir: string, file: string): ModelManifest =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as ModelManifest;

async function buildTestSetOnce(): Promise<void> {
  if (existsSync(join(TEST_DIR, 'keyword-stream.wav'))) return;
  const voices = testVoices();
  const plans = evalPlans({ ...TEST_PLAN, voices });
  const progress = new ProgressLine(
    'reserved test utterances',
    plans.reduce((s, p) => s + p.utterances.length, 0),
  );
  await buildStreams(plans, TEST_DIR, { onUtterance: () => progress.tick() });
  progress.finish();
}

interface ModelScores {
  newFloat: SetScore;
  newQuantized: SetScore;
  /** Absent when another front end than the training one is scored (`--front-end`). */
  old?: SetScore;
}

/** `--prepare`: the test audio and both sets' embeddings, so the scoring run only scores. */
async function prepare(): Promise<void> {
  const fe = await frontEndFor((values['front-end'] ?? 'shipped') as FrontEndChoice);
  await buildTestSetOnce();
  await embedEvalSet(VAL_DIR, loadEvalSet('val'), fe, 'embed validation');
  await embedEvalSet(TEST_DIR, readTestSet(), fe, 'embed test');
}

async function main(): Promise<void> {
  if (values.prepare) return prepare();
  const started = performance.now();
  const log = JSON.parse(readFileSync(join(MODEL_DIR, 'train-log.json'), 'utf8')) as {
    frontEndChoice: FrontEndChoice;
    frontEnd: string;
  };
  const choice = (values['front-end'] ?? log.frontEndChoice) as FrontEndChoice;
  if (!FRONT_END_CHOICES.includes(choice))
    throw new Error(`--front-end: expected one of ${FRONT_END_CHOICES.join(', ')}, got ${choice}`);
  // Another front end than training's: the head's numbers with it, beside (not instead of) report.json.
  const other = choice !== log.frontEndChoice;
  if (!other && values.set !== 'all')
    throw new Error('--set: report.json needs both sets; --set is for another --front-end');
  const fe = await frontEndFor(choice);
  if (!other && fe.id !== log.frontEnd)
    throw new Error(`train-log.json: front end ${log.frontEnd}, this run ${fe.id}`);
  const m = readManifest(MODEL_DIR, `${MODEL_NAME}-int8-weights-b1.json`);
  const norm = featureNormFromManifest(m)!;
  const detector = detectorParamsFromManifest(m);
  const floatModel = GruModel.fromGruWeights(loadFloatWeights(MODEL_DIR, m));
  const tflite = await loadTfliteInNode();
  const newRunner = await createTfliteRunner(tflite, new Uint8Array(readFileSync(join(MODEL_DIR, m.file))));
  const oldManifest = readManifest(KWS_DIR, 'kws-int8-weights-b1.json');
  const oldNorm = featureNormFromManifest(oldManifest)!;
  const oldDetector: DetectorParams = detectorParamsFromManifest(oldManifest);
  const oldRunner = await createTfliteRunner(
    tflite,
    new Uint8Array(readFileSync(join(KWS_DIR, oldManifest.file))),
  );

  await buildTestSetOnce();
  const allSets: { name: string; dir: string; streams: () => EvalStream[]; role: string }[] = [
    {
      name: 'validation',
      dir: VAL_DIR,
      streams: () => loadEvalSet('val'),
      role: 'festival kd + HTS slt (selection and calibration voices)',
    },
    {
      name: 'test',
      dir: TEST_DIR,
      streams: readTestSet,
      role: 'RESERVED: every flite voice + festival kal',
    },
  ];
  const sets = allSets
    .filter((s) => values.set === 'all' || values.set === s.name)
    .map((s) => ({ ...s, streams: s.streams() }));
  const results: Record<string, ModelScores> = {};
  for (const set of sets) {
    const emb = await embedEvalSet(set.dir, set.streams, fe, `embed ${set.name}`);
    const xs = emb.map((s) => {
      const x = s.x.slice();
      createNormalizer(norm)(x);
      return x;
    });
    const scored = (posts: Float32Array[], det: (p: Float32Array) => ReturnType<typeof detectSteps>) =>
      scoreSet(
        set.streams.map((s, i) => ({
          name: s.name,
          kind: streamKind(s.name),
          truth: s.truth,
          detections: det(posts[i]!),
        })),
      );
    const newFloat = scored(predict(floatModel, xs), (p) => detectSteps(p, detector));
    const newQuantized = scored(runSequences(newRunner, xs), (p) => detectSteps(p, detector));
    process.stderr.write(
      `${set.name} (${fe.id}): new recall ${newQuantized.recall.toFixed(3)} speech FA/h ${newQuantized.speechFaPerHour.toFixed(2)} noise FA/h ${newQuantized.noiseFaPerHour.toFixed(2)}; float recall ${newFloat.recall.toFixed(3)}\n`,
    );
    if (other) {
      results[set.name] = { newFloat, newQuantized };
      continue;
    }
    const oldProgress = new ProgressLine(`old model ${set.name}`, set.streams.length);
    const oldPost = set.streams.map((s) => {
      const [p] = runSequences(oldRunner, [streamFrames(s.samples, oldNorm)]);
      oldProgress.tick();
      return p!;
    });
    oldProgress.finish();
    const old = scored(oldPost, (p) => detect(p, oldDetector));
    results[set.name] = { newFloat, newQuantized, old };
    process.stderr.write(
      `${set.name}: old recall ${old.recall.toFixed(3)} speech FA/h ${old.speechFaPerHour.toFixed(2)}\n`,
    );
  }
  newRunner.dispose();
  oldRunner.dispose();
  const scoredSets = Object.fromEntries(sets.map((s) => [s.name, { role: s.role, ...results[s.name]! }]));
  const seconds = Math.round((performance.now() - started) / 1000);
  if (other) {
    // Merged per set, so the validation numbers can be read before the test set is scored.
    const file = join(MODEL_DIR, `report-${choice}.json`);
    const read = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as { model: { modelId?: string }; sets: object })
      : undefined;
    // Another model's numbers are dropped, not merged.
    const before = read?.model.modelId === m.modelId ? read : { sets: {} };
    const report = {
      format: 'kws-embed-report/1',
      model: { file: m.file, modelId: m.modelId, detector, frontEnd: fe.id, trainedWith: log.frontEnd },
      sets: { ...before.sets, ...scoredSets },
      seconds: { ...(before as { seconds?: object }).seconds, [values.set!]: seconds },
    };
    writeFileSync(file, JSON.stringify(report, null, 1) + '\n');
    process.stderr.write(`evaluate: ${file} written in ${seconds} s\n`);
    return;
  }
  const report = {
    format: 'kws-embed-report/1',
    model: { file: m.file, modelId: m.modelId, detector, frontEnd: fe.id },
    oldModel: { file: oldManifest.file, modelId: oldManifest.modelId, detector: oldDetector },
    sets: scoredSets,
    seconds,
  };
  writeFileSync(join(MODEL_DIR, 'report.json'), JSON.stringify(report, null, 1) + '\n');
  if (!values['no-readme'])
    writeReadme(report.sets as unknown as Record<string, Required<ModelScores> & { role: string }>, detector);
  process.stderr.write(`evaluate: report.json written in ${report.seconds} s\n`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const fa = (n: number, perHour: number): string => `${n} (${perHour.toFixed(1)}/h)`;
const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)} ms` : '–');

function writeReadme(
  sets: Record<string, Required<ModelScores> & { role: string }>,
  detector: DetectorParams,
): void {
  const lines: string[] = [];
  lines.push(
    `Detector (calibrated on the validation voices, quantized model): smoothing ${detector.smoothingFrames} steps (${detector.smoothingFrames * 80} ms), threshold ${detector.threshold}, suppression ${detector.suppressionMs} ms.`,
    '',
  );
  for (const [name, r] of Object.entries(sets)) {
    lines.push(
      `**${name === 'test' ? 'Reserved test set' : 'Validation set'}** (${r.role}; ${r.newQuantized.keywords} keywords in the keyword stream, ${r.newQuantized.speechMinutes.toFixed(1)} min of keyword-free speech, ${r.newQuantized.noiseMinutes.toFixed(0)} min of noise):`,
      '',
    );
    lines.push(
      '| model | keyword recall | mislabels | FA in keyword stream | FA in speech (per h) | FA in noise (per h) | delay median | delay p90 |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [label, s] of [
      ['speech-embedding head, int8 (shipped)', r.newQuantized],
      ['speech-embedding head, float', r.newFloat],
      ['old log-mel model (models/kws), int8', r.old],
    ] as const) {
      lines.push(
        `| ${label} | ${s.found}/${s.keywords} (${pct(s.recall)}) | ${s.mislabels} | ${s.keywordStreamFalseAccepts} | ${fa(s.speechFalseAccepts, s.speechFaPerHour)} | ${fa(s.noiseFalseAccepts, s.noiseFaPerHour)} | ${ms(s.medianDelayMs)} | ${ms(s.p90DelayMs)} |`,
      );
    }
    lines.push(
      '',
      'Per voice (keyword recall; false accepts in keyword-free speech, attributed to the utterance they follow):',
      '',
    );
    lines.push(
      '| voice | keywords | new recall | new FA in speech (per h) | new delay median | old recall | old FA in speech (per h) |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of r.newQuantized.perVoice) {
      const o = r.old.perVoice.find((x) => x.voice === v.voice)!;
      lines.push(
        `| ${v.voice} | ${v.keywords} | ${pct(v.recall)} | ${fa(v.speechFalseAccepts, v.speechFaPerHour)} | ${ms(v.medianDelayMs)} | ${pct(o.recall)} | ${fa(o.speechFalseAccepts, o.speechFaPerHour)} |`,
      );
    }
    const top = Object.entries(r.newQuantized.speechFalseAcceptWords)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8);
    if (top.length > 0)
      lines.push(
        '',
        `New model's false accepts in speech (label@utterance): ${top.map(([k, n]) => `${k} ×${n}`).join(', ')}.`,
      );
    lines.push('');
  }
  const file = join(MODEL_DIR, 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('<!-- report:start -->');
  const end = text.indexOf('<!-- report:end -->');
  if (start < 0 || end < 0) throw new Error(`${file}: report markers missing`);
  writeFileSync(
    file,
    `${text.slice(0, start)}<!-- report:start -->\n\n${lines.join('\n')}\n${text.slice(end)}`,
  );
}

await main();
