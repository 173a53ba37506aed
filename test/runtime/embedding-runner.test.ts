/**
 * The speech-embedding stage on tfjs-tflite against the original ONNX model in onnxruntime-node, its
 * batched interpreters against batch 1, and the streamed path (audio chunks → SpeechMelFrontEnd →
 * EmbeddingWindow → EmbeddingRunner) against the whole-clip reference (mel of the whole clip,
 * windows of 76 stepped by 8, ONNX embedding).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGruStreamError } from '../../src/errors.js';
import { EmbeddingWindow, SPEECH_EMBEDDING, slidingWindows } from '../../src/features/embedding-window.js';
import { parseWav } from '../../src/features/index.js';
import { SpeechMelFrontEnd, speechMelFrames } from '../../src/features/speech-mel.js';
import { mulberry32 } from '../../src/model/random.js';
import { readTflite } from '../../src/model/tflite/reader.js';
import { setTfliteBatch } from '../../src/model/tflite/set-batch.js';
import type { EmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { createEmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';

const DIR = 'models/speech-embedding';
const { windowSize, embeddingSize } = SPEECH_EMBEDDING;
/**
 * Largest |tflite − ONNX| per embedding value. The embeddings reach ±70; XNNPACK and onnxruntime
 * sum the convolutions in different orders. Measured: 7.1e-5 (1e-6 of the largest value).
 */
const ONNX_TOLERANCE = 3e-4;

const bytes = new Uint8Array(readFileSync(`${DIR}/embedding_model.tflite`));
let runner: EmbeddingRunner;
let session: ort.InferenceSession;

async function onnxEmbed(windows: Float32Array): Promise<Float32Array> {
  const n = windows.length / windowSize;
  const out = await session.run({ input_1: new ort.Tensor('float32', windows, [n, 76, 32, 1]) });
  return out[session.outputNames[0]!]!.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function heldout(seconds: number): Float32Array {
  const wav = parseWav(new Uint8Array(readFileSync('models/kws/samples/keywords-heldout.wav')));
  return wav.channels[0]!.subarray(0, seconds * 16000);
}

beforeAll(async () => {
  runner = await createEmbeddingRunner(await loadTfliteInNode(), bytes, { batchSizes: [1, 8, 64] });
  session = await ort.InferenceSession.create(`${DIR}/embedding_model.onnx`);
});
afterAll(() => runner?.dispose());

describe('setTfliteBatch', () => {
  it('rewrites the batch of every activation and nothing else', () => {
    const before = readTflite(bytes);
    const after = readTflite(setTfliteBatch(bytes, 8));
    expect(after.tensors).toHaveLength(before.tensors.length);
    after.tensors.forEach((t, i) => {
      const b = before.tensors[i]!;
      expect(t.shape).toEqual(b.data === undefined ? [8, ...b.shape.slice(1)] : b.shape);
    });
    expect(after.tensors[after.inputs[0]!]!.shape).toEqual([8, 76, 32, 1]);
    expect(after.tensors[after.outputs[0]!]!.shape).toEqual([8, 1, 1, 96]);
    expect(after.operators).toEqual(before.operators);
  });

  it('refuses a batch that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5]) {
      let err: unknown;
      try {
        setTfliteBatch(bytes, bad);
      } catch (e) {
        err = e;
      }
      expect(isGruStreamError(err) && err.code).toBe('E_ARGUMENT');
    }
  });
});

describe('EmbeddingRunner', () => {
  const mel = speechMelFrames(heldout(12));
  const windows = slidingWindows(mel);
  const count = windows.length / windowSize;

  it('matches embedding_model.onnx on speech windows', async () => {
    expect(count).toBe(Math.floor((mel.length / 32 - 76) / 8) + 1);
    const ours = runner.embed(windows);
    expect(ours).toHaveLength(count * embeddingSize);
    expect(maxAbsDiff(ours, await onnxEmbed(windows))).toBeLessThan(ONNX_TOLERANCE);
  });

  it('gives the same embeddings through batches 64, 8 and 1 as one window at a time', async () => {
    // 137 windows = 2 × 64 + 8 + 1 covers every batch size; measured difference: 0.
    const rand = mulberry32(3);
    const many = new Float32Array(137 * windowSize);
    for (let i = 0; i < 137; i++) {
      const start = Math.floor(rand() * (count - 1)) * windowSize;
      many.set(windows.subarray(start, start + windowSize), i * windowSize);
    }
    const single = await createEmbeddingRunner(await loadTfliteInNode(), bytes);
    try {
      const one = new Float32Array(137 * embeddingSize);
      for (let i = 0; i < 137; i++)
        single.embed(many.subarray(i * windowSize, (i + 1) * windowSize), 1, one.subarray(i * embeddingSize));
      expect(maxAbsDiff(runner.embed(many, 137), one)).toBeLessThan(1e-5);
    } finally {
      single.dispose();
    }
  });

  it('rejects windows that are too short, with the counts', () => {
    let err: unknown;
    try {
      runner.embed(new Float32Array(windowSize), 2);
    } catch (e) {
      err = e;
    }
    expect(isGruStreamError(err) && err.code).toBe('E_ARGUMENT');
    expect((err as Error).message).toContain(`2 × ${windowSize}`);
  });
});

describe('streamed path vs the whole-clip reference', () => {
  it('audio chunks → mel → window → tflite equals whole-clip mel → windows → ONNX', async () => {
    const audio = heldout(8);
    const reference = await onnxEmbed(slidingWindows(speechMelFrames(audio)));

    const mel = new SpeechMelFrontEnd();
    const win = new EmbeddingWindow();
    const frames = new Float32Array(512 * 32);
    const due = new Float32Array(8 * windowSize);
    const streamed: number[] = [];
    const rand = mulberry32(11);
    for (let i = 0; i < audio.length;) {
      const n = 1 + Math.floor(rand() * 3000);
      mel.push(audio.subarray(i, i + n));
      i += n;
      const got = mel.pull(frames);
      const windows = win.push(frames.subarray(0, got * 32), due);
      if (windows > 0) streamed.push(...runner.embed(due, windows));
    }
    // flush() releases the last block, but a window needs its 76th frame, which whole blocks give.
    mel.flush();
    const got = mel.pull(frames);
    const windows = win.push(frames.subarray(0, got * 32), due);
    if (windows > 0) streamed.push(...runner.embed(due, windows));

    expect(streamed.length).toBe(reference.length);
    expect(maxAbsDiff(Float32Array.from(streamed), reference)).toBeLessThan(ONNX_TOLERANCE);
  });
});
