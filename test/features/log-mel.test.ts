import { describe, expect, it } from 'vitest';
import { isGruStreamError } from '../../src/errors.js';
import { LogMelFrontEnd, logMelFrames } from '../../src/features/log-mel.js';
import { mulberry32 } from '../../src/model/random.js';

const SR = 16000;
const WIN = 400;
const HOP = 160;
const N = 512;
const BINS = 40;

/** Test signal: a chirp, a tone and noise, so every mel bin sees energy. */
function testSignal(samples: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / SR;
    x[i] =
      0.4 * Math.sin(2 * Math.PI * (100 + 3000 * t) * t) +
      0.2 * Math.sin(2 * Math.PI * 440 * t) +
      0.05 * (rand() * 2 - 1);
  }
  return x;
}

/**
 * The naive reference, written from the definitions and sharing no code with src: periodic Hann,
 * zero-padded O(N²) DFT, HTK mel triangles as min of the two slopes, natural log with a floor.
 */
function referenceLogMel(x: Float32Array, floor = 1e-6, fMin = 20, fMax = SR / 2): Float64Array[] {
  const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number): number => 700 * (Math.pow(10, m / 2595) - 1);
  const edges = Array.from({ length: BINS + 2 }, (_, i) =>
    hz(mel(fMin) + (i * (mel(fMax) - mel(fMin))) / (BINS + 1)),
  );
  const weight = (m: number, k: number): number => {
    const f = (k * SR) / N;
    const [l, c, u] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    return Math.max(0, Math.min((f - l) / (c - l), (u - f) / (u - c)));
  };
  const frames: Float64Array[] = [];
  for (let start = 0; start + WIN <= x.length; start += HOP) {
    const power = new Float64Array(N / 2 + 1);
    for (let k = 0; k <= N / 2; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < WIN; n++) {
        const v = x[start + n]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WIN));
        const angle = (2 * Math.PI * ((k * n) % N)) / N;
        re += v * Math.cos(angle);
        im -= v * Math.sin(angle);
      }
      power[k] = re * re + im * im;
    }
    const out = new Float64Array(BINS);
    for (let m = 0; m < BINS; m++) {
      let e = 0;
      for (let k = 0; k <= N / 2; k++) e += weight(m, k) * power[k]!;
      out[m] = Math.log(Math.max(e, floor));
    }
    frames.push(out);
  }
  return frames;
}

function expectCode(fn: () => unknown, code: string, messagePart: string): void {
  try {
    fn();
  } catch (e) {
    expect(isGruStreamError(e) && e.code).toBe(code);
    expect((e as Error).message).toContain(messagePart);
    return;
  }
  expect.fail('expected a throw');
}

describe('LogMelFrontEnd', () => {
  it('matches a naive DFT + independently computed mel weights within 1e-4 relative energy', () => {
    const x = testSignal(8000, 1);
    const ours = logMelFrames(x);
    const ref = referenceLogMel(x);
    expect(ours.length).toBe(ref.length * BINS);
    expect(ref.length).toBe(Math.floor((8000 - WIN) / HOP) + 1);
    let worst = 0;
    ref.forEach((frame, t) => {
      for (let m = 0; m < BINS; m++) {
        // |Δ ln e| ≤ 1e-4 ⇔ relative energy error ≤ ~1e-4.
        worst = Math.max(worst, Math.abs(ours[t * BINS + m]! - frame[m]!));
      }
    });
    expect(worst).toBeLessThan(1e-4);
  });

  it('gives bit-identical frames for any chunking, pulled at any time', () => {
    for (const preEmphasis of [0, 0.97]) {
      const x = testSignal(SR * 2 + 77, 2);
      const whole = logMelFrames(x, { preEmphasis });
      const rand = mulberry32(3 + preEmphasis);
      for (let trial = 0; trial < 10; trial++) {
        const fe = new LogMelFrontEnd({ preEmphasis });
        const got = new Float32Array(whole.length);
        let written = 0;
        let i = 0;
        while (i < x.length) {
          // Mix empty, tiny, hop-sized and many-window chunks.
          const r = rand();
          const len = r < 0.1 ? 0 : r < 0.4 ? Math.floor(rand() * 5) : Math.floor(rand() * 3000);
          fe.push(x.subarray(i, Math.min(x.length, i + len)));
          i += len;
          if (rand() < 0.5)
            written += fe.pull(got.subarray(written * BINS, (written + Math.floor(rand() * 4)) * BINS));
        }
        written += fe.pull(got.subarray(written * BINS));
        expect(written * BINS).toBe(whole.length);
        expect(Buffer.from(got.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
      }
    }
  });

  it('puts a pure tone’s energy in the mel bin whose centre is nearest the tone', () => {
    const mel = (f: number): number => 2595 * Math.log10(1 + f / 700);
    const step = (mel(SR / 2) - mel(20)) / (BINS + 1);
    for (const hz of [250, 1000, 2500, 6000]) {
      const x = new Float32Array(SR / 2).map((_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / SR));
      const frames = logMelFrames(x);
      const frame = frames.subarray(10 * BINS, 11 * BINS);
      const peak = frame.indexOf(Math.max(...frame));
      const expected = Math.round((mel(hz) - mel(20)) / step) - 1;
      expect(peak, `${hz} Hz`).toBe(expected);
    }
  });

  it('counts frames without padding, reports its spec and floors silence', () => {
    const fe = new LogMelFrontEnd();
    expect([
      fe.windowLength,
      fe.hopLength,
      fe.framesFor(399),
      fe.framesFor(400),
      fe.framesFor(16240),
    ]).toEqual([400, 160, 0, 1, 100]);
    expect(fe.featureSpec()).toEqual({
      kind: 'log-mel',
      sampleRate: 16000,
      windowMs: 25,
      hopMs: 10,
      melBins: 40,
    });
    expect(fe.fftSize).toBe(512);
    expect(new LogMelFrontEnd({ sampleRate: 44100 }).fftSize).toBe(2048);
    const again = LogMelFrontEnd.fromFeatureSpec(fe.featureSpec());
    expect(again.featureSpec()).toEqual(fe.featureSpec());
    expect(fe.push(new Float32Array(720))).toBe(3);
    const out = new Float32Array(3 * BINS);
    expect(fe.pull(out)).toBe(3);
    expect(out.every((v) => v === Math.fround(Math.log(1e-6)))).toBe(true);
    expect(fe.pending).toBe(0);
  });

  it('reset starts a new stream', () => {
    const x = testSignal(4000, 4);
    const fe = new LogMelFrontEnd();
    fe.push(testSignal(1234, 5));
    fe.reset();
    fe.push(x);
    const out = new Float32Array(fe.pending * BINS);
    fe.pull(out);
    expect(out).toEqual(logMelFrames(x));
  });

  it('rejects bad options, naming them', () => {
    expectCode(() => new LogMelFrontEnd({ fftSize: 256 }), 'E_ARGUMENT', 'fftSize');
    expectCode(() => new LogMelFrontEnd({ hopMs: 30 }), 'E_ARGUMENT', 'hopMs');
    expectCode(() => new LogMelFrontEnd({ sampleRate: 0 }), 'E_ARGUMENT', 'sampleRate');
    expectCode(() => new LogMelFrontEnd({ fMax: 9000 }), 'E_ARGUMENT', 'fMax');
    expectCode(() => new LogMelFrontEnd({ melBins: 200 }), 'E_ARGUMENT', 'covers no FFT bin');
    expectCode(() => LogMelFrontEnd.fromFeatureSpec({ kind: 'raw' }), 'E_ARGUMENT', "'raw'");
  });
});
