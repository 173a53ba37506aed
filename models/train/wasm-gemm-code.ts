/**
 * The matrix-product kernel, generated for several block shapes:
 *   out[r, c] (+)= Σ_k A(r, k) · B(k, c)
 * A is read through two strides (a matrix or its transpose, no copy) and broadcast one float at a time;
 * B is read along contiguous rows, 4 floats per f32x4. A block of `rows` × `vectors`·4 results stays in
 * registers over the whole inner loop: 6 loads per 32 multiply-adds for the 4×8 block.
 */
import { FunctionBuilder, I32, op, V128 } from './wasm-asm.js';

/**
 * Parameters, all i32, addresses and strides in bytes: (out, a, b, rowBlocks, inner, colBlocks,
 * aRowStride, aColStride, bRowStride, outRowStride, accumulate).
 */
export const GEMM_PARAMS = 11;

export function gemmKernel(rows: number, vectors: number): FunctionBuilder {
  const [OUT, A, B, ROW_BLOCKS, INNER, COL_BLOCKS, ARS, ACS, BRS, ORS, ACC] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
  ];
  const f = new FunctionBuilder(`gemm${rows}x${vectors * 4}`, GEMM_PARAMS);
  const i = f.local(I32);
  const j = f.local(I32);
  const k = f.local(I32);
  const rowA = f.local(I32);
  const pb = f.local(I32);
  const po = f.local(I32);
  const pa = Array.from({ length: rows }, () => f.local(I32));
  const acc = Array.from({ length: rows }, () => Array.from({ length: vectors }, () => f.local(V128)));
  const bv = Array.from({ length: vectors }, () => f.local(V128));
  const splat = f.local(V128);
  const accAt = (r: number, v: number): number => acc[r]![v]!;
  const { get, set, i32, add, mul } = op;

  f.loop(i, ROW_BLOCKS, () => {
    f.emit(get(A), get(i), i32(rows), mul, get(ARS), mul, add, set(rowA));
    f.loop(j, COL_BLOCKS, () => {
      for (let r = 0; r < rows; r++) for (let v = 0; v < vectors; v++) f.emit(op.vConst(0), set(accAt(r, v)));
      for (let r = 0; r < rows; r++) {
        f.emit(get(rowA));
        if (r) f.emit(get(ARS), i32(r), mul, add);
        f.emit(set(pa[r]!));
      }
      f.emit(get(B), get(j), i32(16 * vectors), mul, add, set(pb));
      f.loop(k, INNER, () => {
        for (let v = 0; v < vectors; v++) f.emit(get(pb), op.vLoad(16 * v), set(bv[v]!));
        for (let r = 0; r < rows; r++) {
          f.emit(get(pa[r]!), op.vLoadSplat(0), set(splat));
          for (let v = 0; v < vectors; v++) {
            f.emit(get(accAt(r, v)), get(splat), get(bv[v]!), op.fMul, op.fAdd, set(accAt(r, v)));
          }
          f.advance(pa[r]!, ACS);
        }
        f.advance(pb, BRS);
      });
      // Store the block, adding what was there when accumulating.
      f.emit(
        get(OUT),
        get(i),
        i32(rows),
        mul,
        get(ORS),
        mul,
        add,
        get(j),
        i32(16 * vectors),
        mul,
        add,
        set(po),
      );
      for (let r = 0; r < rows; r++) {
        f.emit(get(ACC), op.if);
        for (let v = 0; v < vectors; v++) {
          f.emit(get(accAt(r, v)), get(po), op.vLoad(16 * v), op.fAdd, set(accAt(r, v)));
        }
        f.emit(op.end);
        for (let v = 0; v < vectors; v++) f.emit(get(po), get(accAt(r, v)), op.vStore(16 * v));
        if (r < rows - 1) f.advance(po, ORS);
      }
    });
  });
  return f;
}
