/**
 * Number formats for model constants: float16 bits, symmetric int8 weights (per tensor or per
 * output channel), asymmetric int8 activations from a calibrated range, and int32 biases.
 * TFLite's convention throughout: real = scale × (q − zeroPoint).
 *
 * Every scale (and range) is rounded to float32 where it is made, because that is how the file
 * stores it: quantizing with the float64 value and storing its float32 rounding would disagree.
 */
const f32 = Math.fround;
import type { Quantization } from './graph.js';

/** Rounds a float32 to the nearest IEEE half (round-to-nearest-even), returning its 16 bits. */
export function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in and round.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, which is exactly the right rounding.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The float value of 16 half-precision bits. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Float32 values as little-endian float16 bytes. */
export function encodeFloat16(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setUint16(i * 2, toHalfBits(values[i]!), true);
  return out;
}

/** Int8 values with their quantization. */
export interface QuantizedInt8 {
  q: Int8Array;
  quantization: Quantization;
}

/**
 * Symmetric int8 quantization of a `[rows, cols]` matrix, one scale per row (output channel) when
 * `perChannel`, else one for the whole tensor. Range is ±127 (−128 unused, as TFLite requires for
 * symmetric weights).
 */
export function quantizeWeightsInt8(
  m: Float32Array,
  rows: number,
  cols: number,
  perChannel: boolean,
): QuantizedInt8 {
  const scales: number[] = [];
  const absMax = (from: number, to: number): number => {
    let a = 0;
    for (let i = from; i < to; i++) a = Math.max(a, Math.abs(m[i]!));
    return a;
  };
  if (perChannel)
    for (let r = 0; r < rows; r++) scales.push(f32(absMax(r * cols, (r + 1) * cols) / 127 || 1));
  else scales.push(f32(absMax(0, rows * cols) / 127 || 1));
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = perChannel ? scales[r]! : scales[0]!;
    for (let c = 0; c < cols; c++) q[r * cols + c] = clamp(Math.round(m[r * cols + c]! / s), -127, 127);
  }
  return { q, quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: 0 } };
}

/**
 * Asymmetric int8 parameters covering `[min, max]` (widened to include 0, so that zero is exact,
 * as TFLite requires for padding and ReLU semantics).
 */
export function activationQuantization(min: number, max: number): Quantization {
  const lo = f32(Math.min(0, min));
  const hi = f32(Math.max(0, max));
  const scale = f32(hi > lo ? (hi - lo) / 255 : 1 / 255);
  // `+ 0` turns a -0 from Math.round into 0 (a zero point is an integer; -0 would not round-trip).
  const zeroPoint = clamp(Math.round(-128 - lo / scale), -128, 127) + 0;
  return { scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0, min: [lo], max: [hi] };
}

/** Quantizes one value with per-tensor parameters. */
export function quantizeValue(v: number, quant: Quantization): number {
  return clamp(Math.round(v / quant.scale[0]! + quant.zeroPoint[0]!), -128, 127);
}

/** Int32 bias for a quantized FULLY_CONNECTED: scale = inputScale × weightScale, zero point 0. */
export function quantizeBiasInt32(
  b: Float32Array,
  inputTimesWeightScale: number,
): { q: Int32Array; quantization: Quantization } {
  const scale = f32(inputTimesWeightScale);
  const q = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) q[i] = clamp(Math.round(b[i]! / scale), -(2 ** 31), 2 ** 31 - 1);
  return { q, quantization: { scale: [scale], zeroPoint: [0], quantizedDimension: 0 } };
}

/** Dequantizes int8 data (per tensor or per channel along dimension 0 of `[rows, cols]`). */
export function dequantizeInt8(q: Int8Array, quant: Quantization, cols: number): Float32Array {
  const out = new Float32Array(q.length);
  const perChannel = quant.scale.length > 1;
  for (let i = 0; i < q.length; i++) {
    const ch = perChannel ? Math.floor(i / cols) : 0;
    out[i] = quant.scale[ch]! * (q[i]! - quant.zeroPoint[ch]!);
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
