/**
 * The Slaney mel scale (the Auditory Toolbox's, librosa's default) and an area-normalised triangular
 * filterbank over it, in the sparse {@link MelFilterbank} form of `mel.ts` so `applyFilterbank` runs it.
 * The speech-embedding front end needs it: its mel matrix (read out of `melspectrogram.tflite`) is this
 * filterbank, not the HTK one of `mel.ts`.
 */
import { GruStreamError } from '../errors.js';
import type { MelFilterbank, MelFilterbankOptions } from './mel.js';

/** Hz per mel below {@link BREAK_HZ}: the scale is linear there, 3 mel per 200 Hz. */
const LINEAR_HZ_PER_MEL = 200 / 3;
/** Where the scale turns logarithmic (1 kHz = 15 mel). */
const BREAK_HZ = 1000;
const BREAK_MEL = BREAK_HZ / LINEAR_HZ_PER_MEL;
/** Above the break, 27 mel span a factor 6.4 in frequency. */
const LOG_STEP = Math.log(6.4) / 27;

/** Hz → mel on the Slaney scale: linear below 1 kHz, logarithmic above. */
export function slaneyHzToMel(hz: number): number {
  return hz < BREAK_HZ ? hz / LINEAR_HZ_PER_MEL : BREAK_MEL + Math.log(hz / BREAK_HZ) / LOG_STEP;
}

/** mel → Hz, inverse of {@link slaneyHzToMel}. */
export function slaneyMelToHz(mel: number): number {
  return mel < BREAK_MEL ? mel * LINEAR_HZ_PER_MEL : BREAK_HZ * Math.exp(LOG_STEP * (mel - BREAK_MEL));
}

/**
 * Triangular filters with unit area in Hz ("slaney" normalisation, peak 2/(hi − lo)): `melBins + 2`
 * edges equally spaced in Slaney mel between `fMin` and `fMax`; filter m rises linearly in Hz from
 * edge m to edge m+1 and falls to edge m+2, evaluated at the FFT bin frequencies k·sampleRate/fftSize.
 * @throws GruStreamError E_ARGUMENT on a bad range, or when a filter covers no FFT bin
 */
export function slaneyMelFilterbank(o: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, fftSize, melBins, fMin, fMax } = o;
  if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `Slaney mel range: expected 0 ≤ fMin < fMax ≤ sampleRate/2 (${sampleRate / 2} Hz), got fMin=${fMin}, fMax=${fMax}`,
    );
  }
  if (!Number.isInteger(melBins) || melBins < 1) {
    throw new GruStreamError('E_ARGUMENT', `Slaney melBins: expected an integer ≥ 1, got ${melBins}`);
  }
  const fftBins = (fftSize >> 1) + 1;
  const lo = slaneyHzToMel(fMin);
  const hi = slaneyHzToMel(fMax);
  const edges = new Float64Array(melBins + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = slaneyMelToHz(lo + ((hi - lo) * i) / (melBins + 1));

  const start = new Uint16Array(melBins);
  const length = new Uint16Array(melBins);
  const offset = new Uint32Array(melBins);
  const weights: number[] = [];
  const binHz = sampleRate / fftSize;
  for (let m = 0; m < melBins; m++) {
    const left = edges[m]!;
    const mid = edges[m + 1]!;
    const right = edges[m + 2]!;
    const norm = 2 / (right - left);
    offset[m] = weights.length;
    let first = -1;
    for (let k = 0; k < fftBins; k++) {
      const f = k * binHz;
      const w = Math.min((f - left) / (mid - left), (right - f) / (right - mid));
      if (w > 0) {
        if (first < 0) first = k;
        weights.push(w * norm);
      } else if (first >= 0) {
        break;
      }
    }
    if (first < 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `Slaney mel filter ${m} (${left.toFixed(1)}–${right.toFixed(1)} Hz) covers no FFT bin: ` +
          `reduce melBins (${melBins}) or raise fftSize (${fftSize})`,
      );
    }
    start[m] = first;
    length[m] = weights.length - offset[m]!;
  }
  return { melBins, fftBins, start, length, offset, weights: Float64Array.from(weights) };
}
