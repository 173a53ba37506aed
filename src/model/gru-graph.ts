/**
 * Builds the TFLite graph of one GRU step (plus its head) for a fixed batch B and a quantization
 * scheme. Inputs `x[B,I]`, `h[B,H]`; outputs `y[B,C]`, `h_out[B,H]`, all float32 at the boundary.
 *
 * The graph is shaped by what the XNNPACK delegate of tfjs-tflite runs fast (see README "Model
 * format"): one FULLY_CONNECTED per gate and input, element-wise ADD/SUB/MUL, LOGISTIC, and no
 * TANH (never delegated): tanh(a) = 2·σ(2a) − 1, with the ×2 folded into the candidate weights.
 * Every intermediate has the same name in every scheme, which is how calibration ranges measured on
 * the float graph find their int8 tensors.
 */
import { GruStreamError } from '../errors.js';
import { STEP_TENSOR_NAMES } from './tensor-names.js';
import type { GraphDesc, Quantization } from './graph.js';
import { GraphBuilder } from './graph-builder.js';
import type { GruWeights } from './gru-reference.js';
import { checkWeights } from './gru-reference.js';
import {
  activationQuantization,
  encodeFloat16,
  quantizeBiasInt32,
  quantizeValue,
  quantizeWeightsInt8,
} from './quantize.js';

/** How weights (and, for `int8`, activations) are stored and computed. */
export type QuantScheme = 'float32' | 'float16' | 'int8-weights' | 'int8';
export const QUANT_SCHEMES: readonly QuantScheme[] = ['float32', 'float16', 'int8-weights', 'int8'];

/** Calibrated float range of each named tensor, for the `int8` scheme. */
export type RangeTable = Record<string, { min: number; max: number }>;

export interface GruGraphOptions {
  /** Rows per invoke (fixed: tfjs-tflite has no dynamic batch). */
  batch: number;
  scheme: QuantScheme;
  /** Replace tanh by 2·σ(2a) − 1 so the step stays inside the XNNPACK delegate. Default true. */
  tanhViaSigmoid?: boolean;
  /** Required for `int8`: ranges from {@link calibrateRanges} (see calibrate.ts). */
  ranges?: RangeTable;
}

/** Logistic outputs in TFLite int8 must use exactly this quantization (kernel requirement). */
const LOGISTIC_INT8: Quantization = { scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 }; // exact in float32

/** Rows `[from, from+n)` of a row-major `[rows, cols]` matrix, each value times `k`. */
function rowsOf(m: Float32Array, cols: number, from: number, n: number, k = 1): Float32Array {
  const out = m.slice(from * cols, (from + n) * cols);
  if (k !== 1) for (let i = 0; i < out.length; i++) out[i]! *= k;
  return out;
}

/** Builds the GRU-step graph. Throws E_ARGUMENT for bad sizes, E_MODEL_UNSUPPORTED for int8 without ranges. */
export function buildGruStepGraph(w: GruWeights, options: GruGraphOptions): GraphDesc {
  checkWeights(w);
  const { batch: B, scheme } = options;
  if (!Number.isInteger(B) || B < 1)
    throw new GruStreamError('E_ARGUMENT', `batch must be an integer ≥ 1, got ${B}`);
  if (scheme === 'int8' && !options.ranges) {
    throw new GruStreamError(
      'E_MODEL_UNSUPPORTED',
      "scheme 'int8' needs calibration ranges (options.ranges)",
    );
  }
  const rewrite = options.tanhViaSigmoid ?? true;
  const { inputSize: I, hiddenSize: H, outputSize: C } = w;
  const k = rewrite ? 2 : 1;
  // Gate parameters in the step's own terms. z and r get both biases on the x side (they just add);
  // the n gate keeps bh apart because reset_after multiplies it by r.
  const sum = (a: Float32Array, b: Float32Array): Float32Array => a.map((v, i) => v + b[i]!);
  const p = {
    w_zx: rowsOf(w.wx, I, 0, H),
    w_zh: rowsOf(w.wh, H, 0, H),
    b_z: sum(w.bx.subarray(0, H), w.bh.subarray(0, H)),
    w_rx: rowsOf(w.wx, I, H, H),
    w_rh: rowsOf(w.wh, H, H, H),
    b_r: sum(w.bx.subarray(H, 2 * H), w.bh.subarray(H, 2 * H)),
    w_nx: rowsOf(w.wx, I, 2 * H, H, k),
    w_nh: rowsOf(w.wh, H, 2 * H, H, k),
    b_nx: w.bx.slice(2 * H).map((v) => v * k),
    b_nh: w.bh.slice(2 * H).map((v) => v * k),
  };
  const g = new GraphBuilder();
  const q = scheme === 'int8' ? int8Ops(g, options.ranges!) : floatOps(g, scheme);
  const x = g.tensor(STEP_TENSOR_NAMES.x, [B, I], 'float32');
  const h = g.tensor(STEP_TENSOR_NAMES.h, [B, H], 'float32');
  const xi = q.input(x, 'x_q', [B, I]);
  const hi = q.input(h, 'h_q', [B, H]);

  const gate = (name: 'z' | 'r', wxm: Float32Array, whm: Float32Array, b: Float32Array): number => {
    const fx = q.fc(`${name}_x`, xi, wxm, H, I, b, B);
    const fh = q.fc(`${name}_h`, hi, whm, H, H, undefined, B);
    const pre = q.binary('ADD', `${name}_pre`, fx, fh, [B, H]);
    return q.logistic(name, pre, [B, H]);
  };
  const z = gate('z', p.w_zx, p.w_zh, p.b_z);
  const r = gate('r', p.w_rx, p.w_rh, p.b_r);
  const nx = q.fc('n_x', xi, p.w_nx, H, I, p.b_nx, B);
  let nPre: number;
  if (w.form === 'reset_after') {
    const nh = q.fc('n_h', hi, p.w_nh, H, H, p.b_nh, B);
    nPre = q.binary('ADD', 'n_pre', nx, q.binary('MUL', 'rn_h', r, nh, [B, H]), [B, H]);
  } else {
    const rh = q.binary('MUL', 'r_times_h', r, hi, [B, H]);
    nPre = q.binary('ADD', 'n_pre', nx, q.fc('n_h', rh, p.w_nh, H, H, p.b_nh, B), [B, H]);
  }
  let n: number;
  if (rewrite) {
    const s = q.logistic('n_sig', nPre, [B, H]);
    const s2 = q.binary('MUL', 'n_sig2', s, q.scalar('two', 2), [B, H]);
    n = q.binary('ADD', 'n', s2, q.scalar('minus_one', -1), [B, H]);
  } else {
    n = q.tanh('n', nPre, [B, H]);
  }
  // h' = z·h + (1 − z)·n, computed as n + z·(h − n): one op fewer and no constant 1.
  const hmn = q.binary('SUB', 'h_minus_n', hi, n, [B, H]);
  const zhmn = q.binary('MUL', 'z_h_minus_n', z, hmn, [B, H]);
  const hOut = q.output(STEP_TENSOR_NAMES.hOut, 'h_out_q', (name) => q.binary('ADD', name, n, zhmn, [B, H]), [
    B,
    H,
  ]);
  let y: number;
  if (w.head === 'softmax') {
    const logits = q.output('logits', 'logits_q', (name) => q.fc(name, q.last(hOut), w.wy, C, H, w.by, B), [
      B,
      C,
    ]);
    y = g.tensor(STEP_TENSOR_NAMES.y, [B, C], 'float32');
    g.op('SOFTMAX', [logits], [y], { beta: 1 });
  } else {
    y = q.output(STEP_TENSOR_NAMES.y, 'y_q', (name) => q.fc(name, q.last(hOut), w.wy, C, H, w.by, B), [B, C]);
  }
  const description = `GRU step (${w.form}, head ${w.head}) I=${I} H=${H} C=${C} B=${B} scheme=${scheme}`;
  return g.build([x, h], [y, hOut], description);
}

/** The per-scheme way to emit each kind of node; the step above is written once against it. */
interface OpEmitter {
  /** The tensor the step computes with, from a float graph input. */
  input(t: number, quantizedName: string, shape: number[]): number;
  fc(
    name: string,
    input: number,
    w: Float32Array,
    rows: number,
    cols: number,
    b: Float32Array | undefined,
    B: number,
  ): number;
  binary(op: 'ADD' | 'SUB' | 'MUL', name: string, a: number, b: number, shape: number[]): number;
  logistic(name: string, a: number, shape: number[]): number;
  tanh(name: string, a: number, shape: number[]): number;
  scalar(name: string, value: number): number;
  /**
   * A float graph output named `name`, computed by `make` (which receives the name the computing
   * tensor should get: `name` itself in float schemes, `quantizedName` in int8, then dequantized).
   */
  output(name: string, quantizedName: string, make: (name: string) => number, shape: number[]): number;
  /** The compute-domain tensor behind the last `output()` (int8 for int8, else the output itself). */
  last(outputIndex: number): number;
}

function floatOps(g: GraphBuilder, scheme: Exclude<QuantScheme, 'int8'>): OpEmitter {
  const weight = (name: string, m: Float32Array, rows: number, cols: number): number => {
    if (scheme === 'float32') return g.constant(name, [rows, cols], 'float32', m);
    // Stored small, expanded once at load: DEQUANTIZE of a constant is folded by the interpreter.
    const stored =
      scheme === 'float16'
        ? g.constant(`${name}/f16`, [rows, cols], 'float16', encodeFloat16(m))
        : (() => {
            const qw = quantizeWeightsInt8(m, rows, cols, true);
            return g.constant(`${name}/i8`, [rows, cols], 'int8', qw.q, qw.quantization);
          })();
    const out = g.tensor(name, [rows, cols], 'float32');
    g.op('DEQUANTIZE', [stored], [out]);
    return out;
  };
  const unary = (op: string, name: string, a: number, shape: number[]): number => {
    const o = g.tensor(name, shape, 'float32');
    g.op(op, [a], [o]);
    return o;
  };
  return {
    input: (t) => t,
    fc(name, input, m, rows, cols, b, B) {
      const wi = weight(`${name}/w`, m, rows, cols);
      const bi = b ? g.constant(`${name}/b`, [rows], 'float32', b) : -1;
      const o = g.tensor(name, [B, rows], 'float32');
      g.op('FULLY_CONNECTED', [input, wi, bi], [o], { fusedActivation: 'NONE', keepNumDims: false });
      return o;
    },
    binary(op, name, a, b, shape) {
      const o = g.tensor(name, shape, 'float32');
      g.op(op, [a, b], [o], { fusedActivation: 'NONE' });
      return o;
    },
    logistic: (name, a, shape) => unary('LOGISTIC', name, a, shape),
    tanh: (name, a, shape) => unary('TANH', name, a, shape),
    scalar: (name, value) => g.constant(name, [1], 'float32', new Float32Array([value])),
    output: (name, _q, make) => make(name),
    last: (t) => t,
  };
}

function int8Ops(g: GraphBuilder, ranges: RangeTable): OpEmitter {
  const range = (name: string): Quantization => {
    // An int8 tensor `foo_q` carries the range calibrated for the float tensor `foo`.
    const r = ranges[name.endsWith('_q') ? name.slice(0, -2) : name];
    if (!r || !Number.isFinite(r.min) || !Number.isFinite(r.max)) {
      throw new GruStreamError('E_MODEL_UNSUPPORTED', `int8: no calibrated range for tensor '${name}'`);
    }
    return activationQuantization(r.min, r.max);
  };
  const scaleOf = (t: number): number => g.quantizationOf(t).scale[0]!;
  const lastQuantized = new Map<number, number>();
  return {
    input(t, qName, shape) {
      const o = g.tensor(qName, shape, 'int8', range(g.nameOf(t)));
      g.op('QUANTIZE', [t], [o]);
      return o;
    },
    fc(name, input, m, rows, cols, b, B) {
      // Per-tensor weights and one bias scale: the only quantized FC form XNNPACK takes here.
      const qw = quantizeWeightsInt8(m, rows, cols, false);
      const wi = g.constant(`${name}/w`, [rows, cols], 'int8', qw.q, qw.quantization);
      let bi = -1;
      if (b) {
        const qb = quantizeBiasInt32(b, scaleOf(input) * qw.quantization.scale[0]!);
        bi = g.constant(`${name}/b`, [rows], 'int32', qb.q, qb.quantization);
      }
      const o = g.tensor(name, [B, rows], 'int8', range(name));
      g.op('FULLY_CONNECTED', [input, wi, bi], [o], { fusedActivation: 'NONE', keepNumDims: false });
      return o;
    },
    binary(op, name, a, b, shape) {
      const o = g.tensor(name, shape, 'int8', range(name));
      g.op(op, [a, b], [o], { fusedActivation: 'NONE' });
      return o;
    },
    logistic(name, a, shape) {
      const o = g.tensor(name, shape, 'int8', LOGISTIC_INT8);
      g.op('LOGISTIC', [a], [o]);
      return o;
    },
    tanh(name, a, shape) {
      const o = g.tensor(name, shape, 'int8', { scale: [1 / 128], zeroPoint: [0], quantizedDimension: 0 });
      g.op('TANH', [a], [o]);
      return o;
    },
    scalar(name, value) {
      const quant: Quantization = {
        scale: [Math.fround(Math.abs(value) / 127)],
        zeroPoint: [0],
        quantizedDimension: 0,
      };
      return g.constant(name, [1], 'int8', new Int8Array([quantizeValue(value, quant)]), quant);
    },
    output(name, qName, make, shape) {
      const qt = make(qName);
      // The float output keeps the range of the int8 tensor it dequantizes (same name in calibration).
      const o = g.tensor(name, shape, 'float32');
      g.op('DEQUANTIZE', [qt], [o]);
      lastQuantized.set(o, qt);
      return o;
    },
    last: (t) => lastQuantized.get(t) ?? t,
  };
}
