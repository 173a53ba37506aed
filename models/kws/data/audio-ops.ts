/** Small signal helpers for corpus synthesis: levels, where a word is, mixing. */

/** dB → linear amplitude. */
export function dbToAmp(db: number): number {
  return 10 ** (db / 20);
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

export function peak(x: Float32Array): number {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i]!));
  return p;
}

export interface Activity {
  /** First sample of the first active 10 ms frame. */
  onset: number;
  /** One past the last sample of the last active 10 ms frame. */
  offset: number;
  /** RMS over the active frames only (speech level, not diluted by the pauses). */
  activeRms: number;
}

/**
 * Where the sound in `x` is, from its energy: 10 ms frames whose energy is within `rangeDb` of the
 * loudest frame are active; onset/offset are the edges of the first and last active frame.
 * @returns undefined for digital silence
 */
export function measureActivity(x: Float32Array, sampleRate: number, rangeDb = 30): Activity | undefined {
  const frame = Math.round(sampleRate / 100);
  const frames = Math.ceil(x.length / frame);
  const energy = new Float64Array(frames);
  let max = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    const end = Math.min(x.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) s += x[i]! * x[i]!;
    energy[f] = s / (end - f * frame);
    max = Math.max(max, energy[f]!);
  }
  if (max === 0) return undefined;
  const threshold = max * 10 ** (-rangeDb / 10);
  let first = -1;
  let last = -1;
  let activeSum = 0;
  let activeFrames = 0;
  for (let f = 0; f < frames; f++) {
    if (energy[f]! < threshold) continue;
    if (first < 0) first = f;
    last = f;
    activeSum += energy[f]!;
    activeFrames++;
  }
  return {
    onset: first * frame,
    offset: Math.min(x.length, (last + 1) * frame),
    activeRms: Math.sqrt(activeSum / activeFrames),
  };
}

/** Adds `src · gain` into `dst` starting at `at` (clipped to `dst`'s bounds). */
export function mixInto(dst: Float32Array, src: Float32Array, at: number, gain = 1): void {
  const from = Math.max(0, -at);
  const to = Math.min(src.length, dst.length - at);
  for (let i = from; i < to; i++) dst[at + i]! += src[i]! * gain;
}

/** Scales `x` in place so its peak is at most `limit` (only ever down). */
export function limitPeak(x: Float32Array, limit = 0.99): void {
  const p = peak(x);
  if (p <= limit) return;
  const g = limit / p;
  for (let i = 0; i < x.length; i++) x[i]! *= g;
}

/** Raised-cosine fade-in over the first `n` samples, so cutting a signal does not add a click. */
export function fadeIn(x: Float32Array, n: number): void {
  const len = Math.min(n, x.length);
  for (let i = 0; i < len; i++) x[i]! *= 0.5 - 0.5 * Math.cos((Math.PI * (i + 0.5)) / len);
}
