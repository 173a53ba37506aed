/**
 * Speech-embedding front end benchmark: CPU µs per stream per second of audio for the TypeScript mel
 * front end plus the embedding (12.5 embeddings per second of audio, one per 80 ms), at batch 1, 8
 * and 64, on tfjs-tflite (direct runner views, the shipped float file and the quantized variants)
 * and on onnxruntime-node (the ONNX twin, one intra-op thread). Configurations are measured
 * interleaved, round after round, and the median round is reported, so the noise of a shared
 * machine hits every configuration alike. Times are process CPU time (user + system, all threads:
 * what a stream costs the machine), which a busy shared machine inflates far less than wall time;
 * wall time is reported too. Prints a table; `--json FILE` writes the rows.
 *
 *   npx tsx test/bench/speech-embedding-bench.ts [--quick] [--json FILE]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SPEECH_EMBEDDING, slidingWindows } from '../../src/features/embedding-window.js';
import { parseWav } from '../../src/features/index.js';
import { SpeechMelFrontEnd, speechMelFrames } from '../../src/features/speech-mel.js';
import { createEmbeddingRunner, type EmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import {
  SPEECH_EMBEDDING_VARIANTS,
  speechEmbeddingVariant,
  variantWeightBytes,
} from '../../models/speech-embedding/variants.js';
import { median, parseBenchArgs, printTable } from './bench-util.js';

const DIR = 'models/speech-embedding';
const BATCHES = [1, 8, 64] as const;
/** One embedding per 8 frames of 10 ms. */
const EMBEDDINGS_PER_SECOND = 1000 / (SPEECH_EMBEDDING.stepFrames * 10);
const { windowSize, embeddingSize } = SPEECH_EMBEDDING;

interface Row {
  runtime: string;
  weights: string;
  batch: number;
  /** Bytes of the CONV_2D weights as the variant stores them (the ONNX row: its whole file). */
  weightBytes: number;
  /** Median CPU µs of one embedding (invoke CPU time / batch). */
  usPerEmbedding: number;
  /** Median wall-clock µs of one embedding. */
  wallUsPerEmbedding: number;
  /** Mel front end CPU µs per second of audio (same for every row). */
  melUsPerSecond: number;
  /** (mel + 12.5 embeddings) CPU µs per stream per second of audio. */
  usPerStreamSecond: number;
  /** Max |embedding − ONNX float embedding| over the benchmark windows. */
  maxAbsErrorVsOnnx: number;
  /** The same per value, divided by its dimension's standard deviation over the windows. */
  maxErrorInStd: number;
  /** Smallest cosine similarity of a window's embedding with the ONNX float one. */
  minCosine: number;
}

const args = parseBenchArgs(process.argv.slice(2));
const loadBefore = loadavg()[0]!;
const rounds = args.quick ? 3 : 9;
const wav = parseWav(new Uint8Array(readFileSync('models/kws/samples/keywords-heldout.wav')));
const audio = wav.channels[0]!.subarray(0, 16000 * 10);

interface Timing {
  /** Process CPU µs (user + system). */
  cpu: number;
  wall: number;
}

/** CPU and wall µs that `run` takes, divided by `per`. */
async function measure(per: number, run: () => unknown): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = (performance.now() - t0) * 1000;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / per, wall: wall / per };
}

// Mel: 10 s of audio pushed in 80 ms chunks, as a microphone stream would be.
function melRound(): Promise<Timing> {
  return measure(audio.length / 16000, () => {
    const fe = new SpeechMelFrontEnd();
    const out = new Float32Array(16 * 32);
    for (let i = 0; i < audio.length; i += 1280) {
      fe.push(audio.subarray(i, i + 1280));
      while (fe.pull(out) > 0);
    }
  });
}

const windows = slidingWindows(speechMelFrames(audio));
const windowCount = windows.length / windowSize;
/** Windows for one batch of `b`, taken cyclically from the clip's windows. */
function batchInput(b: number): Float32Array {
  const x = new Float32Array(b * windowSize);
  for (let i = 0; i < b; i++) {
    const w = i % windowCount;
    x.set(windows.subarray(w * windowSize, (w + 1) * windowSize), i * windowSize);
  }
  return x;
}
const inputs = new Map(BATCHES.map((b) => [b, batchInput(b)]));

interface Config {
  runtime: string;
  weights: string;
  batch: number;
  weightBytes: number;
  /** Runs `calls` invokes of one batch; returns µs per embedding. */
  time(calls: number): Promise<Timing>;
  /** Embeddings of all the clip's windows. */
  embedAll(): Promise<Float32Array>;
}

const tflite = await loadTfliteInNode();
const configs: Config[] = [];
const tfliteRunners: EmbeddingRunner[] = [];
const floatFile = new Uint8Array(readFileSync(`${DIR}/embedding_model.tflite`));
for (const variant of SPEECH_EMBEDDING_VARIANTS) {
  const bytes = speechEmbeddingVariant(floatFile, variant);
  for (const batch of BATCHES) {
    const runner = await createEmbeddingRunner(tflite, bytes, { batchSizes: [batch] });
    tfliteRunners.push(runner);
    const x = inputs.get(batch)!;
    const y = new Float32Array(batch * embeddingSize);
    configs.push({
      runtime: 'tfjs-tflite',
      weights: variant,
      batch,
      weightBytes: variantWeightBytes(floatFile, variant),
      time: (calls) =>
        measure(calls * batch, () => {
          for (let i = 0; i < calls; i++) runner.embed(x, batch, y);
        }),
      embedAll: () => Promise.resolve(runner.embed(windows, windowCount)),
    });
  }
}

const session = await ort.InferenceSession.create(`${DIR}/embedding_model.onnx`, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const onnxRun = async (x: Float32Array, b: number): Promise<Float32Array> => {
  const out = await session.run({ input_1: new ort.Tensor('float32', x, [b, 76, 32, 1]) });
  return out[session.outputNames[0]!]!.data as Float32Array;
};
const onnxBytes = readFileSync(`${DIR}/embedding_model.onnx`).length;
for (const batch of BATCHES) {
  const x = inputs.get(batch)!;
  configs.push({
    runtime: 'onnxruntime-node',
    weights: 'float32',
    batch,
    weightBytes: onnxBytes,
    time: (calls) =>
      measure(calls * batch, async () => {
        for (let i = 0; i < calls; i++) await onnxRun(x, batch);
      }),
    embedAll: () => onnxRun(windows, windowCount),
  });
}

const reference = await onnxRun(windows, windowCount);
const std = new Float64Array(embeddingSize);
{
  const mean = new Float64Array(embeddingSize);
  for (let i = 0; i < reference.length; i++) mean[i % embeddingSize]! += reference[i]! / windowCount;
  for (let i = 0; i < reference.length; i++) {
    std[i % embeddingSize]! += (reference[i]! - mean[i % embeddingSize]!) ** 2 / windowCount;
  }
  for (let k = 0; k < embeddingSize; k++) std[k] = Math.sqrt(std[k]!);
}
interface Accuracy {
  maxAbs: number;
  maxStd: number;
  minCosine: number;
}
const accuracy = new Map<Config, Accuracy>();
for (const c of configs) {
  const e = await c.embedAll();
  const a: Accuracy = { maxAbs: 0, maxStd: 0, minCosine: 1 };
  for (let w = 0; w < windowCount; w++) {
    let dot = 0;
    let ne = 0;
    let nr = 0;
    for (let k = 0; k < embeddingSize; k++) {
      const x = e[w * embeddingSize + k]!;
      const y = reference[w * embeddingSize + k]!;
      a.maxAbs = Math.max(a.maxAbs, Math.abs(x - y));
      a.maxStd = Math.max(a.maxStd, Math.abs(x - y) / std[k]!);
      dot += x * y;
      ne += x * x;
      nr += y * y;
    }
    a.minCosine = Math.min(a.minCosine, dot / Math.sqrt(ne * nr));
  }
  accuracy.set(c, a);
}

// Warm-up (XNNPACK packs weights on the first invoke), then interleaved rounds of about 64 embeddings each.
for (const c of configs) await c.time(1);
await melRound();
const melTimes: Timing[] = [];
const times = new Map<Config, Timing[]>(configs.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) {
  melTimes.push(await melRound());
  for (const c of configs) times.get(c)!.push(await c.time(Math.max(1, Math.round(64 / c.batch))));
  process.stderr.write(`\rround ${r + 1}/${rounds}`);
}
process.stderr.write('\n');

const melUs = median(melTimes.map((t) => t.cpu));
const melWallUs = median(melTimes.map((t) => t.wall));
const rows: Row[] = configs.map((c) => {
  const us = median(times.get(c)!.map((t) => t.cpu));
  return {
    runtime: c.runtime,
    weights: c.weights,
    batch: c.batch,
    weightBytes: c.weightBytes,
    usPerEmbedding: us,
    wallUsPerEmbedding: median(times.get(c)!.map((t) => t.wall)),
    melUsPerSecond: melUs,
    usPerStreamSecond: melUs + EMBEDDINGS_PER_SECOND * us,
    maxAbsErrorVsOnnx: accuracy.get(c)!.maxAbs,
    maxErrorInStd: accuracy.get(c)!.maxStd,
    minCosine: accuracy.get(c)!.minCosine,
  };
});

// The machine is shared: say how busy it was, since every number scales with it.
const load = { cores: cpus().length, loadAverage1minBefore: loadBefore, loadAverage1minAfter: loadavg()[0]! };
console.log(
  `speech embedding, ${rounds} interleaved rounds (median), 10 s of speech, ${windowCount} windows; ` +
    `mel front end ${melUs.toFixed(0)} CPU µs (${melWallUs.toFixed(0)} wall) per second of audio; ${load.cores} cores, ` +
    `load average ${load.loadAverage1minBefore.toFixed(1)} → ${load.loadAverage1minAfter.toFixed(1)}`,
);
printTable(
  [
    'runtime',
    'weights',
    'B',
    'weight bytes',
    'CPU µs/embedding',
    'wall µs/embedding',
    'CPU µs per stream-second',
    'max |err| vs ONNX',
    'in std',
    'min cosine',
  ],
  rows.map((r) => [
    r.runtime,
    r.weights,
    r.batch,
    r.weightBytes,
    r.usPerEmbedding.toFixed(0),
    r.wallUsPerEmbedding.toFixed(0),
    r.usPerStreamSecond.toFixed(0),
    r.maxAbsErrorVsOnnx.toExponential(1),
    r.maxErrorInStd.toFixed(3),
    r.minCosine.toFixed(5),
  ]),
);
if (args.json) {
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(
    args.json,
    `${JSON.stringify({ rounds, windows: windowCount, ...load, melWallUsPerSecond: melWallUs, rows }, null, 2)}\n`,
  );
  console.log(`wrote ${args.json}`);
}
for (const r of tfliteRunners) r.dispose();
await session.release();
