/**
 * Sample-rate conversion of a whole signal with a Blackman-windowed sinc (band-limited interpolation),
 * for WAV files that are not at the front end's rate. Not streaming: the PWA resamples live audio in
 * its own worklet.
 */
import { GruStreamError } from '../errors.js';

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side of the centre: quality vs cost (default 16). */
  halfWidth?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency, leaving room for the transition band (default 0.95). */
  rolloff?: number;
}

/** Largest number of kernel phases kept in a table; rarer rate pairs compute the kernel per tap. */
const MAX_TABLE_PHASES = 4096;

/**
 * `samples` at `fromRate` Hz as `round(n · toRate / fromRate)` samples at `toRate` Hz. Output sample i
 * sits at input time i·fromRate/toRate; samples outside the input count as 0. When downsampling, the
 * kernel is widened so content above the new Nyquist frequency is removed instead of aliased.
 * @throws GruStreamError E_ARGUMENT on a non-positive rate or option
 */
export function resample(
  samples: Float32Array,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): Float32Array {
  const halfWidth = options.halfWidth ?? 16;
  const rolloff = options.rolloff ?? 0.95;
  for (const [name, v] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
    ['halfWidth', halfWidth],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new GruStreamError('E_ARGUMENT', `resample ${name}: expected a number > 0, got ${v}`);
    }
  }
  if (!(rolloff > 0 && rolloff <= 1)) {
    throw new GruStreamError('E_ARGUMENT', `resample rolloff: expected 0 < rolloff ≤ 1, got ${rolloff}`);
  }
  if (fromRate === toRate) return samples.slice();
  const n = samples.length;
  const outLength = Math.round((n * toRate) / fromRate);
  const out = new Float32Array(outLength);
  // Cut-off in cycles per input sample ×2 (1 = input Nyquist).
  const fc = Math.min(1, toRate / fromRate) * rolloff;
  const support = halfWidth / fc;
  const taps = 2 * Math.ceil(support);
  const kernel = (x: number): number => {
    if (Math.abs(x) >= support) return 0;
    const u = x / support;
    const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
    const a = Math.PI * fc * x;
    return fc * (a === 0 ? 1 : Math.sin(a) / a) * w;
  };

  // With integer rates, t = i·M/L for M = fromRate/g, L = toRate/g: only L distinct kernel phases.
  const g = Number.isInteger(fromRate) && Number.isInteger(toRate) ? gcd(fromRate, toRate) : 0;
  const L = g > 0 ? toRate / g : 0;
  const M = g > 0 ? fromRate / g : 0;
  const table = L > 0 && L <= MAX_TABLE_PHASES ? new Float64Array(L * taps) : undefined;
  const half = taps / 2;
  if (table) {
    for (let phase = 0; phase < L; phase++) {
      for (let k = 0; k < taps; k++) table[phase * taps + k] = kernel(phase / L + half - 1 - k);
    }
  }
  const ratio = fromRate / toRate;
  for (let i = 0; i < outLength; i++) {
    let base: number;
    let phase = 0;
    let frac: number;
    if (table) {
      const p = i * M;
      base = Math.floor(p / L);
      phase = p - base * L;
      frac = phase / L;
    } else {
      const t = i * ratio;
      base = Math.floor(t);
      frac = t - base;
    }
    // Taps j = base − half + 1 … base + half, at distance t − j = frac + half − 1 − k.
    const first = base - half + 1;
    let acc = 0;
    for (let k = 0; k < taps; k++) {
      const j = first + k;
      if (j < 0 || j >= n) continue;
      const w = table ? table[phase * taps + k]! : kernel(frac + half - 1 - k);
      acc += w * samples[j]!;
    }
    out[i] = acc;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
