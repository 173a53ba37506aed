/**
 * The GRU's elementwise gate math for one time step over N rows, 4 hidden units per f32x4: in JS it cost
 * ~30 ns per unit and frame (a third of training time once the products ran in SIMD).
 *
 * tanh is the rational approximation of fast-math.ts evaluated in float32: max |error| 3.4e-7 against
 * `Math.tanh` (measured in test/train/wasm-kernels.test.ts), below the 1e-6 the trainer allows.
 *
 * Layouts (float offsets inside the step): the `[N, H]` blocks (states, cached z, r, n, Wh_n·h + bh_n,
 * state gradients) share the offset (i·H + j); the `[N, 3H]` blocks (gate pre-activations and their
 * gradients) hold z, r, n parts at (i·3H + j), +H, +2H. H must be a multiple of 4.
 */
import { FunctionBuilder, I32, op, V128 } from './wasm-asm.js';
import { TANH_COEFFICIENTS } from './fast-math.js';

const { get, set, i32, add, mul } = op;

/** Pushes tanh(x) (x a v128 local, clamped in place) as f32x4. */
function emitTanh(f: FunctionBuilder, x: number, x2: number): void {
  const { numerator: a, denominator: b, clamp } = TANH_COEFFICIENTS;
  f.emit(get(x), op.vConst(clamp), op.fMin, op.vConst(-clamp), op.fMax, set(x));
  f.emit(get(x), get(x), op.fMul, set(x2));
  // Horner from the highest coefficient: p = x·(a1 + x²(a3 + …)), q = b0 + x²(b2 + …).
  f.emit(op.vConst(a[a.length - 1]!));
  for (let n = a.length - 2; n >= 0; n--) f.emit(get(x2), op.fMul, op.vConst(a[n]!), op.fAdd);
  f.emit(get(x), op.fMul);
  f.emit(op.vConst(b[b.length - 1]!));
  for (let n = b.length - 2; n >= 0; n--) f.emit(get(x2), op.fMul, op.vConst(b[n]!), op.fAdd);
  f.emit(op.fDiv);
}

/** Pushes σ(x) = 0.5 + 0.5·tanh(x/2) for the v128 on the stack. */
function emitSigmoid(f: FunctionBuilder, x: number, x2: number): void {
  f.emit(op.vConst(0.5), op.fMul, set(x));
  emitTanh(f, x, x2);
  f.emit(op.vConst(0.5), op.fMul, op.vConst(0.5), op.fAdd);
}

/**
 * `(gates, gh, bx, bh, hPrev, z, r, nn, ghn, hNext, rows, quads, hBytes)`: addresses in bytes,
 * `quads` = H/4, `hBytes` = 4H. Reads the input-side (no bias) and recurrent-side (no bias) gate
 * pre-activations; writes z, r, n, Wh_n·h + bh_n and h' = n + z·(h − n).
 */
export function forwardStepKernel(): FunctionBuilder {
  const [GATES, GH, BX, BH, HPREV, Z, R, NN, GHN, HNEXT, ROWS, QUADS, HB] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ] as const;
  const f = new FunctionBuilder('gruForwardStep', 13);
  const [i, q, u, g3, jb] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)] as const;
  const shifted = (base: number, times: number): number => {
    const l = f.local(I32);
    f.emit(get(base), get(HB), i32(times), mul, add, set(l));
    return l;
  };
  const [gatesR, gatesN, ghR, ghN, bxR, bxN, bhR, bhN] = [
    shifted(GATES, 1),
    shifted(GATES, 2),
    shifted(GH, 1),
    shifted(GH, 2),
    shifted(BX, 1),
    shifted(BX, 2),
    shifted(BH, 1),
    shifted(BH, 2),
  ] as const;
  const [zv, rv, gn, x, x2] = [
    f.local(V128),
    f.local(V128),
    f.local(V128),
    f.local(V128),
    f.local(V128),
  ] as const;
  const at = (base: number, off: number): number[] => [...get(base), ...get(off), ...add];
  const load = (base: number, off: number): number[] => [...at(base, off), ...op.vLoad(0)];
  const sixteen = f.local(I32);
  const twoH = f.local(I32);
  f.emit(i32(16), set(sixteen), get(HB), i32(2), mul, set(twoH));
  f.emit(i32(0), set(u), i32(0), set(g3));
  f.loop(i, ROWS, () => {
    f.emit(i32(0), set(jb));
    f.loop(q, QUADS, () => {
      f.emit(load(GATES, g3), load(BX, jb), op.fAdd, load(GH, g3), op.fAdd, load(BH, jb), op.fAdd);
      emitSigmoid(f, x, x2);
      f.emit(set(zv));
      f.emit(load(gatesR, g3), load(bxR, jb), op.fAdd, load(ghR, g3), op.fAdd, load(bhR, jb), op.fAdd);
      emitSigmoid(f, x, x2);
      f.emit(set(rv));
      f.emit(load(ghN, g3), load(bhN, jb), op.fAdd, set(gn));
      f.emit(load(gatesN, g3), load(bxN, jb), op.fAdd, get(rv), get(gn), op.fMul, op.fAdd, set(x));
      emitTanh(f, x, x2);
      f.emit(set(x)); // x = n from here on
      f.emit(at(Z, u), get(zv), op.vStore(0), at(R, u), get(rv), op.vStore(0));
      f.emit(at(NN, u), get(x), op.vStore(0), at(GHN, u), get(gn), op.vStore(0));
      f.emit(at(HNEXT, u), get(x), get(zv), load(HPREV, u), get(x), op.fSub, op.fMul, op.fAdd, op.vStore(0));
      f.advance(u, sixteen).advance(g3, sixteen).advance(jb, sixteen);
    });
    f.advance(g3, twoH);
  });
  return f;
}

/**
 * `(dh, dhNext, z, r, nn, ghn, hPrev, dGates, dgh, rows, quads, hBytes)`: with g = dh + dhNext (∂L/∂h'),
 * writes the gradients at the input-side (dGates) and recurrent-side (dgh) gate pre-activations, and
 * g·z (the direct part of ∂L/∂h) into dhNext.
 */
export function backwardStepKernel(): FunctionBuilder {
  const [DH, DHNEXT, Z, R, NN, GHN, HPREV, DGATES, DGH, ROWS, QUADS, HB] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
  ] as const;
  const f = new FunctionBuilder('gruBackwardStep', 12);
  const [i, q, u, g3] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)] as const;
  const shifted = (base: number, times: number): number => {
    const l = f.local(I32);
    f.emit(get(base), get(HB), i32(times), mul, add, set(l));
    return l;
  };
  const [dgR, dgN, dghR, dghN] = [
    shifted(DGATES, 1),
    shifted(DGATES, 2),
    shifted(DGH, 1),
    shifted(DGH, 2),
  ] as const;
  const v = (): number => f.local(V128);
  const [g, zv, rv, nv, dan, daz, dar] = [v(), v(), v(), v(), v(), v(), v()] as const;
  const at = (base: number, off: number): number[] => [...get(base), ...get(off), ...add];
  const load = (base: number, off: number): number[] => [...at(base, off), ...op.vLoad(0)];
  const sixteen = f.local(I32);
  const twoH = f.local(I32);
  const one = op.vConst(1);
  f.emit(i32(16), set(sixteen), get(HB), i32(2), mul, set(twoH));
  f.emit(i32(0), set(u), i32(0), set(g3));
  f.loop(i, ROWS, () => {
    f.loop(q, QUADS, () => {
      f.emit(load(DH, u), load(DHNEXT, u), op.fAdd, set(g));
      f.emit(load(Z, u), set(zv), load(R, u), set(rv), load(NN, u), set(nv));
      // dan = g·(1 − z)·(1 − n²); daz = g·(h − n)·z·(1 − z); dar = dan·ghn·r·(1 − r)
      f.emit(
        get(g),
        one,
        get(zv),
        op.fSub,
        op.fMul,
        one,
        get(nv),
        get(nv),
        op.fMul,
        op.fSub,
        op.fMul,
        set(dan),
      );
      f.emit(
        get(g),
        load(HPREV, u),
        get(nv),
        op.fSub,
        op.fMul,
        get(zv),
        op.fMul,
        one,
        get(zv),
        op.fSub,
        op.fMul,
      );
      f.emit(set(daz));
      f.emit(get(dan), load(GHN, u), op.fMul, get(rv), op.fMul, one, get(rv), op.fSub, op.fMul, set(dar));
      f.emit(at(DGATES, g3), get(daz), op.vStore(0), at(dgR, g3), get(dar), op.vStore(0));
      f.emit(at(dgN, g3), get(dan), op.vStore(0));
      f.emit(at(DGH, g3), get(daz), op.vStore(0), at(dghR, g3), get(dar), op.vStore(0));
      f.emit(at(dghN, g3), get(dan), get(rv), op.fMul, op.vStore(0));
      f.emit(at(DHNEXT, u), get(g), get(zv), op.fMul, op.vStore(0));
      f.advance(u, sixteen).advance(g3, sixteen);
    });
    f.advance(g3, twoH);
  });
  return f;
}

/** `(src, dst, quads)`: dst = tanh(src) over 4·quads floats; exported for the accuracy test. */
export function tanhKernel(): FunctionBuilder {
  const f = new FunctionBuilder('tanh', 3);
  const [q, x, x2] = [f.local(I32), f.local(V128), f.local(V128)] as const;
  f.loop(q, 2, () => {
    f.emit(get(0), op.vLoad(0), set(x));
    f.emit(get(1));
    emitTanh(f, x, x2);
    f.emit(op.vStore(0), get(0), i32(16), add, set(0), get(1), i32(16), add, set(1));
  });
  return f;
}
