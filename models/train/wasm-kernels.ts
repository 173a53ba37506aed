/**
 * The compute kernels of GRU training over one fixed WebAssembly memory: SIMD matrix products
 * (wasm-gemm-code.ts) and the per-step gate math (wasm-gru-code.ts), assembled at load by wasm-asm.ts.
 * Plain JS loops top out near 2.1 GMAC/s in V8; the product kernels measured 13–20 GMAC/s here.
 *
 * Callers place every operand in `heap` and pass float offsets. The memory never grows: growing would
 * detach every view of it (TRAINING-NOTES), so its size is fixed at construction.
 */
import { GruStreamError } from '../../src/errors.js';
import { assembleModule } from './wasm-asm.js';
import { gemmKernel } from './wasm-gemm-code.js';
import { backwardStepKernel, forwardStepKernel, tanhKernel } from './wasm-gru-code.js';
import { backwardStepJs, forwardStepJs } from './gru-steps-js.js';

/** Inner-dimension slice of {@link WasmKernels.gemm}: 128–512 measured 1.5–3× faster than unsliced. */
const INNER_SLICE = 256;

type Fn = (...args: number[]) => void;

let compiled: WebAssembly.Module | undefined;

function compile(): WebAssembly.Module {
  const fns = [gemmKernel(4, 2), gemmKernel(4, 1), gemmKernel(1, 2), gemmKernel(1, 1)];
  fns.push(forwardStepKernel(), backwardStepKernel(), tanhKernel());
  try {
    return new WebAssembly.Module(assembleModule(fns));
  } catch (e) {
    throw new GruStreamError('E_RUNTIME', `training kernels: WebAssembly SIMD module rejected: ${String(e)}`);
  }
}

export class WasmKernels {
  readonly memory: WebAssembly.Memory;
  /** All of the memory as floats. */
  readonly heap: Float32Array;
  private readonly gemm4x8: Fn;
  private readonly gemm4x4: Fn;
  private readonly gemm1x8: Fn;
  private readonly gemm1x4: Fn;
  private readonly gruForwardStep: Fn;
  private readonly gruBackwardStep: Fn;
  private readonly tanhKernel: Fn;

  /** @param floats capacity in floats (rounded up to 64 KiB pages) */
  constructor(floats: number) {
    const pages = Math.max(1, Math.ceil((floats * 4) / 65536));
    compiled ??= compile();
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const fn = new WebAssembly.Instance(compiled, { env: { memory: this.memory } }).exports as Record<
      string,
      Fn
    >;
    const get = (name: string): Fn => {
      const f = fn[name];
      if (!f) throw new GruStreamError('E_RUNTIME', `training kernels: no export '${name}'`);
      return f;
    };
    this.gemm4x8 = get('gemm4x8');
    this.gemm4x4 = get('gemm4x4');
    this.gemm1x8 = get('gemm1x8');
    this.gemm1x4 = get('gemm1x4');
    this.gruForwardStep = get('gruForwardStep');
    this.gruBackwardStep = get('gruBackwardStep');
    this.tanhKernel = get('tanh');
    this.heap = new Float32Array(this.memory.buffer);
  }

  /**
   * `out[r, c] (+)= Σ_k A(r, k) · B(k, c)` for r < rows, c < cols, k < inner, where (offsets and strides
   * in floats) A(r, k) = heap[a + r·ars + k·acs], B(k, c) = heap[b + k·brs + c], out[r, c] = heap[out +
   * r·ors + c]. `out` must not overlap A or B.
   */
  gemm(
    out: number,
    a: number,
    b: number,
    rows: number,
    inner: number,
    cols: number,
    ars: number,
    acs: number,
    brs: number,
    ors: number,
    accumulate: boolean,
  ): void {
    // A long inner dimension (the N·T frames of a weight gradient) in slices whose operands stay in L2.
    this.block(out, a, b, rows, Math.min(inner, INNER_SLICE), cols, ars, acs, brs, ors, accumulate);
    for (let k0 = INNER_SLICE; k0 < inner; k0 += INNER_SLICE) {
      const kn = Math.min(INNER_SLICE, inner - k0);
      this.block(out, a + k0 * acs, b + k0 * brs, rows, kn, cols, ars, acs, brs, ors, true);
    }
  }

  /** One time step's gates (see `forwardStepKernel`); offsets in floats. */
  forwardStep(
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
    if (H % 4) {
      forwardStepJs(this.heap, gates, gh, bx, bh, hPrev, z, r, nn, ghn, hNext, rows, H);
      return;
    }
    // Byte addresses for the kernel (written out: a spread would allocate on every step).
    this.gruForwardStep(
      gates * 4,
      gh * 4,
      bx * 4,
      bh * 4,
      hPrev * 4,
      z * 4,
      r * 4,
      nn * 4,
      ghn * 4,
      hNext * 4,
      rows,
      H / 4,
      H * 4,
    );
  }

  /** One time step's gate gradients (see `backwardStepKernel`); offsets in floats. */
  backwardStep(
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
    if (H % 4) {
      backwardStepJs(this.heap, dh, dhNext, z, r, nn, ghn, hPrev, dGates, dgh, rows, H);
      return;
    }
    this.gruBackwardStep(
      dh * 4,
      dhNext * 4,
      z * 4,
      r * 4,
      nn * 4,
      ghn * 4,
      hPrev * 4,
      dGates * 4,
      dgh * 4,
      rows,
      H / 4,
      H * 4,
    );
  }

  /** `heap[dst + i] = tanh(heap[src + i])` for i < 4·quads, in the kernels' float32 arithmetic. */
  tanh(src: number, dst: number, quads: number): void {
    this.tanhKernel(src * 4, dst * 4, quads);
  }

  private block(
    out: number,
    a: number,
    b: number,
    rows: number,
    inner: number,
    cols: number,
    ars: number,
    acs: number,
    brs: number,
    ors: number,
    accumulate: boolean,
  ): void {
    const acc = accumulate ? 1 : 0;
    const rows4 = rows - (rows % 4);
    const cols8 = cols - (cols % 8);
    const cols4 = cols - (cols % 4);
    const as = ars * 4;
    const cs = acs * 4;
    const bs = brs * 4;
    const os = ors * 4;
    if (rows4 > 0) {
      const rb = rows4 / 4;
      if (cols8 > 0) this.gemm4x8(out * 4, a * 4, b * 4, rb, inner, cols8 / 8, as, cs, bs, os, acc);
      if (cols4 > cols8)
        this.gemm4x4((out + cols8) * 4, a * 4, (b + cols8) * 4, rb, inner, 1, as, cs, bs, os, acc);
    }
    if (rows > rows4) {
      const oR = out + rows4 * ors;
      const aR = a + rows4 * ars;
      const rb = rows - rows4;
      if (cols8 > 0) this.gemm1x8(oR * 4, aR * 4, b * 4, rb, inner, cols8 / 8, as, cs, bs, os, acc);
      if (cols4 > cols8)
        this.gemm1x4((oR + cols8) * 4, aR * 4, (b + cols8) * 4, rb, inner, 1, as, cs, bs, os, acc);
    }
    // The last cols % 4 columns (e.g. a 3-class head): scalar, in JS.
    const h = this.heap;
    for (let c = cols4; c < cols; c++) {
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) sum += h[a + r * ars + k * acs]! * h[b + k * brs + c]!;
        const o = out + r * ors + c;
        h[o] = accumulate ? h[o]! + sum : sum;
      }
    }
  }
}
