/**
 * A real-input FFT for power-of-two sizes, written for the log-mel front end: every table is built
 * once in the constructor and a transform allocates nothing, so it can run per audio frame in a worker.
 *
 * An N-point real transform is computed as one N/2-point complex transform of the even/odd samples
 * packed as re/im, followed by the usual split step; that halves the work of a complex FFT of size N.
 * Arithmetic is float64 throughout (V8 computes in doubles anyway; it keeps the spectrum well inside
 * the 1e-4 relative error the front end promises).
 */
import { GruStreamError } from '../errors.js';

/** True when `n` is an integer power of two (1, 2, 4, …). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

export class RealFft {
  /** Transform size N (samples in). */
  readonly size: number;
  /** Number of spectrum bins out: N/2 + 1 (DC … Nyquist). */
  readonly bins: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /**
   * cos / sin of 2πj/len for each stage len = 2, 4, … N/2 of the half-size complex FFT, j < len/2,
   * stage after stage (stage len starts at offset len/2 − 1), so each stage reads them contiguously.
   */
  private readonly stageCos: Float64Array;
  private readonly stageSin: Float64Array;
  /** cos / sin of 2πk/N, k ≤ N/2: twiddles of the real split step. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /**
   * @param size transform length N in samples; a power of two ≥ 4
   * @throws GruStreamError E_ARGUMENT when `size` is not a power of two ≥ 4
   */
  constructor(size: number) {
    if (!isPowerOfTwo(size) || size < 4) {
      throw new GruStreamError('E_ARGUMENT', `RealFft size: expected a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    this.half = size >> 1;
    this.bins = this.half + 1;
    const m = this.half;
    const bits = Math.log2(m);
    this.bitReverse = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.stageCos = new Float64Array(Math.max(1, m - 1));
    this.stageSin = new Float64Array(Math.max(1, m - 1));
    for (let len = 2; len <= m; len <<= 1) {
      for (let j = 0; j < len >> 1; j++) {
        this.stageCos[(len >> 1) - 1 + j] = Math.cos((2 * Math.PI * j) / len);
        this.stageSin[(len >> 1) - 1 + j] = Math.sin((2 * Math.PI * j) / len);
      }
    }
    this.cosFull = new Float64Array(m + 1);
    this.sinFull = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cosFull[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinFull[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
  }

  /**
   * Forward transform X[k] = Σ x[n]·e^(−2πikn/N) of `input` (length N), written as `outRe[k]`,
   * `outIm[k]` for k = 0 … N/2 (length ≥ N/2 + 1 each). The other half is the conjugate mirror.
   */
  forward(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    this.checkLengths(input.length, outRe.length, outIm.length);
    this.halfComplex(input);
    this.split((k, xr, xi) => {
      outRe[k] = xr;
      outIm[k] = xi;
    });
  }

  /**
   * Power spectrum |X[k]|² for k = 0 … N/2 of `input` (length N) into `out` (length ≥ N/2 + 1).
   * The hot path of the front end; does not allocate.
   */
  powerSpectrum(input: ArrayLike<number>, out: Float64Array | Float32Array): void {
    this.checkLengths(input.length, out.length, out.length);
    this.halfComplex(input);
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const cs = this.cosFull;
    const sn = this.sinFull;
    // Same algebra as split(), inlined: a closure call per bin would cost more than the bin itself.
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const ar = re[a]!;
      const ai = im[a]!;
      const br = re[b]!;
      const bi = im[b]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = 0.5 * (br - ar);
      const c = cs[k]!;
      const s = sn[k]!;
      const xr = er + c * or + s * oi;
      const xi = ei + c * oi - s * or;
      out[k] = xr * xr + xi * xi;
    }
  }

  private checkLengths(inLen: number, outA: number, outB: number): void {
    if (inLen !== this.size) {
      throw new GruStreamError('E_ARGUMENT', `RealFft input: expected ${this.size} samples, got ${inLen}`);
    }
    if (outA < this.bins || outB < this.bins) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `RealFft output: expected length ≥ ${this.bins}, got ${Math.min(outA, outB)}`,
      );
    }
  }

  /** Packs x[2j] + i·x[2j+1] in bit-reversed order and runs the N/2-point complex FFT in place. */
  private halfComplex(input: ArrayLike<number>): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    const rev = this.bitReverse;
    for (let j = 0; j < m; j++) {
      const r = rev[j]!;
      re[r] = input[2 * j]!;
      im[r] = input[2 * j + 1]!;
    }
    // First stage (length 2): the twiddle is 1, so no multiplications.
    for (let p = 0; p < m; p += 2) {
      const pr = re[p]!;
      const pi = im[p]!;
      const qr = re[p + 1]!;
      const qi = im[p + 1]!;
      re[p] = pr + qr;
      im[p] = pi + qi;
      re[p + 1] = pr - qr;
      im[p + 1] = pi - qi;
    }
    const cs = this.stageCos;
    const sn = this.stageSin;
    // Stage `len` reads its len/2 twiddles contiguously from offset len/2 − 1 of the stage tables.
    for (let len = 4; len <= m; len <<= 1) {
      const halfLen = len >> 1;
      const tw = halfLen - 1;
      for (let start = 0; start < m; start += len) {
        for (let j = 0; j < halfLen; j++) {
          const c = cs[tw + j]!;
          const s = sn[tw + j]!;
          const p = start + j;
          const q = p + halfLen;
          // w = e^(−2πij/len) = c − i·s
          const qr = re[q]!;
          const qi = im[q]!;
          const tr = c * qr + s * qi;
          const ti = c * qi - s * qr;
          const pr = re[p]!;
          const pi = im[p]!;
          re[q] = pr - tr;
          im[q] = pi - ti;
          re[p] = pr + tr;
          im[p] = pi + ti;
        }
      }
    }
  }

  /**
   * The split step: with Z the half-size transform, E[k] = (Z[k] + conj Z[m−k]) / 2 and
   * O[k] = (Z[k] − conj Z[m−k]) / 2i are the transforms of the even and odd samples, and
   * X[k] = E[k] + e^(−2πik/N)·O[k].
   */
  private split(emit: (k: number, re: number, im: number) => void): void {
    const m = this.half;
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const ar = this.re[a]!;
      const ai = this.im[a]!;
      const br = this.re[b]!;
      const bi = this.im[b]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = 0.5 * (br - ar);
      const c = this.cosFull[k]!;
      const s = this.sinFull[k]!;
      emit(k, er + c * or + s * oi, ei + c * oi - s * or);
    }
  }
}
