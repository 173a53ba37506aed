/**
 * Seeded randomness for reproducible test models, calibration data and tests. Not cryptographic.
 */
import type { GruForm, GruWeights, HeadKind } from './gru-reference.js';

/** A seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform source (Box–Muller). */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
}

/** `n` standard-normal floats times `scale`. */
export function randomNormal(n: number, seed: number, scale = 1): Float32Array {
  const g = gaussian(mulberry32(seed));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g() * scale;
  return out;
}

export interface RandomGruOptions {
  form?: GruForm;
  head?: HeadKind;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  seed: number;
}

/**
 * Deterministic GRU weights that look like trained ones rather than i.i.d. noise: Glorot-scaled
 * kernels whose rows get norms spread over a 4× range (trained GRUs have that spread, and it is what
 * makes per-tensor int8 hard), and small biases with a positive update-gate bias (slow forgetting).
 */
export function randomGruWeights(o: RandomGruOptions): GruWeights {
  const { inputSize: I, hiddenSize: H, outputSize: C, seed } = o;
  const rand = mulberry32(seed);
  const g = gaussian(rand);
  const matrix = (rows: number, cols: number): Float32Array => {
    const m = new Float32Array(rows * cols);
    const base = Math.sqrt(2 / (rows / 3 + cols));
    for (let r = 0; r < rows; r++) {
      const rowScale = base * (0.5 + 1.5 * rand());
      for (let c = 0; c < cols; c++) m[r * cols + c] = g() * rowScale;
    }
    return m;
  };
  const bias = (n: number, scale: number, offsetZ = 0): Float32Array => {
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) b[i] = g() * scale + (i < H ? offsetZ : 0);
    return b;
  };
  return {
    form: o.form ?? 'reset_after',
    head: o.head ?? 'softmax',
    inputSize: I,
    hiddenSize: H,
    outputSize: C,
    wx: matrix(3 * H, I),
    wh: matrix(3 * H, H),
    bx: bias(3 * H, 0.1, 0.5),
    bh: bias(3 * H, 0.1),
    wy: matrix(C, H).map((v) => v * 2),
    by: bias(C, 0.1),
  };
}
