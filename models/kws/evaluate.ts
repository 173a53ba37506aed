/**
 * The keyword model's report, on held-out TEST voices only (the detector was calibrated on validation
 * voices by train.ts):
 *   - clip accuracy of the 520 test clips: float (the float64 TypeScript reference GRU on the float
 *     weights), quantized (the int8-weights .tflite in tfjs-tflite, one clip at a time), streamed (the
 *     real worker path: `infer` into a worker_threads engine with the B = 1/8/64 files, 100 ms chunks,
 *     all clips as concurrent streams, state carried);
 *   - on the continuous keyword stream (~5 min, 100 keywords): recall, mislabels, false accepts, detection
 *     delay after the word ends (median, p90), through the same code as the CLI (`detectKeywords`);
 *   - false accepts per hour on ~10 min of keyword-free speech and on ~10 min of noise;
 *   - the bundled sample and noise WAVs;
 *   - the bundled sample at 32 framing phases (models/kws/phases.ts), from a 16 kHz file and through a
 *     48 kHz audio graph and the PWA worklet's resampler.
 *
 *   npx tsx models/kws/evaluate.ts [--dir models/kws/.cache] [--model-dir models/kws] [--no-readme]
 *
 * Writes models/kws/report.json and the numbers block of models/kws/README.md (between the
 * `report:start` / `report:end` markers).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, mergeMap, range, tap } from 'rxjs';
import { detectKeywords } from '../../src/kws/pipeline.js';
import { loadKwsModel } from '../../src/kws/files-node.js';
import { createEngine } from '../../src/client/node.js';
import { inferMany } from '../../src/client/infer-multiplexed.js';
import { isChunkFailure } from '../../src/client/index.js';
import { featureNormFromManifest } from '../../src/features/normalize.js';
import { writeWav } from '../../src/features/wav.js';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { CACHE_DIR, SAMPLES_DIR } from './data/corpus.js';
import { streamNoise } from './data/stream.js';
import type { DetectorParams, StreamScore } from './kws-lib.js';
import { runSequences } from '../model-files.js';
import type { PhaseSweep } from './phases.js';
import { heldoutSampleOverPhases } from './phases.js';
import {
  FLOAT_WEIGHTS_FILE,
  KWS_DIR,
  MODEL_NAME,
  OUTPUT_LABELS,
  SHIPPED_BATCHES,
  clipDecision,
  decisionAccuracy,
  detect,
  detectorParamsFromManifest,
  loadClipSet,
  quantile,
  readFloatWeights,
  readStream,
  scoreStream,
  streamFrames,
} from './kws-lib.js';

const CHUNK_FRAMES = 10;

/** Noise-only audio for false accepts: kind, level (dBFS RMS), channel, seconds. */
const NOISE_PLAN = [
  { kind: 'white', db: -60, channel: 'wide', seconds: 120 },
  { kind: 'pink', db: -45, channel: 'wide', seconds: 120 },
  { kind: 'brown', db: -35, channel: 'band', seconds: 120 },
  { kind: 'pink', db: -25, channel: 'telephone', seconds: 120 },
  { kind: 'white', db: -30, channel: 'highpass', seconds: 120 },
] as const;

async function noiseAudio(dir: string): Promise<{ path: string; seconds: number }> {
  const path = join(dir, 'continuous', 'noise-long.wav');
  const seconds = NOISE_PLAN.reduce((s, p) => s + p.seconds, 0);
  if (existsSync(path)) return { path, seconds };
  const parts: Float32Array[] = [];
  // Far past the noise the corpus (0–60 s) and the streams (120–680 s) take from sox's sequence.
  let skip = 1000;
  for (const p of NOISE_PLAN) {
    parts.push(await streamNoise(p.kind, p.seconds, p.db, p.channel, skip));
    skip += p.seconds;
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(path, writeWav(all, 16000));
  return { path, seconds };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

interface StreamReport {
  name: string;
  minutes: number;
  keywords: number;
  found: number;
  recall: number;
  mislabels: number;
  falseAccepts: number;
  falseAcceptsPerHour: number;
  delayMedianMs: number;
  delayP90Ms: number;
  falseAcceptLabels: string[];
}

function streamReport(name: string, s: StreamScore): StreamReport {
  const hours = s.durationMs / 3_600_000;
  return {
    name,
    minutes: Math.round((s.durationMs / 60_000) * 10) / 10,
    keywords: s.keywords,
    found: s.found,
    recall: s.keywords ? s.found / s.keywords : NaN,
    mislabels: s.mislabels,
    falseAccepts: s.falseAccepts,
    falseAcceptsPerHour: Math.round((s.falseAccepts / hours) * 10) / 10,
    delayMedianMs: quantile(s.delaysMs, 0.5),
    delayP90Ms: quantile(s.delaysMs, 0.9),
    falseAcceptLabels: s.detail
      .filter((d) => d.verdict !== 'hit')
      .map((d) => `${d.label}@${d.timeMs}ms:${d.verdict}`),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: CACHE_DIR },
      'model-dir': { type: 'string', default: KWS_DIR },
      'no-readme': { type: 'boolean', default: false },
    },
  });
  const dir = String(values.dir);
  const started = performance.now();
  const modelDir = String(values['model-dir']);
  const modelPath = (b: number): string => join(modelDir, `${MODEL_NAME}-int8-weights-b${b}.tflite`);
  const b1 = loadKwsModel(modelPath(1));
  const { manifest } = b1;
  // loadKwsModel has checked both.
  const norm = featureNormFromManifest(manifest)!;
  const detector = detectorParamsFromManifest(manifest);
  const weights = readFloatWeights(join(modelDir, FLOAT_WEIGHTS_FILE));
  const C = OUTPUT_LABELS.length;
  if (JSON.stringify(manifest.labels) !== JSON.stringify(OUTPUT_LABELS))
    throw new Error('manifest labels differ');

  // ---- clips
  const test = loadClipSet(dir, 'test');
  if (JSON.stringify(test.norm) !== JSON.stringify(norm))
    throw new Error('the test features were normalised with other statistics than the manifest’s');
  const { N, T, F } = test;
  const clip = (i: number): Float32Array => test.features.subarray(i * T * F, (i + 1) * T * F);
  const floatPost = Array.from({ length: N }, (_, i) => referenceSequence(weights, clip(i)).y);

  const tflite = await loadTfliteInNode();
  const runner = await createTfliteRunner(tflite, b1.bytes);
  const quantPost = runSequences(
    runner,
    Array.from({ length: N }, (_, i) => clip(i)),
  );
  // ---- the bundled sample at 32 framing phases, as read from a file and as a browser hears it
  const samplePhases = [16_000, 48_000].map((viaRate) =>
    heldoutSampleOverPhases(runner, manifest, { viaRate }),
  );
  runner.dispose();

  const engine = await createEngine({ models: SHIPPED_BATCHES.map((b) => modelPath(b)) });
  const streamPost = Array.from({ length: N }, () => new Float32Array(T * C));
  const chunksPerClip = Math.ceil(T / CHUNK_FRAMES);
  await lastValueFrom(
    range(0, chunksPerClip).pipe(
      mergeMap((k) =>
        from(
          Array.from({ length: N }, (_, i) => ({
            stream: `clip-${i}`,
            frames: clip(i).slice(k * CHUNK_FRAMES * F, Math.min(T, (k + 1) * CHUNK_FRAMES) * F),
          })),
        ),
      ),
      inferMany(engine),
      tap((p) => {
        if (isChunkFailure(p)) throw new Error(`${p.stream}: ${p.error.message}`);
        streamPost[Number(p.stream.slice(5))]!.set(p.output, p.frame * C);
      }),
    ),
  );
  const invokes = (await engine.stats()).invokes;

  const decisions = (post: Float32Array[]): Int32Array =>
    Int32Array.from(post, (p) => clipDecision(p, detector));
  const floatDecisions = decisions(floatPost);
  const quantDecisions = decisions(quantPost);
  const streamDecisions = decisions(streamPost);
  let maxDiffQ = 0;
  let maxDiffS = 0;
  let argmaxAgree = 0;
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < T * C; k++) {
      maxDiffQ = Math.max(maxDiffQ, Math.abs(floatPost[i]![k]! - quantPost[i]![k]!));
      maxDiffS = Math.max(maxDiffS, Math.abs(streamPost[i]![k]! - quantPost[i]![k]!));
    }
    for (let t = 0; t < T; t++) {
      const am = (p: Float32Array): number => {
        let b = 0;
        for (let c = 1; c < C; c++) if (p[t * C + c]! > p[t * C + b]!) b = c;
        return b;
      };
      if (am(floatPost[i]!) === am(quantPost[i]!)) argmaxAgree++;
    }
  }
  const perClass = OUTPUT_LABELS.map((label, c) => {
    const idx = [...test.labels.keys()].filter((i) => test.labels[i] === c);
    const right = idx.filter((i) => streamDecisions[i] === c).length;
    return { label, clips: idx.length, accuracy: right / idx.length };
  });
  const confusions = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    const got = streamDecisions[i]!;
    if (got !== test.labels[i]) {
      const k = `${OUTPUT_LABELS[test.labels[i]!]}→${OUTPUT_LABELS[got]}`;
      confusions.set(k, (confusions.get(k) ?? 0) + 1);
    }
  }
  const clips = {
    count: N,
    float: decisionAccuracy(floatDecisions, test.labels),
    quantized: decisionAccuracy(quantDecisions, test.labels),
    streamed: decisionAccuracy(streamDecisions, test.labels),
    keywordOnly: {
      float: decisionAccuracy(floatDecisions, test.labels, true),
      streamed: decisionAccuracy(streamDecisions, test.labels, true),
    },
    maxAbsDiffFloatVsQuantized: maxDiffQ,
    maxAbsDiffStreamedVsQuantized: maxDiffS,
    frameArgmaxAgreementFloatVsQuantized: argmaxAgree / (N * T),
    perClass,
    topConfusions: [...confusions].sort((a, b) => b[1] - a[1]).slice(0, 10),
    invokesByBatch: invokes,
  };
  process.stderr.write(`kws eval: clips done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);

  // ---- continuous audio, through the CLI's code path (worker, 100 ms chunks)
  const noise = await noiseAudio(dir);
  const streams: { name: string; wav: string }[] = [
    { name: 'keyword stream (test voices)', wav: join(dir, 'continuous', 'keyword-stream.wav') },
    { name: 'non-keyword speech (test voices)', wav: join(dir, 'continuous', 'non-keyword.wav') },
    { name: 'noise (white/pink/brown, −60…−25 dBFS)', wav: noise.path },
    { name: 'bundled keywords-heldout.wav', wav: join(SAMPLES_DIR, 'keywords-heldout.wav') },
    { name: 'bundled noise.wav', wav: join(SAMPLES_DIR, 'noise.wav') },
  ];
  const continuous: StreamReport[] = [];
  const floatContinuous: StreamReport[] = [];
  for (const [k, s] of streams.entries()) {
    // The noise files have no .json: no keywords, every detection a false accept.
    const { samples, truth } = readStream(s.wav, { noiseOnlyWithoutJson: true });
    const { detections } = await detectKeywords(engine, b1, samples, { stream: `long-${k}` });
    continuous.push(streamReport(s.name, scoreStream(detections, truth)));
    const ref = referenceSequence(weights, streamFrames(samples, norm)).y;
    floatContinuous.push(streamReport(s.name, scoreStream(detect(ref, detector), truth)));
  }
  await engine.dispose();
  const speechHours = (continuous[0]!.minutes + continuous[1]!.minutes) / 60;
  const report = {
    model: manifest.file,
    modelId: manifest.modelId,
    detector,
    clips,
    continuous,
    floatContinuous,
    samplePhases,
    falseAcceptsPerHour: {
      speech:
        Math.round(
          ((continuous[0]!.falseAccepts + continuous[0]!.mislabels + continuous[1]!.falseAccepts) /
            speechHours) *
            10,
        ) / 10,
      noise: continuous[2]!.falseAcceptsPerHour,
    },
    seconds: Math.round((performance.now() - started) / 1000),
  };
  writeFileSync(join(modelDir, 'report.json'), JSON.stringify(report, null, 1) + '\n');
  const md = markdown(report);
  process.stdout.write(md + '\n');
  if (!values['no-readme']) {
    const readme = join(modelDir, 'README.md');
    if (existsSync(readme)) {
      const text = readFileSync(readme, 'utf8');
      const a = text.indexOf('<!-- report:start -->');
      const b = text.indexOf('<!-- report:end -->');
      if (a >= 0 && b > a) {
        writeFileSync(readme, `${text.slice(0, a)}<!-- report:start -->\n\n${md}\n\n${text.slice(b)}`);
        process.stderr.write(`kws eval: updated the numbers in ${readme}\n`);
      }
    }
  }
}

function markdown(r: {
  detector: DetectorParams;
  clips: {
    count: number;
    float: number;
    quantized: number;
    streamed: number;
    keywordOnly: { float: number; streamed: number };
    maxAbsDiffFloatVsQuantized: number;
    frameArgmaxAgreementFloatVsQuantized: number;
    perClass: { label: string; clips: number; accuracy: number }[];
    topConfusions: [string, number][];
  };
  continuous: StreamReport[];
  floatContinuous: StreamReport[];
  samplePhases: PhaseSweep[];
  falseAcceptsPerHour: { speech: number; noise: number };
}): string {
  const c = r.clips;
  const lines = [
    `Detector (calibrated on validation voices): smoothing ${r.detector.smoothingFrames} frames, threshold ` +
      `${r.detector.threshold}, suppression ${r.detector.suppressionMs} ms.`,
    '',
    `**Clips** (${c.count} test clips, held-out voices; a clip's class is the first keyword the detector fires on, ` +
      `else 'unknown' if its smoothed posterior reaches the threshold, else 'silence'):`,
    '',
    '| | float (TS reference) | quantized (tfjs-tflite) | streamed (worker, 100 ms chunks) |',
    '| --- | --- | --- | --- |',
    `| accuracy, 12 classes | ${pct(c.float)} | ${pct(c.quantized)} | ${pct(c.streamed)} |`,
    `| accuracy, keyword clips only | ${pct(c.keywordOnly.float)} | | ${pct(c.keywordOnly.streamed)} |`,
    '',
    `Quantized vs float: max |Δ posterior| ${c.maxAbsDiffFloatVsQuantized.toFixed(4)} over all clip frames, ` +
      `frame argmax agreement ${pct(c.frameArgmaxAgreementFloatVsQuantized)}.`,
    '',
    'Per class (streamed): ' + c.perClass.map((p) => `${p.label} ${pct(p.accuracy)}`).join(', ') + '.',
    'Most frequent confusions: ' + c.topConfusions.map(([k, n]) => `${k} ×${n}`).join(', ') + '.',
    '',
    '**Continuous audio** (worker path, same code as the CLI; a keyword is found when detected with its label ' +
      'between its start and 600 ms after its end; delay = detection time − word end):',
    '',
    '| audio | min | keywords found | mislabels | false accepts | FA / hour | delay median | delay p90 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.continuous.map(
      (s) =>
        `| ${s.name} | ${s.minutes} | ${s.keywords ? `${s.found}/${s.keywords} (${pct(s.recall)})` : '–'} | ` +
        `${s.keywords ? s.mislabels : '–'} | ${s.falseAccepts} | ${s.falseAcceptsPerHour} | ` +
        `${s.keywords ? `${s.delayMedianMs} ms` : '–'} | ${s.keywords ? `${s.delayP90Ms} ms` : '–'} |`,
    ),
    '',
    `False accepts per hour (mislabels included): keyword-free speech + keyword stream ` +
      `${r.falseAcceptsPerHour.speech}/h, noise ${r.falseAcceptsPerHour.noise}/h. ` +
      `The float reference on the same audio: ` +
      r.floatContinuous
        .slice(0, 3)
        .map(
          (s) =>
            `${s.name.split(' (')[0]} ${s.keywords ? `${s.found}/${s.keywords} found, ` : ''}${s.falseAccepts} FA`,
        )
        .join('; ') +
      '.',
    '',
    `**Framing phase** (the bundled sample delayed by ${r.samplePhases[0]!.phases} amounts spread over one ` +
      '10 ms hop, as a microphone starting at any sample gives; at how many delays each keyword is found; ' +
      'the 48 kHz row models a browser: up with the library’s resampler, back with the worklet’s):',
    '',
    `| path | ${r.samplePhases[0]!.keywords.map((k) => k.text).join(' | ')} |`,
    `| --- |${' --- |'.repeat(r.samplePhases[0]!.keywords.length)}`,
    ...r.samplePhases.map(
      (p) =>
        `| ${p.viaRate === 16_000 ? '16 kHz file' : `via a ${p.viaRate / 1000} kHz audio graph`} | ` +
        `${p.keywords.map((k) => `${k.found}/${p.phases}`).join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

await main();
