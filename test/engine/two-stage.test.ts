/**
 * The two-stage engine (speech embedding → GRU): audio pushed through the streaming mel front end in
 * chunks of any size, stepped for several streams at once, equals the whole-clip reference (mel of the
 * whole clip → windows of 76 every 8 → the same embedding model → the reference GRU); a snapshot taken
 * mid-word and restored into a new engine continues exactly; through a real worker too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/client/create-engine-node.js';
import { createEngineCore } from '../../src/engine/engine.js';
import { createTwoStageEngine } from '../../src/engine/two-stage.js';
import { slidingWindows, SPEECH_EMBEDDING } from '../../src/features/embedding-window.js';
import { parseWav, toMono } from '../../src/features/wav.js';
import { createNormalizer } from '../../src/features/normalize.js';
import type { FeatureNorm } from '../../src/features/normalize.js';
import { SpeechMelFrontEnd, speechMelFrames } from '../../src/features/speech-mel.js';
import { exportGruModel } from '../../src/model/export.js';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { speechEmbeddingFeatures } from '../../src/model/manifest.js';
import { mulberry32, randomGruWeights } from '../../src/model/random.js';
import { sha256Hex } from '../../src/model/sha256.js';
import { packChunks } from '../../src/protocol/chunk.js';
import type { EngineApi, StepResult } from '../../src/protocol/engine.js';
import type { EmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { createEmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { ReferenceRunner } from '../../src/runtime/reference-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { MODELS_DIR } from '../helpers/models.js';

const EMBEDDING_FILE = join(MODELS_DIR, 'speech-embedding', 'embedding_model.tflite');
const embeddingBytes = new Uint8Array(readFileSync(EMBEDDING_FILE));
const { melBins: BINS, embeddingSize: EMBED } = SPEECH_EMBEDDING;
const weights = randomGruWeights({ inputSize: EMBED, hiddenSize: 24, outputSize: 5, seed: 11 });
const C = weights.outputSize;
/**
 * In process both paths run the same embedding interpreter and the same reference GRU; only the
 * embedding batches differ (B = 8 and 1 vs whole-clip B = 8 and 1). Measured: 0.
 */
const IN_PROCESS_TOLERANCE = 1e-6;
/** Through the worker the GRU is the float32 `.tflite`. Measured max |Δy| 4.8e-7 on these weights. */
const WORKER_TOLERANCE = 2e-6;

/** Two utterances of the bundled sample (16 kHz): 2.4 s from 0.3 s and from 3.0 s. */
function audio(): Float32Array[] {
  const wav = parseWav(new Uint8Array(readFileSync(join(MODELS_DIR, 'kws/samples/keywords-heldout.wav'))));
  expect(wav.sampleRate).toBe(16_000);
  const mono = toMono(wav.channels);
  return [mono.slice(4_800, 4_800 + 38_400), mono.slice(48_000, 48_000 + 38_400)];
}

/**
 * The whole-clip reference: mel of the whole clip → every window → embeddings (normalised when the
 * head was trained so) → reference GRU outputs.
 */
function reference(samples: Float32Array, norm?: FeatureNorm): Float32Array {
  const embeddings = runner.embed(slidingWindows(speechMelFrames(samples)));
  if (norm !== undefined) createNormalizer(norm)(embeddings);
  return referenceSequence(weights, embeddings).y;
}

/** Mel frames of `samples` pushed through the streaming front end in random chunk sizes. */
function melChunks(samples: Float32Array, seed: number): Float32Array[] {
  const rand = mulberry32(seed);
  const mel = new SpeechMelFrontEnd();
  const chunks: Float32Array[] = [];
  for (let at = 0; at < samples.length;) {
    const n = 1 + Math.floor(rand() * 2_400);
    mel.push(samples.subarray(at, at + n));
    at += n;
    const frames = new Float32Array(mel.pending * BINS);
    if (mel.pull(frames) > 0) chunks.push(frames);
  }
  mel.flush();
  const rest = new Float32Array(mel.pending * BINS);
  if (mel.pull(rest) > 0) chunks.push(rest);
  return chunks;
}

function twoStage(): EngineApi {
  const gru = createEngineCore({
    runners: [1, 8].map((b) => new ReferenceRunner(weights, b)),
    modelId: 'test',
  });
  // The runner is shared by every engine of this file: only the last engine disposes it, in afterAll.
  return createTwoStageEngine(
    { batchSizes: runner.batchSizes, embed: (w, n, o) => runner.embed(w, n, o), dispose: () => {} },
    gru,
  );
}

/** Rows of each chunk of a result, in request order. */
function rowsOf(result: StepResult): Float32Array[] {
  let at = 0;
  return Array.from(result.outputCounts, (count) => result.outputs.slice(at * C, (at += count) * C));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let runner: EmbeddingRunner;
let clips: Float32Array[];
beforeAll(async () => {
  runner = await createEmbeddingRunner(await loadTfliteInNode(), embeddingBytes, { batchSizes: [1, 8] });
  clips = audio();
});
afterAll(() => runner.dispose());

describe('two-stage engine (speech embedding → GRU)', () => {
  it('streams chunked audio of two interleaved streams exactly like the whole-clip reference', () => {
    const engine = twoStage();
    const [a, b] = clips.map((c, k) => melChunks(c, 100 + k)) as [Float32Array[], Float32Array[]];
    const out: Record<string, Float32Array[]> = { a: [], b: [] };
    for (let k = 0; k < Math.max(a.length, b.length); k++) {
      const chunks: { stream: string; frames: Float32Array }[] = [];
      if (k < a.length) chunks.push({ stream: 'a', frames: a[k]! });
      if (k < b.length)
        chunks.push({ stream: 'b', frames: b[k]! }, ...(k + 1 < b.length && k % 3 === 0 ? [] : []));
      const result = engine.step(packChunks(chunks, BINS));
      expect(result.errors).toEqual([]);
      rowsOf(result).forEach((rows, i) => out[chunks[i]!.stream]!.push(rows));
    }
    const refA = reference(clips[0]!);
    const refB = reference(clips[1]!);
    // 2.4 s → 240 mel frames → (240 − 76) / 8 + 1 = 21 GRU steps per stream.
    expect(refA.length / C).toBe(21);
    expect(maxAbsDiff(concat(out.a!), refA)).toBeLessThan(IN_PROCESS_TOLERANCE);
    expect(maxAbsDiff(concat(out.b!), refB)).toBeLessThan(IN_PROCESS_TOLERANCE);
    expect(engine.info()).toMatchObject({
      inputSize: BINS,
      frontEnd: { kind: 'speech-embedding', stepFrames: 8 },
    });
  });

  it('a snapshot taken mid-word continues exactly in a new engine; a GRU-only or bit-flipped one is refused', () => {
    const chunks = melChunks(clips[0]!, 7);
    const cut = Math.floor(chunks.length / 2);
    const whole = twoStage();
    const uninterrupted = chunks.map(
      (frames) => rowsOf(whole.step(packChunks([{ stream: 's', frames }], BINS)))[0]!,
    );
    const first = twoStage();
    for (const frames of chunks.slice(0, cut)) first.step(packChunks([{ stream: 's', frames }], BINS));
    const saved = first.snapshot('s');
    const second = twoStage();
    second.restore('s', saved);
    const resumed = chunks
      .slice(cut)
      .map((frames) => rowsOf(second.step(packChunks([{ stream: 's', frames }], BINS)))[0]!);
    expect(maxAbsDiff(concat(resumed), concat(uninterrupted.slice(cut)))).toBe(0);
    const gruOnly = createEngineCore({ runners: [new ReferenceRunner(weights, 1)], modelId: 'test' });
    gruOnly.open('g');
    expect(() => second.restore('x', gruOnly.snapshot('g'))).toThrow(/two-stage snapshot/);
    // A checkpoint (every stream at once, as the pool's supervisor takes them) continues exactly too.
    const third = twoStage();
    expect(third.restoreCheckpoint(first.checkpoint())).toBe(1);
    const fromCheckpoint = chunks
      .slice(cut)
      .map((frames) => rowsOf(third.step(packChunks([{ stream: 's', frames }], BINS)))[0]!);
    expect(maxAbsDiff(concat(fromCheckpoint), concat(uninterrupted.slice(cut)))).toBe(0);
    const flipped = saved.slice();
    flipped[flipped.length >> 1]! ^= 0x10;
    expect(() => second.restore('y', flipped)).toThrow(/checksum mismatch/);
  });

  it('refuses a bad chunk alone, and a closed stream keeps no window', () => {
    const engine = twoStage();
    const good = melChunks(clips[0]!, 3)[0]!;
    const bad = good.slice();
    bad[5] = NaN;
    engine.open('closed');
    engine.close('closed');
    const result = engine.step(
      packChunks(
        [
          { stream: 'ok', frames: good },
          { stream: 'nan', frames: bad },
          { stream: 'closed', frames: good },
        ],
        BINS,
      ),
    );
    expect(result.errors.map((e) => [e.index, e.error.code])).toEqual([
      [1, 'E_BAD_CHUNK'],
      [2, 'E_STREAM'],
    ]);
    expect(engine.stats().openStreams).toBe(1);
  });
});

describe('two-stage engine in a worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gru-two-stage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the GRU file behind the embedding model named by its manifest (normalising as it says), and refuses another file', async () => {
    const features = speechEmbeddingFeatures('embedding_model.tflite', sha256Hex(embeddingBytes));
    // Embedding statistics as a trained head ships them: the engine normalises before the GRU.
    const rand = mulberry32(4);
    const featureNorm: FeatureNorm = {
      mean: Array.from({ length: EMBED }, () => rand() * 20 - 10),
      std: Array.from({ length: EMBED }, () => 1 + rand() * 20),
    };
    const files = exportGruModel(weights, {
      name: 'head',
      scheme: 'float32',
      batches: [1],
      features,
      postprocess: { featureNorm },
    });
    for (const f of files) {
      writeFileSync(join(dir, f.fileName), f.bytes);
      writeFileSync(join(dir, f.fileName.replace(/\.tflite$/, '.json')), JSON.stringify(f.manifest));
    }
    const model = join(dir, files[0]!.fileName);
    const engine = await createEngine({ models: [model], frontEnd: EMBEDDING_FILE });
    try {
      const chunks = melChunks(clips[1]!, 9);
      const rows: Float32Array[] = [];
      for (const frames of chunks) rows.push(await engine.batcher().push('mic', frames));
      expect(maxAbsDiff(concat(rows), reference(clips[1]!, featureNorm))).toBeLessThan(WORKER_TOLERANCE);
    } finally {
      await engine.dispose();
    }
    await expect(
      createEngine({ models: [model], frontEnd: new Uint8Array(embeddingBytes.subarray(0, 100)) }),
    ).rejects.toMatchObject({
      code: 'E_MANIFEST',
    });
    await expect(createEngine({ models: [model] })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});
