/**
 * The speech embedding on onnxruntime-node (a devDependency), for training scripts that embed many
 * clips: the ONNX twin of `embedding_model.tflite` runs about 9× faster natively than tfjs-tflite's
 * WASM (see README.md) and agrees with it within 3e-4 (measured 7.1e-5). Run time (the engine, the
 * PWA) uses `EmbeddingRunner` on tfjs-tflite; a head trained on these embeddings sees the same
 * numbers there to that tolerance.
 */
import * as ort from 'onnxruntime-node';
import { SPEECH_EMBEDDING, slidingWindows } from '../../src/features/embedding-window.js';
import { speechMelFrames } from '../../src/features/speech-mel.js';

export interface OnnxEmbedder {
  /** Embeds `count` windows (`count × 76 × 32` floats) → `count × 96` floats, in batches of `maxBatch`. */
  embed(windows: Float32Array, count?: number): Promise<Float32Array>;
  /** Frees the session. */
  release(): Promise<void>;
}

/**
 * @param path the ONNX file (default: the shipped `embedding_model.onnx`, relative to the repo root)
 * @param options threads: intra-op threads (default 1, so parallel jobs do not fight over cores);
 *   maxBatch: windows per run (default 256)
 */
export async function createOnnxEmbedder(
  path = 'models/speech-embedding/embedding_model.onnx',
  options: { threads?: number; maxBatch?: number } = {},
): Promise<OnnxEmbedder> {
  const threads = options.threads ?? 1;
  const maxBatch = options.maxBatch ?? 256;
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const { windowSize, embeddingSize, windowFrames, melBins } = SPEECH_EMBEDDING;
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    async embed(windows, count = Math.floor(windows.length / windowSize)) {
      const out = new Float32Array(count * embeddingSize);
      for (let done = 0; done < count; done += maxBatch) {
        const rows = Math.min(maxBatch, count - done);
        const x = windows.subarray(done * windowSize, (done + rows) * windowSize);
        const result = await session.run({
          [inputName!]: new ort.Tensor('float32', x, [rows, windowFrames, melBins, 1]),
        });
        out.set(result[outputName!]!.data as Float32Array, done * embeddingSize);
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** `embedClip` on ONNX: mel of the whole clip → windows from frames 0, 8, 16, … → embeddings. */
export async function embedClipOnnx(embedder: OnnxEmbedder, samples: Float32Array): Promise<Float32Array> {
  const windows = slidingWindows(speechMelFrames(samples));
  const count = windows.length / SPEECH_EMBEDDING.windowSize;
  return count === 0 ? new Float32Array(0) : embedder.embed(windows, count);
}
