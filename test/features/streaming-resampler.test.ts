/**
 * The streaming resampler (the PWA runs it in its microphone AudioWorklet) against the batch `resample`:
 * any split of the input into blocks gives the batch result, and content above the new Nyquist
 * frequency is removed, not folded into the band the model hears.
 */
import { describe, expect, it } from 'vitest';
import { StreamingResampler } from '../../src/features/streaming-resampler.js';
import { resample } from '../../src/features/resample.js';
import { thrown } from '../helpers/errors.js';

/** Streams `input` through a resampler in blocks of the given sizes (cycled). */
function streamed(input: Float32Array, from: number, to: number, blocks: number[]): Float32Array {
  const r = new StreamingResampler(from, to);
  const out: number[] = [];
  let at = 0;
  for (let b = 0; at < input.length; b++) {
    const block = input.subarray(at, at + blocks[b % blocks.length]!);
    at += block.length;
    const buf = new Float32Array(r.maxOutput(block.length));
    const n = r.process(block, buf);
    for (let i = 0; i < n; i++) out.push(buf[i]!);
  }
  return Float32Array.from(out);
}

function noise(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

const rms = (x: Float32Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

describe('StreamingResampler', () => {
  it.each([
    [48_000, [128]],
    [44_100, [128, 7, 300]],
    [96_000, [128, 1]],
    [22_050, [128, 33]],
    [8_000, [128]],
  ])('%i Hz → 16 kHz in blocks %j equals the batch resample', (from, blocks) => {
    const input = noise(from / 2, from);
    const batch = resample(input, from, 16_000);
    const stream = streamed(input, from, 16_000, blocks);
    // The stream holds back the last outputs until input beyond them arrives; compare what it gave.
    expect(stream.length).toBeGreaterThan(batch.length - 60);
    let maxDiff = 0;
    for (let i = 0; i < stream.length; i++) maxDiff = Math.max(maxDiff, Math.abs(stream[i]! - batch[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('passes 16 kHz through unchanged', () => {
    const input = noise(1000, 7);
    expect(streamed(input, 16_000, 16_000, [128])).toEqual(input);
  });

  it('keeps a 1 kHz tone and removes a 12 kHz one (48 kHz input)', () => {
    const tone = (f: number): Float32Array =>
      Float32Array.from({ length: 48_000 }, (_, n) => Math.sin((2 * Math.PI * f * n) / 48_000));
    const steady = (x: Float32Array): Float32Array => x.subarray(200, x.length - 200);
    expect(rms(steady(streamed(tone(1000), 48_000, 16_000, [128])))).toBeCloseTo(Math.SQRT1_2, 2);
    expect(rms(steady(streamed(tone(12_000), 48_000, 16_000, [128])))).toBeLessThan(1e-3);
  });

  it('refuses a rate that is not positive', () => {
    expect(thrown(() => new StreamingResampler(0, 16_000))).toMatchObject({
      code: 'E_ARGUMENT',
      message: 'StreamingResampler fromRate: expected a number > 0, got 0',
    });
  });
});
