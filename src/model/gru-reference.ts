/**
 * The reference GRU step: plain TypeScript, float64 accumulation, the oracle every test compares
 * runners against. Written for clarity, not speed; never used in the hot path.
 *
 * Gate order is z (update), r (reset), n (candidate), as in Keras. Two forms:
 * - `reset_after` (Keras default, cuDNN-compatible): n = tanh(Wx_n·x + bx_n + r ⊙ (Wh_n·h + bh_n))
 * - `classic` (what `tf.layers.gru` in tfjs trains): n = tanh(Wx_n·x + bx_n + Wh_n·(r ⊙ h) + bh_n)
 * Then h' = z ⊙ h + (1 − z) ⊙ n, and the head y = softmax(Wy·h' + by) or the linear Wy·h' + by.
 */
import { GruStreamError } from '../errors.js';

export type GruForm = 'reset_after' | 'classic';
export type HeadKind = 'softmax' | 'linear';

/**
 * GRU and head weights. Matrices are row-major `[out, in]` (the TFLite FULLY_CONNECTED layout); the
 * 3H rows of `wx`, `wh`, `bx`, `bh` are the z, r and n gates in that order.
 */
export interface GruWeights {
  form: GruForm;
  head: HeadKind;
  /** I: features per frame. */
  inputSize: number;
  /** H: hidden units. */
  hiddenSize: number;
  /** C: head outputs (classes, or forecast values). */
  outputSize: number;
  /** `[3H, I]` input kernel. */
  wx: Float32Array;
  /** `[3H, H]` recurrent kernel. */
  wh: Float32Array;
  /** `[3H]` input bias. */
  bx: Float32Array;
  /** `[3H]` recurrent bias (inside the reset product for the n gate in `reset_after`). */
  bh: Float32Array;
  /** `[C, H]` head kernel. */
  wy: Float32Array;
  /** `[C]` head bias. */
  by: Float32Array;
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/**
 * One GRU step for a single row.
 * @param x input frame, I floats
 * @param h hidden state in, H floats (not modified)
 * @param hOut receives h', H floats (may not alias `h`)
 * @param y receives the head output, C floats
 */
export function referenceStep(
  w: GruWeights,
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  hOut: Float32Array,
  y: Float32Array,
): void {
  const I = w.inputSize;
  const H = w.hiddenSize;
  const C = w.outputSize;
  const dot = (m: Float32Array, row: number, n: number, v: ArrayLike<number>): number => {
    let s = 0;
    const o = row * n;
    for (let k = 0; k < n; k++) s += (m[o + k] as number) * (v[k] as number);
    return s;
  };
  const z = new Float64Array(H);
  const r = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    z[j] = sigmoid(dot(w.wx, j, I, x) + w.bx[j]! + dot(w.wh, j, H, h) + w.bh[j]!);
    r[j] = sigmoid(dot(w.wx, H + j, I, x) + w.bx[H + j]! + dot(w.wh, H + j, H, h) + w.bh[H + j]!);
  }
  const rh = new Float64Array(H);
  for (let j = 0; j < H; j++) rh[j] = r[j]! * (h[j] as number);
  for (let j = 0; j < H; j++) {
    const row = 2 * H + j;
    const xPart = dot(w.wx, row, I, x) + w.bx[row]!;
    const hPart =
      w.form === 'reset_after'
        ? r[j]! * (dot(w.wh, row, H, h) + w.bh[row]!)
        : dot(w.wh, row, H, rh) + w.bh[row]!;
    const n = Math.tanh(xPart + hPart);
    hOut[j] = z[j]! * (h[j] as number) + (1 - z[j]!) * n;
  }
  const logits = new Float64Array(C);
  for (let c = 0; c < C; c++) logits[c] = dot(w.wy, c, H, hOut) + w.by[c]!;
  if (w.head === 'linear') {
    for (let c = 0; c < C; c++) y[c] = logits[c]!;
    return;
  }
  let max = -Infinity;
  for (let c = 0; c < C; c++) max = Math.max(max, logits[c]!);
  let sum = 0;
  for (let c = 0; c < C; c++) sum += Math.exp(logits[c]! - max);
  for (let c = 0; c < C; c++) y[c] = Math.exp(logits[c]! - max) / sum;
}

/**
 * Runs the reference over a whole sequence, carrying the state.
 * @param frames T × I floats, row-major
 * @param h0 initial state (default zeros)
 * @returns per-frame outputs (T × C) and states (T × H)
 */
export function referenceSequence(
  w: GruWeights,
  frames: Float32Array,
  h0?: Float32Array,
): { y: Float32Array; h: Float32Array } {
  const { inputSize: I, hiddenSize: H, outputSize: C } = w;
  const T = frames.length / I;
  const ys = new Float32Array(T * C);
  const hs = new Float32Array(T * H);
  let h = h0 ?? new Float32Array(H);
  for (let t = 0; t < T; t++) {
    const hOut = hs.subarray(t * H, (t + 1) * H);
    referenceStep(w, frames.subarray(t * I, (t + 1) * I), h, hOut, ys.subarray(t * C, (t + 1) * C));
    h = hOut;
  }
  return { y: ys, h: hs };
}

/** Throws unless every array of `w` has the length its sizes imply. */
export function checkWeights(w: GruWeights): void {
  const { inputSize: I, hiddenSize: H, outputSize: C } = w;
  const expect: [keyof GruWeights, number][] = [
    ['wx', 3 * H * I],
    ['wh', 3 * H * H],
    ['bx', 3 * H],
    ['bh', 3 * H],
    ['wy', C * H],
    ['by', C],
  ];
  for (const [k, n] of expect) {
    const a = w[k] as Float32Array;
    if (!(a instanceof Float32Array) || a.length !== n) {
      const got = a instanceof Float32Array ? `${a.length} floats` : typeof a;
      throw new GruStreamError(
        'E_ARGUMENT',
        `GRU weights '${k}': expected ${n} floats (I=${I}, H=${H}, C=${C}), got ${got}`,
      );
    }
  }
}
