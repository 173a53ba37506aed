/**
 * {@link ModelRunner} in plain TypeScript: each row goes through `referenceStep`, the oracle.
 *
 * Slow (float64, no SIMD) but exact and dependency-free, so the engine can be tested without WASM and
 * still run where no TFLite runtime loads.
 */
import { GruStreamError } from '../errors.js';
import type { GruWeights } from '../model/gru-reference.js';
import { checkWeights, referenceStep } from '../model/gru-reference.js';
import type { ModelRunner } from './runner.js';

/** Per-row views of the four buffers, built once so `invoke()` allocates nothing. */
interface RowViews {
  x: Float32Array[];
  h: Float32Array[];
  y: Float32Array[];
  hOut: Float32Array[];
}

/** A ModelRunner that computes every row with {@link referenceStep}; owns its buffers. */
export class ReferenceRunner implements ModelRunner {
  readonly kind = 'reference';
  readonly batch: number;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  private readonly buffers: { x: Float32Array; h: Float32Array; y: Float32Array; hOut: Float32Array };
  private readonly rows: RowViews;
  private disposed = false;

  /**
   * @param weights GRU and head weights (checked for consistent sizes; not copied, do not mutate)
   * @param batch rows per invoke, an integer ≥ 1
   */
  constructor(
    private readonly weights: GruWeights,
    batch: number,
  ) {
    checkWeights(weights);
    if (!Number.isInteger(batch) || batch < 1) {
      throw new GruStreamError('E_ARGUMENT', `reference runner batch: expected an integer ≥ 1, got ${batch}`);
    }
    this.batch = batch;
    this.inputSize = weights.inputSize;
    this.hiddenSize = weights.hiddenSize;
    this.outputSize = weights.outputSize;
    const { inputSize: I, hiddenSize: H, outputSize: C } = this;
    this.buffers = {
      x: new Float32Array(batch * I),
      h: new Float32Array(batch * H),
      y: new Float32Array(batch * C),
      hOut: new Float32Array(batch * H),
    };
    const split = (a: Float32Array, n: number): Float32Array[] =>
      Array.from({ length: batch }, (_, r) => a.subarray(r * n, (r + 1) * n));
    this.rows = {
      x: split(this.buffers.x, I),
      h: split(this.buffers.h, H),
      y: split(this.buffers.y, C),
      hOut: split(this.buffers.hOut, H),
    };
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
    this.live();
    const { x, h, y, hOut } = this.rows;
    for (let r = 0; r < this.batch; r++) {
      referenceStep(this.weights, x[r]!, h[r]!, hOut[r]!, y[r]!);
    }
  }

  dispose(): void {
    this.disposed = true;
  }

  private live(): ReferenceRunner['buffers'] {
    if (this.disposed) throw new GruStreamError('E_DISPOSED', 'reference runner was disposed');
    return this.buffers;
  }
}
