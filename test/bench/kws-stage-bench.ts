/**
 * The two-stage keyword path end to end: N streams of 16 kHz audio → speech mel on the main thread →
 * `inferMany` → one worker: speech embedding (batched over every stream that is due) + GRU head.
 * Reports the cost per stream per second of audio, for the client's mel and for the worker.
 *
 *   npx tsx test/bench/kws-stage-bench.ts [--quick] [--json FILE]
 *
 * The GRU head is a seeded random one (I = 96, H = 64, C = 12, int8-weights): its cost is small next
 * to the embedding's, and the numbers do not depend on what it learned.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { createEngine, inferMany, isChunkFailure } from '../../src/node.js';
import { SpeechMelFrontEnd, SPEECH_MEL } from '../../src/features/speech-mel.js';
import { parseWav, toMono } from '../../src/features/wav.js';
import { exportGruModel } from '../../src/model/export.js';
import { speechEmbeddingFeatures } from '../../src/model/manifest.js';
import { randomGruWeights } from '../../src/model/random.js';
import { sha256Hex } from '../../src/model/sha256.js';
import { parseBenchArgs, printTable } from './bench-util.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const EMBEDDING = join(ROOT, 'models/speech-embedding/embedding_model.tflite');
const CHUNK_MS = 100;

/** Writes a random speech-embedding head (B = 1, 8, 64) into `dir`; returns the B = 1 path and siblings. */
function writeHead(dir: string): string[] {
  const features = speechEmbeddingFeatures(
    'embedding_model.tflite',
    sha256Hex(new Uint8Array(readFileSync(EMBEDDING))),
  );
  const w = randomGruWeights({ inputSize: 96, hiddenSize: 64, outputSize: 12, seed: 5 });
  return exportGruModel(w, { name: 'bench-head', batches: [1, 8, 64], features }).map((f) => {
    writeFileSync(join(dir, f.fileName), f.bytes);
    writeFileSync(join(dir, f.fileName.replace(/\.tflite$/, '.json')), JSON.stringify(f.manifest));
    return join(dir, f.fileName);
  });
}

/** Mel chunks of `samples` (one per CHUNK_MS of audio), and the main-thread time that took. */
function melChunks(samples: Float32Array): { chunks: Float32Array[]; ms: number } {
  const t0 = performance.now();
  const mel = new SpeechMelFrontEnd();
  const step = (SPEECH_MEL.sampleRate * CHUNK_MS) / 1000;
  const chunks: Float32Array[] = [];
  for (let at = 0; at < samples.length; at += step) {
    mel.push(samples.subarray(at, at + step));
    const frames = new Float32Array(mel.pending * SPEECH_MEL.melBins);
    if (mel.pull(frames) > 0) chunks.push(frames);
  }
  return { chunks, ms: performance.now() - t0 };
}

interface Row {
  streams: number;
  frontEndBatches: string;
  audioSecondsPerStream: number;
  embeddings: number;
  wallS: number;
  workerUsPerStreamSecond: number;
  melUsPerStreamSecond: number;
}

async function run(models: string[], streams: number, seconds: number, batches: number[]): Promise<Row> {
  const wav = parseWav(new Uint8Array(readFileSync(join(ROOT, 'models/kws/samples/keywords-heldout.wav'))));
  const audio = toMono(wav.channels).subarray(0, Math.round(seconds * 16000));
  const { chunks, ms: melMs } = melChunks(audio);
  const engine = await createEngine({ models, frontEnd: EMBEDDING, frontEndBatchSizes: batches });
  try {
    // Round-robin: chunk k of every stream, then chunk k + 1, as live microphones would send them.
    const all = [];
    for (let k = 0; k < chunks.length; k++)
      for (let s = 0; s < streams; s++) all.push({ stream: `mic-${s}`, frames: chunks[k]!.slice() });
    const t0 = performance.now();
    const out = await lastValueFrom(from(all).pipe(inferMany(engine), toArray()));
    const wallS = (performance.now() - t0) / 1000;
    const failed = out.filter(isChunkFailure).length;
    if (failed > 0) throw new Error(`${failed} chunks failed`);
    const streamSeconds = streams * (audio.length / 16000);
    return {
      streams,
      frontEndBatches: batches.join('/'),
      audioSecondsPerStream: audio.length / 16000,
      embeddings: out.length,
      wallS,
      workerUsPerStreamSecond: (wallS * 1e6) / streamSeconds,
      melUsPerStreamSecond: (melMs * 1e3) / (audio.length / 16000),
    };
  } finally {
    await engine.dispose();
  }
}

const args = parseBenchArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'kws-stage-bench-'));
try {
  const models = writeHead(dir);
  const plan: [number, number, number[]][] = args.quick
    ? [
        [1, 3, [1]],
        [100, 1.6, [1, 8]],
      ]
    : [
        [1, 10, [1]],
        [100, 1.6, [1]],
        [100, 1.6, [1, 8]],
        [100, 1.6, [1, 8, 64]],
        [1000, 1.6, [1, 8, 64]],
      ];
  const rows: Row[] = [];
  for (const [streams, seconds, batches] of plan) {
    rows.push(await run(models, streams, seconds, batches));
    console.error(`done: ${streams} streams, front-end batches ${batches.join('/')}`);
  }
  printTable(
    [
      'streams',
      'embedding B',
      's audio/stream',
      'GRU steps',
      'wall s',
      'µs/stream-s (worker)',
      'µs/stream-s (mel)',
    ],
    rows.map((r) => [
      r.streams,
      r.frontEndBatches,
      r.audioSecondsPerStream.toFixed(1),
      r.embeddings,
      r.wallS.toFixed(2),
      Math.round(r.workerUsPerStreamSecond).toLocaleString('en-US'),
      Math.round(r.melUsPerStreamSecond).toLocaleString('en-US'),
    ]),
  );
  if (args.json) {
    const env = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model };
    writeFileSync(
      args.json,
      JSON.stringify({ bench: 'kws-stage', date: new Date().toISOString(), environment: env, rows }, null, 2),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
