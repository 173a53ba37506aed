/**
 * The elementwise gate math of one time step in plain JS: the fallback of wasm-gru-code.ts for an H that
 * is not a multiple of 4, and its readable statement. Same layouts, offsets in floats into `h` (the heap).
 */
import { fastSigmoid, fastTanh } from './fast-math.js';

/** See `forwardStepKernel`: z, r, n, Wh_n·h + bh_n and h' for `rows` rows of `H` units. */
export function forwardStepJs(
  h: Float32Array,
  gates: number,
  gh: number,
  bx: number,
  bh: number,
  hPrev: number,
  z: number,
  r: number,
  nn: number,
  ghn: number,
  hNext: number,
  rows: number,
  H: number,
): void {
  for (let i = 0; i < rows; i++) {
    const g3 = i * 3 * H;
    const u = i * H;
    for (let j = 0; j < H; j++) {
      const zj = fastSigmoid(h[gates + g3 + j]! + h[bx + j]! + h[gh + g3 + j]! + h[bh + j]!);
      const rj = fastSigmoid(h[gates + g3 + H + j]! + h[bx + H + j]! + h[gh + g3 + H + j]! + h[bh + H + j]!);
      const gn = h[gh + g3 + 2 * H + j]! + h[bh + 2 * H + j]!;
      const nj = fastTanh(h[gates + g3 + 2 * H + j]! + h[bx + 2 * H + j]! + rj * gn);
      h[z + u + j] = zj;
      h[r + u + j] = rj;
      h[nn + u + j] = nj;
      h[ghn + u + j] = gn;
      h[hNext + u + j] = nj + zj * (h[hPrev + u + j]! - nj);
    }
  }
}

/** See `backwardStepKernel`: gate gradients from g = dh + dhNext, and g·z into dhNext. */
export function backwardStepJs(
  h: Float32Array,
  dh: number,
  dhNext: number,
  z: number,
  r: number,
  nn: number,
  ghn: number,
  hPrev: number,
  dGates: number,
  dgh: number,
  rows: number,
  H: number,
): void {
  for (let i = 0; i < rows; i++) {
    const g3 = i * 3 * H;
    const u = i * H;
    for (let j = 0; j < H; j++) {
      const g = h[dh + u + j]! + h[dhNext + u + j]!;
      const zj = h[z + u + j]!;
      const rj = h[r + u + j]!;
      const nj = h[nn + u + j]!;
      // h' = n + z·(h − n)
      const dan = g * (1 - zj) * (1 - nj * nj);
      const daz = g * (h[hPrev + u + j]! - nj) * zj * (1 - zj);
      const dar = dan * h[ghn + u + j]! * rj * (1 - rj);
      h[dGates + g3 + j] = daz;
      h[dGates + g3 + H + j] = dar;
      h[dGates + g3 + 2 * H + j] = dan;
      h[dgh + g3 + j] = daz;
      h[dgh + g3 + H + j] = dar;
      h[dgh + g3 + 2 * H + j] = dan * rj;
      h[dhNext + u + j] = g * zj;
    }
  }
}
