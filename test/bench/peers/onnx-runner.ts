/**
 * {@link ModelRunner}s over ONNX Runtime (native `onnxruntime-node`, WASM `onnxruntime-web`) running
 * the ONNX `GRU` step of {@link onnxGruStepModel}: benchmark peers of our tfjs-tflite runner.
 *
 * ORT's `session.run()` is asynchronous (onnxruntime-node runs the native call in a `setImmediate`),
 * so these runners add {@link AsyncModelRunner.invokeAsync} and their synchronous `invoke()` throws.
 *
 * Buffers: `x` and `h` back the input tensors, which are made once and fed on every run (ORT reads
 * the typed arrays at run time). onnxruntime-node also writes the outputs into our `y` and `hOut`
 * (pre-allocated fetches); onnxruntime-web 1.30 does not (it leaves pre-allocated CPU outputs
 * untouched, microsoft/onnxruntime#25786), so there the results are copied in after each run.
 */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { GruStreamError } from '../../../src/errors.js';
import type { GruWeights } from '../../../src/model/gru-reference.js';
import type { ModelRunner } from '../../../src/runtime/runner.js';
import { ONNX_STEP_NAMES, onnxGruStepModel } from './onnx-gru.js';

/** A ModelRunner whose step is asynchronous: call {@link AsyncModelRunner.invokeAsync}, not `invoke()`. */
export interface AsyncModelRunner extends ModelRunner {
  /** Runs one step for all `batch` rows; outputs are in `y` and `hOut` when it resolves. */
  invokeAsync(): Promise<void>;
  /** Releases the session and waits for it. */
  disposeAsync(): Promise<void>;
}

type OrtKind = 'onnxruntime-node' | 'onnxruntime-web';
/** The `Tensor` constructor of either package (both come from `onnxruntime-common`). */
type TensorCtor = new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;

class OnnxRunner implements AsyncModelRunner {
  readonly batch: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly x: Float32Array;
  readonly h: Float32Array;
  readonly y: Float32Array;
  readonly hOut: Float32Array;
  private readonly feeds: InferenceSession.FeedsType;
  /** Pre-allocated output tensors over `y` / `hOut`, or undefined where ORT would not fill them. */
  private readonly fetches: InferenceSession.FetchesType | undefined;
  private running = false;
  private released: Promise<void> | undefined;

  constructor(
    readonly kind: OrtKind,
    private readonly session: InferenceSession,
    TensorClass: TensorCtor,
    w: GruWeights,
    batch: number,
    preallocateOutputs: boolean,
  ) {
    const { inputSize: I, hiddenSize: H, outputSize: C } = w;
    this.batch = batch;
    this.inputSize = I;
    this.hiddenSize = H;
    this.outputSize = C;
    this.x = new Float32Array(batch * I);
    this.h = new Float32Array(batch * H);
    this.y = new Float32Array(batch * C);
    this.hOut = new Float32Array(batch * H);
    const n = ONNX_STEP_NAMES;
    this.feeds = {
      [n.x]: new TensorClass('float32', this.x, [batch, I]),
      [n.h]: new TensorClass('float32', this.h, [batch, H]),
    };
    this.fetches = preallocateOutputs
      ? {
          [n.y]: new TensorClass('float32', this.y, [batch, C]),
          [n.hOut]: new TensorClass('float32', this.hOut, [batch, H]),
        }
      : undefined;
  }

  invoke(): void {
    throw new GruStreamError(
      'E_RUNTIME',
      `${this.kind} runs asynchronously: call invokeAsync() instead of invoke() on this runner`,
    );
  }

  async invokeAsync(): Promise<void> {
    if (this.released)
      throw new GruStreamError('E_DISPOSED', `invokeAsync() on a disposed ${this.kind} runner`);
    // One run at a time: the input and output buffers are shared by every run.
    if (this.running) {
      throw new GruStreamError(
        'E_RUNTIME',
        `${this.kind}: invokeAsync() while the previous run is in flight`,
      );
    }
    this.running = true;
    try {
      const out = this.fetches
        ? await this.session.run(this.feeds, this.fetches)
        : await this.session.run(this.feeds);
      if (!this.fetches) {
        this.y.set(floatData(out, ONNX_STEP_NAMES.y, this.kind));
        this.hOut.set(floatData(out, ONNX_STEP_NAMES.hOut, this.kind));
      }
    } catch (e) {
      if (e instanceof GruStreamError) throw e;
      throw new GruStreamError('E_RUNTIME', `${this.kind} run failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** Starts releasing the session; a failure surfaces as a rejection of {@link OnnxRunner.disposeAsync}. */
  dispose(): void {
    this.released ??= this.session.release();
  }

  disposeAsync(): Promise<void> {
    this.dispose();
    return this.released!;
  }
}

function floatData(out: InferenceSession.OnnxValueMapType, name: string, kind: OrtKind): Float32Array {
  const data = out[name]?.data;
  if (!(data instanceof Float32Array)) {
    throw new GruStreamError('E_RUNTIME', `${kind}: output '${name}' missing or not float32`);
  }
  return data;
}

/** Single-threaded, fully optimized sessions: the tfjs-tflite runner it is compared with uses one thread. */
const SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
} as const satisfies InferenceSession.SessionOptions;

/**
 * A runner on the native CPU build of ONNX Runtime (`onnxruntime-node`).
 * @param w GRU weights; `w.form` picks `linear_before_reset`
 * @param batch rows per run
 */
export async function createOnnxNodeRunner(w: GruWeights, batch: number): Promise<AsyncModelRunner> {
  const session = await createSession('onnxruntime-node', () =>
    ortNode.InferenceSession.create(onnxGruStepModel(w, batch), {
      ...SESSION_OPTIONS,
      executionProviders: ['cpu'],
    }),
  );
  return new OnnxRunner('onnxruntime-node', session, ortNode.Tensor, w, batch, true);
}

/**
 * A runner on the WASM build of ONNX Runtime (`onnxruntime-web`), here in Node.
 *
 * In Node, `onnxruntime-web` resolves (export condition `node`) to `dist/ort.node.min.mjs`, which
 * finds its `.wasm` beside itself: no `wasmPaths` needed. `numThreads = 1` keeps it off
 * `worker_threads` (and is the only fair setting against one-threaded peers); it is a global of the
 * package, read when the WASM first loads.
 * @param w GRU weights; `w.form` picks `linear_before_reset`
 * @param batch rows per run
 */
export async function createOnnxWebRunner(w: GruWeights, batch: number): Promise<AsyncModelRunner> {
  ortWeb.env.wasm.numThreads = 1;
  const session = await createSession('onnxruntime-web', () =>
    ortWeb.InferenceSession.create(onnxGruStepModel(w, batch), {
      ...SESSION_OPTIONS,
      executionProviders: ['wasm'],
    }),
  );
  return new OnnxRunner('onnxruntime-web', session, ortWeb.Tensor, w, batch, false);
}

async function createSession(
  kind: OrtKind,
  create: () => Promise<InferenceSession>,
): Promise<InferenceSession> {
  try {
    return await create();
  } catch (e) {
    throw new GruStreamError(
      'E_RUNTIME',
      `${kind} could not load the ONNX GRU step: ${(e as Error).message}`,
    );
  }
}
