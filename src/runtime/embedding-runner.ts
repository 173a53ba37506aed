/**
 * The speech-embedding stage on tfjs-tflite: windows of 76 mel frames × 32 bins (from
 * `SpeechMelFrontEnd`) in, one 96-dimensional embedding per window out, through
 * `models/speech-embedding/embedding_model.tflite`.
 *
 * Like `tflite-runner.ts` it writes straight into the interpreter's input view, calls `infer()` and
 * reads the output view (no tfjs tensors). tfjs-tflite has no dynamic batch, so each batch size is
 * its own interpreter over a copy of the file with the batch dimension rewritten
 * (`setTfliteBatch`); {@link EmbeddingRunner.embed} covers any number of windows with the largest
 * batches that fit and the smallest for the rest, so no row is computed for nothing unless the
 * smallest batch is above 1. The package is passed in (Node: `loadTfliteInNode()`), so this file
 * has no platform code.
 */
import { GruStreamError } from '../errors.js';
import { SPEECH_EMBEDDING } from '../features/embedding-window.js';
import { readTflite } from '../model/tflite/reader.js';
import { setTfliteBatch } from '../model/tflite/set-batch.js';
import type { TfliteModule, TfliteTensorInfo, TfliteWebModelRunner } from './tflite-runner.js';

export { SPEECH_EMBEDDING };

export interface EmbeddingRunnerOptions {
  /**
   * Batch sizes to build an interpreter for (each costs a copy of the weights and its activations:
   * measured in the benchmark). Default [1].
   */
  batchSizes?: number[];
  /** Interpreter threads; default 1. */
  numThreads?: number;
}

/** One interpreter at one batch size, with views into its WASM memory. */
interface Slot {
  batch: number;
  runner: TfliteWebModelRunner;
  input: Float32Array;
  output: Float32Array;
}

/** Speech embeddings on tfjs-tflite. Build with {@link createEmbeddingRunner}. */
export class EmbeddingRunner {
  readonly kind = 'tflite';
  /** Batch sizes available, largest first. */
  readonly batchSizes: readonly number[];
  private disposed = false;

  /** @internal use {@link createEmbeddingRunner} */
  constructor(private readonly slots: Slot[]) {
    this.slots.sort((a, b) => b.batch - a.batch);
    this.batchSizes = this.slots.map((s) => s.batch);
  }

  /**
   * Embeds `count` windows.
   * @param windows `count × 76 × 32` floats, window-major, each window frame-major (frame t's bin m
   *   at `t·32 + m`): the frames of `SpeechMelFrontEnd`, already `dB/10 + 2`
   * @param count number of windows (default: all that `windows` holds)
   * @param out where to write `count × 96` floats (default: a new array)
   * @returns `out`, embedding i at `i·96 … i·96 + 95`
   * @throws GruStreamError E_ARGUMENT when `windows` or `out` is too short, E_RUNTIME when the
   *   interpreter fails, E_DISPOSED after {@link dispose}
   */
  embed(
    windows: Float32Array,
    count: number = Math.floor(windows.length / SPEECH_EMBEDDING.windowSize),
    out: Float32Array = new Float32Array(count * SPEECH_EMBEDDING.embeddingSize),
  ): Float32Array {
    if (this.disposed) throw new GruStreamError('E_DISPOSED', 'embed() on a disposed EmbeddingRunner');
    const { windowSize, embeddingSize } = SPEECH_EMBEDDING;
    if (!Number.isInteger(count) || count < 0 || windows.length < count * windowSize) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `embed windows: expected ${count} × ${windowSize} floats, got ${windows.length}`,
      );
    }
    if (out.length < count * embeddingSize) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `embed out: expected ≥ ${count} × ${embeddingSize} floats, got ${out.length}`,
      );
    }
    let done = 0;
    while (done < count) {
      const left = count - done;
      // Largest batch that fits, else the smallest (padded) one.
      const slot = this.slots.find((s) => s.batch <= left) ?? this.slots[this.slots.length - 1]!;
      const rows = Math.min(slot.batch, left);
      this.views(slot).input.set(windows.subarray(done * windowSize, (done + rows) * windowSize));
      // Padding rows keep whatever they held: their outputs are never read.
      if (!slot.runner.infer()) throw new GruStreamError('E_RUNTIME', 'tfjs-tflite infer() returned false');
      out.set(this.views(slot).output.subarray(0, rows * embeddingSize), done * embeddingSize);
      done += rows;
    }
    return out;
  }

  /** Frees every interpreter. Further use throws E_DISPOSED. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.slots) s.runner.cleanUp();
  }

  /** The slot's views, taken afresh when WASM memory grew (a stale view has byteLength 0). */
  private views(slot: Slot): { input: Float32Array; output: Float32Array } {
    if (slot.input.byteLength === 0 || slot.output.byteLength === 0) {
      slot.input = floatView(only(slot.runner.getInputs(), 'input'));
      slot.output = floatView(only(slot.runner.getOutputs(), 'output'));
    }
    return slot;
  }
}

/**
 * Loads `embedding_model.tflite` into tfjs-tflite once per batch size.
 * @param tflite the loaded `@tensorflow/tfjs-tflite` module (Node: `loadTfliteInNode()`)
 * @param bytes the model file (`models/speech-embedding/embedding_model.tflite`, batch 1)
 * @throws GruStreamError E_TFLITE_FORMAT for a bad file, E_MODEL_UNSUPPORTED when its input is not
 *   [B, 76, 32, 1] float32 or its output not [B, 1, 1, 96], E_RUNTIME when the interpreter refuses it,
 *   E_ARGUMENT for a bad batch size
 */
export async function createEmbeddingRunner(
  tflite: TfliteModule,
  bytes: Uint8Array,
  options: EmbeddingRunnerOptions = {},
): Promise<EmbeddingRunner> {
  const batchSizes = [...new Set(options.batchSizes ?? [1])];
  if (batchSizes.length === 0 || batchSizes.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `EmbeddingRunner batchSizes: expected integers ≥ 1, got [${batchSizes.join(', ')}]`,
    );
  }
  const graph = readTflite(bytes);
  const fileBatch = graph.tensors[graph.inputs[0]!]?.shape[0] ?? 1;
  const slots: Slot[] = [];
  try {
    for (const batch of batchSizes) {
      const file = batch === fileBatch ? bytes : setTfliteBatch(bytes, batch);
      slots.push(await loadSlot(tflite, file, batch, options.numThreads ?? 1));
    }
  } catch (e) {
    for (const s of slots) s.runner.cleanUp();
    throw e;
  }
  return new EmbeddingRunner(slots);
}

async function loadSlot(
  tflite: TfliteModule,
  file: Uint8Array,
  batch: number,
  numThreads: number,
): Promise<Slot> {
  let model: unknown;
  try {
    model = await tflite.loadTFLiteModel(file.slice().buffer, { numThreads });
  } catch (e) {
    throw new GruStreamError(
      'E_RUNTIME',
      `tfjs-tflite could not load the embedding model at batch ${batch}: ${(e as Error).message}`,
    );
  }
  // `modelRunner` is private in the package's typings but is the documented way to the raw runner.
  const runner = (model as { modelRunner?: TfliteWebModelRunner }).modelRunner;
  if (!runner) throw new GruStreamError('E_RUNTIME', 'tfjs-tflite model has no modelRunner');
  const inInfo = only(runner.getInputs(), 'input');
  const outInfo = only(runner.getOutputs(), 'output');
  const { windowFrames, melBins, embeddingSize } = SPEECH_EMBEDDING;
  const expectIn = [batch, windowFrames, melBins, 1].join();
  const expectOut = [batch, 1, 1, embeddingSize].join();
  if (inInfo.shape !== expectIn || outInfo.shape !== expectOut) {
    runner.cleanUp();
    throw new GruStreamError(
      'E_MODEL_UNSUPPORTED',
      `embedding model: expected input [${expectIn}] and output [${expectOut}], ` +
        `got [${inInfo.shape}] and [${outInfo.shape}]`,
    );
  }
  return { batch, runner, input: floatView(inInfo), output: floatView(outInfo) };
}

function only(list: TfliteTensorInfo[], what: string): TfliteTensorInfo {
  if (list.length !== 1) {
    throw new GruStreamError(
      'E_MODEL_UNSUPPORTED',
      `embedding model: expected one ${what}, got ${list.length}`,
    );
  }
  return list[0]!;
}

function floatView(t: TfliteTensorInfo): Float32Array {
  const d = t.data();
  if (!(d instanceof Float32Array)) {
    throw new GruStreamError('E_MODEL_UNSUPPORTED', `tensor '${t.name}' is ${t.dataType}, expected float32`);
  }
  return d;
}
