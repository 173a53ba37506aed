import { describe, expect, it } from 'vitest';
import { RealFft } from '../../src/features/fft.js';
import { mulberry32 } from '../../src/model/random.js';

describe('RealFft', () => {
  it('equals a direct DFT for sizes 4 … 1024', () => {
    const rand = mulberry32(7);
    for (let n = 4; n <= 1024; n *= 2) {
      const x = Float64Array.from({ length: n }, () => rand() * 2 - 1);
      const fft = new RealFft(n);
      const re = new Float64Array(fft.bins);
      const im = new Float64Array(fft.bins);
      const power = new Float64Array(fft.bins);
      fft.forward(x, re, im);
      fft.powerSpectrum(x, power);
      for (let k = 0; k <= n / 2; k++) {
        let r = 0;
        let i = 0;
        for (let j = 0; j < n; j++) {
          const a = (2 * Math.PI * ((k * j) % n)) / n;
          r += x[j]! * Math.cos(a);
          i -= x[j]! * Math.sin(a);
        }
        expect(re[k]).toBeCloseTo(r, 9);
        expect(im[k]).toBeCloseTo(i, 9);
        expect(power[k]).toBeCloseTo(r * r + i * i, 8);
      }
    }
  });

  it('rejects sizes that are not powers of two and inputs of the wrong length', () => {
    expect(() => new RealFft(400)).toThrow(/power of two/);
    expect(() => new RealFft(8).powerSpectrum(new Float64Array(4), new Float64Array(5))).toThrow(
      /expected 8/,
    );
  });
});
