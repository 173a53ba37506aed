/**
 * The narrow interface the engine drives: one GRU step for a fixed batch of rows.
 *
 * A runner owns four row-major float32 buffers: inputs `x[batch × inputSize]` and
 * `h[batch × hiddenSize]`, outputs `y[batch × outputSize]` and `hOut[batch × hiddenSize]`.
 * The caller writes inputs, calls {@link ModelRunner.invoke}, then reads outputs. The buffers may be
 * views into WASM memory: read them through the getters each time (never keep a view across an
 * `invoke()`), because a view goes stale when WASM memory grows.
 */
export interface ModelRunner {
  /** Which implementation this is, for logs and benchmarks. */
  readonly kind: string;
  /** Rows per invoke; unused rows are padding and their outputs are ignored. */
  readonly batch: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** Input features, `batch × inputSize` floats. */
  readonly x: Float32Array;
  /** Hidden state in, `batch × hiddenSize` floats. */
  readonly h: Float32Array;
  /** Head output (probabilities for a softmax head), `batch × outputSize` floats. */
  readonly y: Float32Array;
  /** Hidden state out, `batch × hiddenSize` floats. */
  readonly hOut: Float32Array;
  /** Runs one step for all `batch` rows. Throws a `GruStreamError` with code `E_RUNTIME` on failure. */
  invoke(): void;
  /** Frees the interpreter and its memory. Further use throws `E_DISPOSED`. */
  dispose(): void;
}
