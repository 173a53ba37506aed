import { describe, expect, it } from 'vitest';
import { resample } from '../../src/features/wav.js';

function sine(hz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate),
  );
}

/** Frequency from upward zero crossings (linearly interpolated), away from the edges. */
function measureHz(x: Float32Array, rate: number): number {
  const from = Math.floor(x.length * 0.1);
  const to = Math.floor(x.length * 0.9);
  const crossings: number[] = [];
  for (let i = from; i < to; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    if (a < 0 && b >= 0) crossings.push(i + a / (a - b));
  }
  return ((crossings.length - 1) * rate) / (crossings.at(-1)! - crossings[0]!);
}

function rmsMiddle(x: Float32Array): number {
  const mid = x.subarray(Math.floor(x.length * 0.1), Math.floor(x.length * 0.9));
  return Math.sqrt(mid.reduce((s, v) => s + v * v, 0) / mid.length);
}

describe('resample', () => {
  it('keeps a sine’s frequency and level across common rate pairs', () => {
    for (const [from, to, hz] of [
      [44100, 16000, 1000],
      [22050, 16000, 3000],
      [48000, 16000, 440],
      [8000, 16000, 1234],
      [16000, 11025, 2000],
    ] as const) {
      const y = resample(sine(hz, from, 1), from, to);
      expect(y.length).toBe(to);
      expect(Math.abs(measureHz(y, to) - hz) / hz, `${from}→${to}`).toBeLessThan(1e-3);
      expect(rmsMiddle(y)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    }
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    const y = resample(sine(10000, 44100, 0.5), 44100, 16000);
    expect(rmsMiddle(y)).toBeLessThan(1e-3);
  });

  it('works for rates without a small common divisor (per-tap kernel)', () => {
    const y = resample(sine(500, 16000, 0.5), 16000, 15999.5);
    expect(Math.abs(measureHz(y, 15999.5) - 500)).toBeLessThan(0.5);
  });

  it('copies when the rates are equal and rejects bad rates', () => {
    const x = sine(100, 8000, 0.01);
    const y = resample(x, 8000, 8000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(() => resample(x, 0, 16000)).toThrow(/fromRate/);
  });
});
