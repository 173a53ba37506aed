/**
 * The interpolation kernel of both resamplers (`resample` for whole signals, `StreamingResampler`
 * for live audio): a Blackman-windowed sinc with its cut-off at `rolloff` of the lower Nyquist
 * frequency, widened when downsampling so content above the new Nyquist frequency is removed rather
 * than folded back. One definition keeps the two resamplers' outputs the same.
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

export interface SincKernel {
  /** Input samples per output sample (even). */
  readonly taps: number;
  /** taps / 2: the output at input position t uses inputs ⌊t⌋ − half + 1 … ⌊t⌋ + half. */
  readonly half: number;
  /** Weight of the input sample at distance `x` (in input samples) from the output position. */
  weight(x: number): number;
  /** With integer rates, output i sits at input i·M/L (M = from/g, L = to/g); both 0 otherwise. */
  readonly L: number;
  readonly M: number;
  /** When L ≤ 4096: row p (taps weights) is phase p/L, tap k at distance p/L + half − 1 − k. */
  readonly table: Float64Array | undefined;
}

/**
 * The kernel for `fromRate` → `toRate` Hz.
 * @param what the caller's name, for error messages
 * @throws GruStreamError E_ARGUMENT on a non-positive rate or halfWidth, or rolloff outside (0, 1]
 */
export function sincKernel(
  what: string,
  fromRate: number,
  toRate: number,
  options: ResampleOptions = {},
): SincKernel {
  const halfWidth = options.halfWidth ?? 16;
  const rolloff = options.rolloff ?? 0.95;
  for (const [name, v] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
    ['halfWidth', halfWidth],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) {
      throw new GruStreamError('E_ARGUMENT', `${what} ${name}: expected a number > 0, got ${v}`);
    }
  }
  if (!(rolloff > 0 && rolloff <= 1)) {
    throw new GruStreamError('E_ARGUMENT', `${what} rolloff: expected 0 < rolloff ≤ 1, got ${rolloff}`);
  }
  // Cut-off in cycles per input sample ×2 (1 = input Nyquist).
  const fc = Math.min(1, toRate / fromRate) * rolloff;
  const support = halfWidth / fc;
  const taps = 2 * Math.ceil(support);
  const half = taps / 2;
  const weight = (x: number): number => {
    if (Math.abs(x) >= support) return 0;
    const u = x / support;
    const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
    const a = Math.PI * fc * x;
    return fc * (a === 0 ? 1 : Math.sin(a) / a) * w;
  };
  const g = Number.isInteger(fromRate) && Number.isInteger(toRate) ? gcd(fromRate, toRate) : 0;
  const L = g > 0 ? toRate / g : 0;
  const M = g > 0 ? fromRate / g : 0;
  let table: Float64Array | undefined;
  if (L > 0 && L <= MAX_TABLE_PHASES) {
    table = new Float64Array(L * taps);
    for (let p = 0; p < L; p++) {
      for (let k = 0; k < taps; k++) table[p * taps + k] = weight(p / L + half - 1 - k);
    }
  }
  return { taps, half, weight, L, M, table };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
