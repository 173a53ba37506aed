/**
 * {@link ModelRunner} on `@tensorflow/tfjs-tflite`, using the interpreter's own tensor memory.
 *
 * `TFLiteModel.predict()` wraps every call in tfjs tensors (about 25 µs of a 27 µs call at B=1);
 * here we write straight into the interpreter's input views, call `infer()` and read its output
 * views, which costs about 2.4 µs at B=1. The package is passed in (see `tflite-node-loader.ts`
 * for Node, or the global the browser worker loaded) so this file has no platform code.
 */
import { GruStreamError } from '../errors.js';
import { readTflite } from '../model/tflite/reader.js';
import type { ModelRunner } from './runner.js';
import { STEP_TENSOR_NAMES } from '../model/tensor-names.js';

/** The parts of tfjs-tflite's runner that we use (typed in its `tflite_web_model_runner.d.ts`). */
export interface TfliteTensorInfo {
  id: number;
  dataType: string;
  name: string;
  /** Comma-separated dimensions, e.g. "8,64". */
  shape: string;
  data(): ArrayBufferView;
}
export interface TfliteWebModelRunner {
  getInputs(): TfliteTensorInfo[];
  getOutputs(): TfliteTensorInfo[];
  infer(): boolean;
  cleanUp(): void;
  getProfilingSummary(): string;
}
/** The subset of the `@tensorflow/tfjs-tflite` module this library calls. */
export interface TfliteModule {
  loadTFLiteModel(
    model: ArrayBuffer,
    options: { numThreads: number; enableProfiling?: boolean },
  ): Promise<unknown>;
  getWasmFeatures(): Promise<{ simd: boolean; multiThreading: boolean }>;
}

export interface TfliteRunnerOptions {
  /** Interpreter threads; -1 lets XNNPACK decide. Default 1 (threads gave no gain at this size). */
  numThreads?: number;
  /** Collect per-op timings (`profile()`); slows every call. Default false. */
  enableProfiling?: boolean;
}

/** A ModelRunner over one loaded .tflite GRU-step model. Build with {@link createTfliteRunner}. */
export class TfliteRunner implements ModelRunner {
  readonly kind = 'tflite';
  readonly batch: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  private views!: { x: Float32Array; h: Float32Array; y: Float32Array; hOut: Float32Array };
  private disposed = false;

  constructor(private readonly runner: TfliteWebModelRunner) {
    this.refreshViews();
    const { x, h, y } = this.views;
    const [batch, inputSize] = shapeOf(this.input(STEP_TENSOR_NAMES.x));
    const [, hiddenSize] = shapeOf(this.input(STEP_TENSOR_NAMES.h));
    const [, outputSize] = shapeOf(this.output(STEP_TENSOR_NAMES.y));
    this.batch = batch ?? 0;
    this.inputSize = inputSize ?? 0;
    this.hiddenSize = hiddenSize ?? 0;
    this.outputSize = outputSize ?? 0;
    if (x.length !== this.batch * this.inputSize || h.length !== this.batch * this.hiddenSize) {
      throw new GruStreamError(
        'E_MODEL_UNSUPPORTED',
        `input views have unexpected sizes ${x.length}, ${h.length}`,
      );
    }
    if (y.length !== this.batch * this.outputSize) {
      throw new GruStreamError('E_MODEL_UNSUPPORTED', `output y has ${y.length} floats, expected batch × C`);
    }
  }

  get x(): Float32Array {
    return this.live().x;
  }
  get h(): Float32Array {
    return this.live().h;
  }
  get y(): Float32Array {
    return this.live().y;
  }
  get hOut(): Float32Array {
    return this.live().hOut;
  }

  invoke(): void {
    if (this.disposed) throw new GruStreamError('E_DISPOSED', 'invoke() on a disposed TfliteRunner');
    if (!this.runner.infer()) throw new GruStreamError('E_RUNTIME', 'tfjs-tflite infer() returned false');
  }

  /** Per-operator timing summary from the interpreter (needs `enableProfiling`). */
  profile(): string {
    return this.runner.getProfilingSummary();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runner.cleanUp();
  }

  private live(): TfliteRunner['views'] {
    if (this.disposed) throw new GruStreamError('E_DISPOSED', 'TfliteRunner used after dispose()');
    // A view over WASM memory has byteLength 0 once the memory has grown; take fresh ones then.
    if (this.views.x.byteLength === 0 || this.views.hOut.byteLength === 0) this.refreshViews();
    return this.views;
  }

  private refreshViews(): void {
    this.views = {
      x: floatView(this.input(STEP_TENSOR_NAMES.x)),
      h: floatView(this.input(STEP_TENSOR_NAMES.h)),
      y: floatView(this.output(STEP_TENSOR_NAMES.y)),
      hOut: floatView(this.output(STEP_TENSOR_NAMES.hOut)),
    };
  }

  private input(name: string): TfliteTensorInfo {
    return find(this.runner.getInputs(), name, 'input');
  }
  private output(name: string): TfliteTensorInfo {
    return find(this.runner.getOutputs(), name, 'output');
  }
}

/**
 * Loads a GRU-step `.tflite` into tfjs-tflite and wraps it as a {@link ModelRunner}.
 * @param tflite the loaded `@tensorflow/tfjs-tflite` module (Node: `loadTfliteInNode()`)
 * @param bytes the model file
 * @throws GruStreamError E_TFLITE_FORMAT for a file that is not a valid .tflite, E_RUNTIME when
 *   the interpreter refuses it, E_MODEL_UNSUPPORTED when it is not a GRU step (tensors x, h, y, h_out)
 */
export async function createTfliteRunner(
  tflite: TfliteModule,
  bytes: Uint8Array,
  options: TfliteRunnerOptions = {},
): Promise<TfliteRunner> {
  // Parse first: a truncated or foreign file gets a named E_TFLITE_FORMAT error here, instead of
  // an opaque failure (or worse, undefined behaviour) inside the WASM interpreter.
  readTflite(bytes);
  // The interpreter copies the model into WASM memory; hand it a tight ArrayBuffer.
  const copy = bytes.slice().buffer;
  let model: unknown;
  try {
    model = await tflite.loadTFLiteModel(copy, {
      numThreads: options.numThreads ?? 1,
      enableProfiling: options.enableProfiling ?? false,
    });
  } catch (e) {
    throw new GruStreamError('E_RUNTIME', `tfjs-tflite could not load the model: ${(e as Error).message}`);
  }
  // `modelRunner` is private in the package's typings but is the documented way to the raw runner.
  const runner = (model as { modelRunner?: TfliteWebModelRunner }).modelRunner;
  if (!runner) throw new GruStreamError('E_RUNTIME', 'tfjs-tflite model has no modelRunner');
  return new TfliteRunner(runner);
}

function find(list: TfliteTensorInfo[], name: string, what: string): TfliteTensorInfo {
  const t = list.find((i) => i.name === name);
  if (!t) {
    const names = list.map((i) => i.name).join(', ');
    throw new GruStreamError('E_MODEL_UNSUPPORTED', `model has no ${what} tensor '${name}' (has: ${names})`);
  }
  return t;
}

function floatView(t: TfliteTensorInfo): Float32Array {
  const d = t.data();
  if (!(d instanceof Float32Array)) {
    throw new GruStreamError('E_MODEL_UNSUPPORTED', `tensor '${t.name}' is ${t.dataType}, expected float32`);
  }
  return d;
}

function shapeOf(t: TfliteTensorInfo): number[] {
  return t.shape.split(',').map(Number);
}
