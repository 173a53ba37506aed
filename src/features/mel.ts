/**
 * The HTK mel scale and a triangular mel filterbank over the bins of a real FFT, stored sparsely
 * (each filter touches only a few bins, so the per-frame cost is about two multiply-adds per bin).
 */
import { GruStreamError } from '../errors.js';

/** Hz → mel, HTK formula: 2595·log10(1 + f/700). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

/** mel → Hz, inverse of {@link hzToMel}. */
export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** A filterbank in sparse form: filter m covers FFT bins `start[m]` … `start[m] + length[m] − 1`. */
export interface MelFilterbank {
  /** Number of filters (mel bins). */
  melBins: number;
  /** Number of FFT bins the filters are defined over (fftSize/2 + 1). */
  fftBins: number;
  start: Uint16Array;
  length: Uint16Array;
  /** Offset of filter m's first weight in `weights`. */
  offset: Uint32Array;
  weights: Float64Array;
}

export interface MelFilterbankOptions {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** FFT length in samples (power of two). */
  fftSize: number;
  /** Number of triangular filters. */
  melBins: number;
  /** Lower edge of the first filter in Hz. */
  fMin: number;
  /** Upper edge of the last filter in Hz (≤ sampleRate/2). */
  fMax: number;
}

/**
 * Triangular filters with peak 1 (HTK style, no area normalisation): `melBins + 2` edge points equally
 * spaced in mel between `fMin` and `fMax`; filter m rises linearly in Hz from edge m to edge m+1 and
 * falls to edge m+2, evaluated at the FFT bin centre frequencies k·sampleRate/fftSize.
 * @throws GruStreamError E_ARGUMENT on a bad range, or when a filter falls between two FFT bins and
 *   would always be zero (too many mel bins for the FFT size)
 */
export function melFilterbank(o: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, fftSize, melBins, fMin, fMax } = o;
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `mel range: expected 0 ≤ fMin < fMax ≤ sampleRate/2 (${sampleRate / 2} Hz), got fMin=${fMin}, fMax=${fMax}`,
    );
  }
  if (!Number.isInteger(melBins) || melBins < 1) {
    throw new GruStreamError('E_ARGUMENT', `melBins: expected an integer ≥ 1, got ${melBins}`);
  }
  const fftBins = (fftSize >> 1) + 1;
  const melLo = hzToMel(fMin);
  const melHi = hzToMel(fMax);
  const edges = new Float64Array(melBins + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = melToHz(melLo + ((melHi - melLo) * i) / (melBins + 1));

  const start = new Uint16Array(melBins);
  const length = new Uint16Array(melBins);
  const offset = new Uint32Array(melBins);
  const dense: number[] = [];
  const binHz = sampleRate / fftSize;
  for (let m = 0; m < melBins; m++) {
    const lo = edges[m]!;
    const mid = edges[m + 1]!;
    const hi = edges[m + 2]!;
    let first = -1;
    let count = 0;
    offset[m] = dense.length;
    for (let k = 0; k < fftBins; k++) {
      const f = k * binHz;
      const w = f <= lo || f >= hi ? 0 : f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      if (w > 0) {
        if (first < 0) first = k;
        // Bins inside one triangle are contiguous, so `count` spans first … k.
        count = k - first + 1;
      }
    }
    if (first < 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `mel filter ${m} (${lo.toFixed(1)}–${hi.toFixed(1)} Hz) covers no FFT bin: ` +
          `reduce melBins (${melBins}) or raise fftSize (${fftSize})`,
      );
    }
    start[m] = first;
    length[m] = count;
    for (let k = first; k < first + count; k++) {
      const f = k * binHz;
      dense.push(f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid));
    }
  }
  return { melBins, fftBins, start, length, offset, weights: Float64Array.from(dense) };
}

/** out[m] = Σ_k weights[m][k]·power[k] for every filter. */
export function applyFilterbank(fb: MelFilterbank, power: ArrayLike<number>, out: Float64Array): void {
  const { start, length, offset, weights } = fb;
  for (let m = 0; m < fb.melBins; m++) {
    const s = start[m]!;
    const n = length[m]!;
    let w = offset[m]!;
    let acc = 0;
    for (let k = s; k < s + n; k++) acc += weights[w++]! * power[k]!;
    out[m] = acc;
  }
}
