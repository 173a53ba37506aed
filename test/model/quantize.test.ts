import { describe, expect, it } from 'vitest';
import {
  activationQuantization,
  dequantizeInt8,
  fromHalfBits,
  quantizeBiasInt32,
  quantizeWeightsInt8,
  toHalfBits,
} from '../../src/model/quantize.js';
import { randomNormal } from '../../src/model/random.js';
import { sha256Hex } from '../../src/model/sha256.js';
import { createHash } from 'node:crypto';

describe('float16', () => {
  it('encodes known values exactly (IEEE 754 binary16)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65520, 0x7c00], // rounds to infinity
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // ties to even: rounds down to zero
      [1 + 2 ** -11, 0x3c00], // tie between 1 and the next half: to even
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to even
      [Infinity, 0x7c00],
    ];
    for (const [v, bits] of cases) expect(toHalfBits(v), `value ${v}`).toBe(bits);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
  });

  it('round trips within half a unit in the last place', () => {
    for (const v of randomNormal(10_000, 3, 10)) {
      const back = fromHalfBits(toHalfBits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
  });
});

describe('int8', () => {
  it('per-channel weights use one symmetric scale per row and reconstruct within scale/2', () => {
    const rows = 5;
    const cols = 7;
    const m = randomNormal(rows * cols, 9);
    for (let c = 0; c < cols; c++) m[2 * cols + c]! *= 10; // a row with a larger range
    const { q, quantization } = quantizeWeightsInt8(m, rows, cols, true);
    expect(quantization.scale).toHaveLength(rows);
    expect(quantization.zeroPoint).toEqual([0, 0, 0, 0, 0]);
    expect(Math.max(...Array.from(q, Math.abs))).toBe(127);
    const back = dequantizeInt8(q, quantization, cols);
    for (let i = 0; i < m.length; i++) {
      expect(Math.abs(back[i]! - m[i]!)).toBeLessThanOrEqual(
        quantization.scale[Math.floor(i / cols)]! / 2 + 1e-7,
      );
    }
    const perTensor = quantizeWeightsInt8(m, rows, cols, false);
    expect(perTensor.quantization.scale).toHaveLength(1);
    expect(perTensor.quantization.scale[0]).toBeCloseTo(Math.max(...quantization.scale), 9);
  });

  it('activation ranges include zero exactly and map the ends to -128 and 127', () => {
    const q = activationQuantization(0.5, 3); // widened to [0, 3]
    expect(q.zeroPoint[0]).toBe(-128);
    expect(q.scale[0]).toBe(Math.fround(3 / 255)); // stored as float32 in the file
    const sym = activationQuantization(-2, 2);
    const zp = sym.zeroPoint[0]!;
    expect(sym.scale[0]! * (-128 - zp)).toBeCloseTo(-2, 1);
    expect(sym.scale[0]! * (127 - zp)).toBeCloseTo(2, 1);
  });

  it('int32 bias uses the given scale with zero point 0', () => {
    const { q, quantization } = quantizeBiasInt32(new Float32Array([0.5, -0.25]), 0.001);
    expect(Array.from(q)).toEqual([500, -250]);
    expect(quantization.zeroPoint).toEqual([0]);
  });
});

describe('sha256', () => {
  it('matches node:crypto on lengths around the padding boundaries', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const d = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
      expect(sha256Hex(d)).toBe(createHash('sha256').update(d).digest('hex'));
    }
  });
});
