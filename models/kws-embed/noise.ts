/**
 * Background and "noise only" audio synthesized in TypeScript from a seed: white, pink, brown noise,
 * mains hum and music-like tones (notes with harmonics and envelopes). Different seeds for training,
 * validation and test give disjoint samples.
 */
import { mulberry32, gaussian } from '../../src/model/random.js';
import { SAMPLE_RATE } from './synth.js';

export const NOISE_KINDS = ['white', 'pink', 'brown', 'hum', 'tones'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** `n` samples of `kind` at RMS `levelDb` dBFS. */
export function makeNoise(kind: NoiseKind, n: number, levelDb: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x5bd1e995));
  const x = new Float32Array(n);
  if (kind === 'white') for (let i = 0; i < n; i++) x[i] = g();
  else if (kind === 'pink') {
    // Paul Kellet's economy pink filter (a published set of coefficients: −3 dB/octave within ±0.5 dB).
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    for (let i = 0; i < n; i++) {
      const w = g();
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      x[i] = b0 + b1 + b2 + w * 0.1848;
    }
  } else if (kind === 'brown') {
    let y = 0;
    for (let i = 0; i < n; i++) {
      y = 0.998 * y + g();
      x[i] = y;
    }
  } else if (kind === 'hum') {
    const f0 = rand() < 0.5 ? 50 : 60;
    const amps = [1, 0.5 * rand(), 0.4 * rand(), 0.3 * rand(), 0.2 * rand()];
    for (let i = 0; i < n; i++) {
      let v = 0.05 * g();
      for (let h = 0; h < amps.length; h++)
        v += amps[h]! * Math.sin((2 * Math.PI * f0 * (h + 1) * i) / SAMPLE_RATE);
      x[i] = v;
    }
  } else {
    // Music-like: a sequence of notes (equal temperament, 110–880 Hz), 2–3 voices, harmonics, decay.
    for (let voice = 0; voice < 2 + Math.floor(rand() * 2); voice++) {
      let at = Math.floor(rand() * SAMPLE_RATE * 0.3);
      while (at < n) {
        const len = Math.floor(SAMPLE_RATE * (0.12 + 0.6 * rand()));
        const f = 110 * 2 ** (Math.floor(rand() * 37) / 12);
        const harmonics = 1 + Math.floor(rand() * 6);
        const decay = 2 + 10 * rand();
        for (let i = 0; i < len && at + i < n; i++) {
          const t = i / SAMPLE_RATE;
          const env = Math.min(1, t / 0.01) * Math.exp(-decay * t);
          let v = 0;
          for (let h = 1; h <= harmonics; h++) v += Math.sin(2 * Math.PI * f * h * t) / h;
          x[at + i]! += env * v;
        }
        at += len + Math.floor(rand() * SAMPLE_RATE * 0.2);
      }
    }
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
  const gain = 10 ** (levelDb / 20) / Math.sqrt(s / Math.max(1, n) || 1);
  for (let i = 0; i < n; i++) x[i]! *= gain;
  return x;
}
