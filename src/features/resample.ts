/**
 * Sample-rate conversion of a whole signal with a Blackman-windowed sinc (band-limited interpolation),
 * for WAV files that are not at the front end's rate. `StreamingResampler` is its twin for live audio.
 */
import { sincKernel } from './sinc-kernel.js';
import type { ResampleOptions } from './sinc-kernel.js';

export type { ResampleOptions } from './sinc-kernel.js';

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
  const { taps, half, weight, L, M, table } = sincKernel('resample', fromRate, toRate, options);
  if (fromRate === toRate) return samples.slice();
  const n = samples.length;
  const outLength = Math.round((n * toRate) / fromRate);
  const out = new Float32Array(outLength);
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
      const w = table ? table[phase * taps + k]! : weight(frac + half - 1 - k);
      acc += w * samples[j]!;
    }
    out[i] = acc;
  }
  return out;
}
