/**
 * Batched forward pass and backpropagation through time for {@link GruModel}: the state is carried over
 * all T frames exactly as the streaming engine carries it at inference, and gradients flow through all T.
 *
 * Internally time-major (`[T, N, …]`): the N rows of one time step are contiguous, so each step's
 * recurrent product is one matrix product, and the input and head products of all N·T frames are single
 * products before and after the recurrence. The products run in {@link WasmKernels}' SIMD kernels; every
 * buffer lives in its one fixed memory, allocated once for `maxBatch × maxSteps` and reused by every
 * minibatch.
 */
import { GruStreamError } from '../../src/errors.js';
import type { GruModel } from './gru-model.js';
import { paramCount, paramViews, type ParamViews } from './gru-model.js';
import { WasmKernels } from './wasm-kernels.js';

/**
 * - `crossEntropy`: softmax cross-entropy at every frame against a class index (any head; with a
 *   'linear' head the exported model outputs logits).
 * - `mse`: squared error at every frame, averaged over the C outputs ('linear' head only).
 */
export type LossKind = 'crossEntropy' | 'mse';

/** One minibatch, sequence-major as callers hold data. Frames with weight 0 add nothing to the loss. */
export interface Minibatch {
  /** N: sequences. */
  batch: number;
  /** T: frames per sequence. */
  steps: number;
  /** `[N, T, I]` input frames. */
  inputs: Float32Array;
  /**
   * `crossEntropy`: `[N, T]` class indices (integers in [0, C); ignored where the weight is 0).
   * `mse`: `[N, T, C]` target values.
   */
  targets: Float32Array;
  /** `[N, T]` non-negative frame weights; the loss is the weighted mean over frames. */
  weights: Float32Array;
  /** `[N, H]` initial states (default zeros, as a fresh stream starts). */
  h0?: Float32Array;
}

/** Loss and accuracy of one forward pass over a minibatch. */
export interface BatchStats {
  /** Weighted mean loss per frame (per output value for `mse`). 0 when every weight is 0. */
  loss: number;
  /** Σ of the frame weights: combine batches as Σ loss·weightSum / Σ weightSum. */
  weightSum: number;
  /** `crossEntropy` only: weighted share of frames whose argmax is the target class, in [0, 1]. */
  accuracy?: number;
}

export interface BpttOptions {
  /** Largest N this instance will see (sizes the buffers). */
  maxBatch: number;
  /** Largest T this instance will see (sizes the buffers). */
  maxSteps: number;
  /** Default: 'crossEntropy' for a softmax head, 'mse' for a linear one. */
  loss?: LossKind;
}

/** Regions of the engine's kernel memory. */
type Region =
  | 'one'
  | 'params'
  | 'grad'
  | 'wxT'
  | 'whT'
  | 'wyT'
  | 'x'
  | 'gates'
  | 'dgh'
  | 'gh'
  | 'z'
  | 'r'
  | 'nn'
  | 'ghn'
  | 'hs'
  | 'out'
  | 'dy'
  | 'dh'
  | 'dhNext';

/** Forward + BPTT engine bound to one model (reads its current parameters on every forward). */
export class GruBptt {
  readonly loss: LossKind;
  private readonly model: GruModel;
  /** Largest N and T this instance takes. */
  readonly maxBatch: number;
  readonly maxSteps: number;
  private readonly k: WasmKernels;
  // Shape of the last forward pass; backward() needs it.
  private n = 0;
  private t = 0;
  private weightSum = 0;
  private ready = false;
  /** Float offsets into the kernels' heap of every region (see the sizes in the constructor). */
  private readonly at: Record<Region, number>;
  /** Parameters copied in at forward (same layout as `model.params`), and their gradients. */
  private readonly p: ParamViews;
  /** Float offsets into the heap of each parameter's copy and of its gradient. */
  private readonly pAt: Record<keyof ParamViews, number>;
  private readonly gAt: Record<keyof ParamViews, number>;
  private readonly gradAll: Float32Array;
  private readonly paramsAll: Float32Array;
  /** `[T, N, I]` inputs. */
  private readonly x: Float32Array;
  /** `[T + 1, N, H]` states; row block 0 is h0. */
  private readonly hs: Float32Array;
  /** `[T, N, C]` head outputs (probabilities for a softmax head, else linear values). */
  private readonly out: Float32Array;
  /** `[T, N, C]` loss gradient at the head's pre-activations. */
  private readonly dy: Float32Array;
  /** `[N, H]` gradient at the state through the next step. */
  private readonly dhNext: Float32Array;
  /** Transposed kernels `[I, 3H]`, `[H, 3H]`, `[H, C]`: the forward products read W along rows. */
  private readonly wxT: Float32Array;
  private readonly whT: Float32Array;
  private readonly wyT: Float32Array;
  /** `[T, N]` weights and `[T, N]` or `[T, N, C]` targets (plain JS memory: no product reads them). */
  private readonly w: Float32Array;
  private readonly target: Float32Array;
  private readonly softmaxRow: Float64Array;

  constructor(model: GruModel, options: BpttOptions) {
    const { inputSize: I, hiddenSize: H, outputSize: C } = model;
    this.model = model;
    this.loss = options.loss ?? (model.head === 'softmax' ? 'crossEntropy' : 'mse');
    if (this.loss === 'mse' && model.head !== 'linear') {
      throw new GruStreamError('E_ARGUMENT', `loss 'mse' needs a 'linear' head, got '${model.head}'`);
    }
    for (const k of ['maxBatch', 'maxSteps'] as const) {
      if (!Number.isInteger(options[k]) || options[k] < 1) {
        throw new GruStreamError(
          'E_ARGUMENT',
          `BPTT option '${k}': expected a positive integer, got ${options[k]}`,
        );
      }
    }
    this.maxBatch = options.maxBatch;
    this.maxSteps = options.maxSteps;
    const M = this.maxBatch * this.maxSteps;
    const P = paramCount(model);
    // x [T,N,I]; gates [T,N,3H]: Wx·x (no bias), in backward its gradient; dgh [T,N,3H]: gradient at
    // Wh·h + bh; gh [N,3H]: one step's Wh·h; z, r, nn, ghn [T,N,H]: cached gates and Wh_n·h + bh_n;
    // hs [T+1,N,H]: states, block 0 = h0; out, dy [T,N,C]: head outputs and their loss gradient;
    // dh, dhNext [N,H]: state gradients from the head and through the next step; one: the float 1.
    const sizes: Record<Region, number> = {
      one: 1,
      params: P,
      grad: P,
      wxT: 3 * H * I,
      whT: 3 * H * H,
      wyT: C * H,
      x: M * I,
      gates: M * 3 * H,
      dgh: M * 3 * H,
      gh: this.maxBatch * 3 * H,
      z: M * H,
      r: M * H,
      nn: M * H,
      ghn: M * H,
      hs: (this.maxSteps + 1) * this.maxBatch * H,
      out: M * C,
      dy: M * C,
      dh: this.maxBatch * H,
      dhNext: this.maxBatch * H,
    };
    // Bump allocation, each region 16-byte aligned.
    const at = {} as Record<Region, number>;
    let top = 0;
    for (const k of Object.keys(sizes) as Region[]) {
      at[k] = top;
      top += Math.ceil(sizes[k] / 4) * 4;
    }
    this.at = at;
    this.k = new WasmKernels(top);
    const heap = this.k.heap;
    heap[at.one] = 1;
    const view = (k: Region): Float32Array => heap.subarray(at[k], at[k] + sizes[k]);
    this.paramsAll = view('params');
    this.gradAll = view('grad');
    this.p = paramViews(this.paramsAll, model);
    const offsets = (base: number): Record<keyof ParamViews, number> => {
      const v = paramViews(this.paramsAll, model);
      const rel = (a: Float32Array): number => base + (a.byteOffset - this.paramsAll.byteOffset) / 4;
      return { wx: rel(v.wx), wh: rel(v.wh), bx: rel(v.bx), bh: rel(v.bh), wy: rel(v.wy), by: rel(v.by) };
    };
    this.pAt = offsets(at.params);
    this.gAt = offsets(at.grad);
    this.x = view('x');
    this.hs = view('hs');
    this.out = view('out');
    this.dy = view('dy');
    this.dhNext = view('dhNext');
    this.wxT = view('wxT');
    this.whT = view('whT');
    this.wyT = view('wyT');
    this.w = new Float32Array(M);
    this.target = new Float32Array(this.loss === 'mse' ? M * C : M);
    this.softmaxRow = new Float64Array(C);
  }

  /** Floats in a gradient vector for {@link backward} (same layout as `model.params`). */
  get gradientSize(): number {
    return this.paramsAll.length;
  }

  /**
   * Runs the GRU and the loss over a minibatch with the model's current parameters, caching what
   * {@link backward} needs.
   * @param normalizer divides the weighted loss sum (default: this batch's Σ weights). Pass the Σ over a
   *   larger batch when several engines each compute part of it, so their gradients add up.
   */
  forward(b: Minibatch, normalizer?: number): BatchStats {
    this.load(b);
    const { inputSize: I, hiddenSize: H, outputSize: C } = this.model;
    const N = b.batch;
    const T = b.steps;
    const M = N * T;
    const H3 = 3 * H;
    const { at, k, pAt } = this;
    this.paramsAll.set(this.model.params);
    transposeInto(this.p.wx, H3, I, this.wxT);
    transposeInto(this.p.wh, H3, H, this.whT);
    transposeInto(this.p.wy, C, H, this.wyT);

    k.gemm(at.gates, at.x, at.wxT, M, I, H3, I, 1, H3, H3, false);
    for (let t = 0; t < T; t++) {
      const hPrev = at.hs + t * N * H;
      const c = t * N * H;
      k.gemm(at.gh, hPrev, at.whT, N, H, H3, H, 1, H3, H3, false);
      k.forwardStep(
        at.gates + t * N * H3,
        at.gh,
        pAt.bx,
        pAt.bh,
        hPrev,
        at.z + c,
        at.r + c,
        at.nn + c,
        at.ghn + c,
        hPrev + N * H,
        N,
        H,
      );
    }
    k.gemm(at.out, at.hs + N * H, at.wyT, M, H, C, H, 1, C, C, false);
    addRowBias(this.out, M, this.p.by);
    this.ready = true;
    return this.loss === 'mse' ? this.mseLoss(M, C, normalizer) : this.crossEntropyLoss(M, C, normalizer);
  }

  /**
   * Gradients of the last {@link forward}'s loss with respect to every parameter, written (not added)
   * into `grad`, laid out as `model.params`.
   */
  backward(grad: Float32Array): void {
    if (!this.ready) throw new GruStreamError('E_ARGUMENT', 'backward() needs a forward() first');
    if (grad.length !== this.gradAll.length) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `backward: expected ${this.gradAll.length} floats, got ${grad.length}`,
      );
    }
    const { inputSize: I, hiddenSize: H, outputSize: C } = this.model;
    const N = this.n;
    const T = this.t;
    const M = N * T;
    const H3 = 3 * H;
    const { at, k, pAt, gAt } = this;
    this.gradAll.fill(0);
    // Head: dWy = dYᵀ·H, dby = Σ dY (a ones row times dY).
    k.gemm(gAt.wy, at.dy, at.hs + N * H, C, M, H, 1, C, H, H, true);
    k.gemm(gAt.by, at.one, at.dy, 1, M, C, 0, 0, C, C, true);
    this.dhNext.fill(0, 0, N * H);
    for (let t = T - 1; t >= 0; t--) {
      // dh = ∂L/∂h_t from this frame's head; dhNext carries ∂L/∂h_t through h_{t+1}.
      k.gemm(at.dh, at.dy + t * N * C, pAt.wy, N, C, H, C, 1, H, H, false);
      const c = t * N * H;
      const g = t * N * H3;
      k.backwardStep(
        at.dh,
        at.dhNext,
        at.z + c,
        at.r + c,
        at.nn + c,
        at.ghn + c,
        at.hs + c,
        at.gates + g,
        at.dgh + g,
        N,
        H,
      );
      k.gemm(at.dhNext, at.dgh + g, pAt.wh, N, H3, H, H3, 1, H, H, true);
    }
    // dWx = dGxᵀ·X, dWh = dGhᵀ·H_prev, and the biases as ones-row products.
    k.gemm(gAt.wx, at.gates, at.x, H3, M, I, 1, H3, I, I, true);
    k.gemm(gAt.bx, at.one, at.gates, 1, M, H3, 0, 0, H3, H3, true);
    k.gemm(gAt.wh, at.dgh, at.hs, H3, M, H, 1, H3, H, H, true);
    k.gemm(gAt.bh, at.one, at.dgh, 1, M, H3, 0, 0, H3, H3, true);
    grad.set(this.gradAll);
  }

  /** {@link forward} then {@link backward}: the loss, and its gradient written into `grad`. */
  lossAndGradient(b: Minibatch, grad: Float32Array, normalizer?: number): BatchStats {
    const stats = this.forward(b, normalizer);
    this.backward(grad);
    return stats;
  }

  /** Copies the last forward pass's head outputs into `dst` as `[N, T, C]` (probabilities or values). */
  readOutputs(dst: Float32Array): void {
    const { outputSize: C } = this.model;
    const N = this.n;
    const T = this.t;
    for (let i = 0; i < N; i++) {
      for (let t = 0; t < T; t++)
        dst.set(this.out.subarray((t * N + i) * C, (t * N + i + 1) * C), (i * T + t) * C);
    }
  }

  /** Copies the last forward pass's final states into `dst` as `[N, H]` (to continue a stream). */
  readFinalState(dst: Float32Array): void {
    const H = this.model.hiddenSize;
    dst.set(this.hs.subarray(this.t * this.n * H, (this.t + 1) * this.n * H));
  }

  /** Checks `b` and copies it in time-major order. */
  private load(b: Minibatch): void {
    const { inputSize: I, hiddenSize: H, outputSize: C } = this.model;
    const N = b.batch;
    const T = b.steps;
    if (!Number.isInteger(N) || N < 1 || N > this.maxBatch) {
      throw new GruStreamError('E_ARGUMENT', `minibatch: expected 1..${this.maxBatch} sequences, got ${N}`);
    }
    if (!Number.isInteger(T) || T < 1 || T > this.maxSteps) {
      throw new GruStreamError('E_ARGUMENT', `minibatch: expected 1..${this.maxSteps} steps, got ${T}`);
    }
    const tc = this.loss === 'mse' ? C : 1;
    const expect: [string, Float32Array | undefined, number][] = [
      ['inputs', b.inputs, N * T * I],
      ['targets', b.targets, N * T * tc],
      ['weights', b.weights, N * T],
      ['h0', b.h0, N * H],
    ];
    for (const [name, arr, len] of expect) {
      if (arr === undefined && name === 'h0') continue;
      if (arr?.length !== len) {
        throw new GruStreamError(
          'E_ARGUMENT',
          `minibatch '${name}': expected ${len} floats (N=${N}, T=${T}), got ${arr?.length ?? 'none'}`,
        );
      }
    }
    this.ready = false;
    this.n = N;
    this.t = T;
    const { x, w, target } = this;
    const { inputs, weights, targets } = b;
    for (let i = 0; i < N; i++) {
      for (let t = 0; t < T; t++) {
        const m = t * N + i;
        const s = i * T + t;
        for (let f = 0; f < I; f++) x[m * I + f] = inputs[s * I + f]!;
        for (let c = 0; c < tc; c++) target[m * tc + c] = targets[s * tc + c]!;
        w[m] = weights[s]!;
      }
    }
    if (b.h0) this.hs.set(b.h0);
    else this.hs.fill(0, 0, N * H);
    let sum = 0;
    for (let m = 0; m < N * T; m++) {
      const wm = this.w[m]!;
      if (!(wm >= 0) || wm === Infinity) {
        throw new GruStreamError('E_ARGUMENT', `minibatch 'weights': expected finite values ≥ 0, got ${wm}`);
      }
      sum += wm;
    }
    this.weightSum = sum;
  }

  private crossEntropyLoss(M: number, C: number, normalizer?: number): BatchStats {
    const { out, dy, w, target, softmaxRow: p } = this;
    const softmaxHead = this.model.head === 'softmax';
    const scale = lossScale(normalizer ?? this.weightSum);
    let lossSum = 0;
    let correct = 0;
    for (let m = 0; m < M; m++) {
      const o = m * C;
      let max = -Infinity;
      let arg = 0;
      for (let c = 0; c < C; c++) {
        const v = out[o + c]!;
        if (v > max) {
          max = v;
          arg = c;
        }
      }
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(out[o + c]! - max);
        p[c] = e;
        sum += e;
      }
      for (let c = 0; c < C; c++) p[c] = p[c]! / sum;
      const wm = w[m]!;
      if (wm > 0) {
        const k = target[m]!;
        if (!Number.isInteger(k) || k < 0 || k >= C) {
          throw new GruStreamError(
            'E_ARGUMENT',
            `minibatch 'targets': expected class indices in [0, ${C}), got ${k}`,
          );
        }
        lossSum -= wm * (out[o + k]! - max - Math.log(sum));
        if (arg === k) correct += wm;
        for (let c = 0; c < C; c++) dy[o + c] = wm * scale * (p[c]! - (c === k ? 1 : 0));
      } else {
        dy.fill(0, o, o + C);
      }
      if (softmaxHead) for (let c = 0; c < C; c++) out[o + c] = p[c]!;
    }
    const ws = this.weightSum;
    return { loss: lossSum * scale, weightSum: ws, accuracy: ws > 0 ? correct / ws : 0 };
  }

  private mseLoss(M: number, C: number, normalizer?: number): BatchStats {
    const { out, dy, w, target } = this;
    const scale = lossScale(normalizer ?? this.weightSum) / C;
    let lossSum = 0;
    for (let m = 0; m < M; m++) {
      const o = m * C;
      const wm = w[m]!;
      for (let c = 0; c < C; c++) {
        const e = out[o + c]! - target[o + c]!;
        if (wm > 0) lossSum += wm * e * e;
        dy[o + c] = wm > 0 ? 2 * wm * scale * e : 0;
      }
    }
    return { loss: lossSum * scale, weightSum: this.weightSum };
  }
}

/** 1 / the loss normalizer; a batch whose weights are all 0 has loss and gradient 0. */
function lossScale(normalizer: number): number {
  return normalizer > 0 ? 1 / normalizer : 0;
}

/** `dst[c, r] = src[r, c]` for a `rows × cols` matrix. */
function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
}

/** `a[m, :] += bias` for `rows` rows. */
function addRowBias(a: Float32Array, rows: number, bias: Float32Array): void {
  const n = bias.length;
  for (let m = 0; m < rows; m++) {
    const o = m * n;
    for (let k = 0; k < n; k++) a[o + k] = a[o + k]! + bias[k]!;
  }
}
