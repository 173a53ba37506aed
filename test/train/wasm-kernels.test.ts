import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/model/random.js';
import { WasmKernels } from '../../models/train/wasm-kernels.js';

describe('WasmKernels.gemm', () => {
  // Shapes reach every kernel (4×8, 4×4, 1×8, 1×4), the scalar last columns and the inner slicing.
  const cases = [
    { rows: 64, inner: 64, cols: 192, transposedA: false },
    { rows: 13, inner: 7, cols: 15, transposedA: false },
    { rows: 3, inner: 5, cols: 3, transposedA: false },
    { rows: 12, inner: 700, cols: 20, transposedA: true },
    { rows: 30, inner: 257, cols: 9, transposedA: true },
  ];
  for (const c of cases) {
    for (const accumulate of [false, true]) {
      it(`matches a float64 loop: ${JSON.stringify(c)} accumulate=${accumulate}`, () => {
        const { rows, inner, cols, transposedA } = c;
        const g = new WasmKernels(1 << 16);
        const h = g.heap;
        const rand = mulberry32(rows * 1000 + inner);
        for (let i = 0; i < 1 << 16; i++) h[i] = rand() - 0.5;
        const [a, b, out] = [0, 16384, 40000];
        // A as a matrix [rows, inner], or read as the transpose of a stored [inner, rows].
        const [ars, acs] = transposedA ? [1, rows] : [inner, 1];
        const before = h.slice(out, out + rows * cols);
        const past = h.slice(out + rows * cols, out + rows * cols + 8);
        g.gemm(out, a, b, rows, inner, cols, ars, acs, cols, cols, accumulate);
        let worst = 0;
        for (let r = 0; r < rows; r++) {
          for (let col = 0; col < cols; col++) {
            let s = accumulate ? before[r * cols + col]! : 0;
            for (let k = 0; k < inner; k++) s += h[a + r * ars + k * acs]! * h[b + k * cols + col]!;
            worst = Math.max(worst, Math.abs(s - h[out + r * cols + col]!));
          }
        }
        // float32 accumulation over `inner` terms of size ≤ 0.25.
        expect(worst).toBeLessThan(1e-6 * inner);
        // Nothing past the output block was written.
        expect(h.slice(out + rows * cols, out + rows * cols + 8)).toEqual(past);
      });
    }
  }
});

describe('WasmKernels.tanh', () => {
  it('is within 1e-6 of Math.tanh over [-12, 12] in float32', () => {
    const n = 1 << 16;
    const k = new WasmKernels(2 * n);
    for (let i = 0; i < n; i++) k.heap[i] = -12 + (24 * i) / n;
    k.tanh(0, n, n / 4);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(k.heap[n + i]! - Math.tanh(k.heap[i]!)));
    expect(worst).toBeLessThan(1e-6);
  });
});
