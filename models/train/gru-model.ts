/**
 * The trainable GRU: every parameter in one Float32Array (so Adam, gradient clipping, snapshots and
 * worker sharing see one flat vector) with named views in the {@link GruWeights} layout.
 */
import { GruStreamError } from '../../src/errors.js';
import type { GruWeights, HeadKind } from '../../src/model/gru-reference.js';
import { checkWeights } from '../../src/model/gru-reference.js';
import { gaussian, mulberry32 } from '../../src/model/random.js';

/** I, H, C: features per frame, hidden units, head outputs. */
export interface GruShape {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
}

/** Named views of one parameter-shaped vector (the parameters, or their gradients). */
export interface ParamViews {
  /** `[3H, I]` input kernel, gates z, r, n. */
  wx: Float32Array;
  /** `[3H, H]` recurrent kernel. */
  wh: Float32Array;
  /** `[3H]` input bias. */
  bx: Float32Array;
  /** `[3H]` recurrent bias (inside the reset product for the n gate). */
  bh: Float32Array;
  /** `[C, H]` head kernel. */
  wy: Float32Array;
  /** `[C]` head bias. */
  by: Float32Array;
}

const ORDER = ['wx', 'wh', 'bx', 'bh', 'wy', 'by'] as const;

function sizes(s: GruShape): Record<keyof ParamViews, number> {
  const { inputSize: I, hiddenSize: H, outputSize: C } = s;
  return { wx: 3 * H * I, wh: 3 * H * H, bx: 3 * H, bh: 3 * H, wy: C * H, by: C };
}

/** Floats in the flat parameter vector. */
export function paramCount(s: GruShape): number {
  const n = sizes(s);
  return ORDER.reduce((sum, k) => sum + n[k], 0);
}

/** Views of `buf` (length {@link paramCount}) in the order wx, wh, bx, bh, wy, by. */
export function paramViews(buf: Float32Array, s: GruShape): ParamViews {
  if (buf.length !== paramCount(s)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `parameter vector: expected ${paramCount(s)} floats, got ${buf.length}`,
    );
  }
  const n = sizes(s);
  let at = 0;
  const view = (k: keyof ParamViews): Float32Array => {
    const v = buf.subarray(at, at + n[k]);
    at += n[k];
    return v;
  };
  return { wx: view('wx'), wh: view('wh'), bx: view('bx'), bh: view('bh'), wy: view('wy'), by: view('by') };
}

/** `[start, end)` float ranges of the kernels (not the biases): where weight decay applies. */
export function kernelRanges(s: GruShape): [number, number][] {
  const n = sizes(s);
  const whEnd = n.wx + n.wh;
  const wyStart = whEnd + n.bx + n.bh;
  return [
    [0, whEnd],
    [wyStart, wyStart + n.wy],
  ];
}

export interface GruInitOptions extends GruShape {
  /** Default 'softmax' (train with cross-entropy); 'linear' for regression (mean squared error). */
  head?: HeadKind;
  /** Seed of the initial weights (mulberry32). */
  seed: number;
  /** Added to the update-gate input bias so that z starts near σ(1) = 0.73: slow forgetting. Default 1. */
  updateBias?: number;
}

/** A reset-after GRU with a dense head, its parameters in one vector. */
export class GruModel implements GruShape, ParamViews {
  readonly form = 'reset_after' as const;
  readonly head: HeadKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** All parameters; the named fields are views of it. May sit on a SharedArrayBuffer. */
  readonly params: Float32Array;
  readonly wx: Float32Array;
  readonly wh: Float32Array;
  readonly bx: Float32Array;
  readonly bh: Float32Array;
  readonly wy: Float32Array;
  readonly by: Float32Array;

  /** Wraps `params` (zeros when omitted) without initialising it: see {@link GruModel.create}. */
  constructor(shape: GruShape & { head?: HeadKind }, params?: Float32Array) {
    for (const k of ['inputSize', 'hiddenSize', 'outputSize'] as const) {
      const v = shape[k];
      if (!Number.isInteger(v) || v < 1) {
        throw new GruStreamError('E_ARGUMENT', `GRU shape '${k}': expected a positive integer, got ${v}`);
      }
    }
    this.head = shape.head ?? 'softmax';
    this.inputSize = shape.inputSize;
    this.hiddenSize = shape.hiddenSize;
    this.outputSize = shape.outputSize;
    this.params = params ?? new Float32Array(paramCount(shape));
    const v = paramViews(this.params, shape);
    this.wx = v.wx;
    this.wh = v.wh;
    this.bx = v.bx;
    this.bh = v.bh;
    this.wy = v.wy;
    this.by = v.by;
  }

  /**
   * Seeded initial weights, as Keras initialises a GRU: Glorot-uniform input and head kernels, an
   * orthogonal H×H block per gate in the recurrent kernel (keeps the state's norm through time at the
   * start, so early gradients neither vanish nor explode over T=100), zero biases except the update gate.
   */
  static create(o: GruInitOptions): GruModel {
    const m = new GruModel(o);
    const { inputSize: I, hiddenSize: H, outputSize: C } = o;
    const rand = mulberry32(o.seed);
    const glorot = (dst: Float32Array, fanIn: number, fanOut: number): void => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < dst.length; i++) dst[i] = (2 * rand() - 1) * limit;
    };
    glorot(m.wx, I, 3 * H);
    glorot(m.wy, H, C);
    const g = gaussian(rand);
    for (let gate = 0; gate < 3; gate++) orthogonal(m.wh.subarray(gate * H * H, (gate + 1) * H * H), H, g);
    m.bx.fill(o.updateBias ?? 1, 0, H);
    return m;
  }

  /** A model holding a copy of `w` (which must be the reset-after form). */
  static fromGruWeights(w: GruWeights): GruModel {
    checkWeights(w);
    if (w.form !== 'reset_after') {
      throw new GruStreamError('E_ARGUMENT', `GRU weights: expected form 'reset_after', got '${w.form}'`);
    }
    const m = new GruModel(w);
    for (const k of ORDER) m[k].set(w[k]);
    return m;
  }

  /** A copy of the weights in the layout `exportGruModel` and `referenceSequence` take. */
  toGruWeights(): GruWeights {
    return {
      form: this.form,
      head: this.head,
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      outputSize: this.outputSize,
      wx: this.wx.slice(),
      wh: this.wh.slice(),
      bx: this.bx.slice(),
      bh: this.bh.slice(),
      wy: this.wy.slice(),
      by: this.by.slice(),
    };
  }

  /** An independent model with the same shape and weights. */
  clone(): GruModel {
    return new GruModel(this, this.params.slice());
  }
}

/** Fills the n×n row-major `dst` with an orthogonal matrix: Gram–Schmidt on Gaussian rows. */
function orthogonal(dst: Float32Array, n: number, g: () => number): void {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = q.subarray(i * n, (i + 1) * n);
    // A Gaussian row is almost surely independent of the earlier ones; retry the (measure-zero) rest.
    for (let norm = 0; norm < 1e-6;) {
      for (let k = 0; k < n; k++) row[k] = g();
      for (let p = 0; p < i; p++) {
        const prev = q.subarray(p * n, (p + 1) * n);
        let dot = 0;
        for (let k = 0; k < n; k++) dot += row[k]! * prev[k]!;
        for (let k = 0; k < n; k++) row[k] = row[k]! - dot * prev[k]!;
      }
      norm = Math.hypot(...row);
      for (let k = 0; k < n; k++) row[k] = row[k]! / norm;
    }
  }
  for (let i = 0; i < n * n; i++) dst[i] = q[i]!;
}
