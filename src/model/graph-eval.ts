/**
 * A float evaluator for the few operators a GRU-step graph uses. It serves two jobs: calibration
 * (run the float graph on real sequences and record every tensor's range) and checking the graph
 * builder against the reference step without WASM in the loop.
 *
 * Constants are read as real numbers (float16 expanded, int8/int32 dequantized); activations stay
 * float, so QUANTIZE and DEQUANTIZE are identities here. That is exact for the float schemes and
 * "weights quantized, activations ideal" for int8.
 */
import { GruStreamError } from '../errors.js';
import type { GraphDesc, TensorDesc } from './graph.js';
import { fromHalfBits } from './quantize.js';

/** Product of a shape's dimensions. */
export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The real values of a constant tensor. */
export function constantValues(t: TensorDesc): Float32Array {
  if (!t.data) throw new GruStreamError('E_ARGUMENT', `tensor '${t.name}' is not a constant`);
  const n = elementCount(t.shape);
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Float32Array(n);
  const q = t.quantization;
  const cols = n / (t.shape[0] ?? 1);
  const real = (i: number, v: number): number => {
    if (!q || q.scale.length === 0) return v;
    const ch = q.scale.length > 1 ? Math.floor(i / cols) : 0;
    return q.scale[ch]! * (v - q.zeroPoint[ch]!);
  };
  for (let i = 0; i < n; i++) {
    switch (t.type) {
      case 'float32':
        out[i] = dv.getFloat32(i * 4, true);
        break;
      case 'float16':
        out[i] = fromHalfBits(dv.getUint16(i * 2, true));
        break;
      case 'int8':
        out[i] = real(i, dv.getInt8(i));
        break;
      case 'int32':
        out[i] = real(i, dv.getInt32(i * 4, true));
        break;
      default:
        throw new GruStreamError('E_MODEL_UNSUPPORTED', `constant '${t.name}' has type ${t.type}`);
    }
  }
  return out;
}

/** Evaluates a graph once; returns every tensor's values by index. Inputs are given by tensor index. */
export class GraphEvaluator {
  private readonly constants = new Map<number, Float32Array>();

  constructor(private readonly graph: GraphDesc) {
    graph.tensors.forEach((t, i) => {
      if (t.data) this.constants.set(i, constantValues(t));
    });
  }

  /**
   * @param inputs values of the graph inputs, in `graph.inputs` order
   * @param visit called with each computed tensor's name and values (for calibration)
   * @returns the graph outputs, in `graph.outputs` order
   */
  run(inputs: Float32Array[], visit?: (name: string, values: Float32Array) => void): Float32Array[] {
    const g = this.graph;
    const val = new Map<number, Float32Array>(this.constants);
    g.inputs.forEach((t, i) => {
      val.set(t, inputs[i]!);
      visit?.(g.tensors[t]!.name, inputs[i]!);
    });
    const get = (i: number): Float32Array => {
      const v = val.get(i);
      if (!v) throw new GruStreamError('E_MODEL_UNSUPPORTED', `tensor #${i} used before it is computed`);
      return v;
    };
    for (const op of g.operators) {
      const outT = g.tensors[op.outputs[0]!]!;
      const out = new Float32Array(elementCount(outT.shape));
      const a = get(op.inputs[0]!);
      switch (op.op) {
        case 'QUANTIZE':
        case 'DEQUANTIZE':
          out.set(a);
          break;
        case 'FULLY_CONNECTED': {
          const w = get(op.inputs[1]!);
          const bi = op.inputs[2] ?? -1;
          const b = bi >= 0 ? get(bi) : undefined;
          const rows = g.tensors[op.inputs[1]!]!.shape[0]!;
          const cols = w.length / rows;
          const B = a.length / cols;
          for (let n = 0; n < B; n++)
            for (let r = 0; r < rows; r++) {
              let s = b ? b[r]! : 0;
              for (let c = 0; c < cols; c++) s += a[n * cols + c]! * w[r * cols + c]!;
              out[n * rows + r] = s;
            }
          break;
        }
        case 'ADD':
        case 'SUB':
        case 'MUL': {
          const b = get(op.inputs[1]!);
          for (let i = 0; i < out.length; i++) {
            const x = a[a.length === 1 ? 0 : i]!;
            const y = b[b.length === 1 ? 0 : i]!;
            out[i] = op.op === 'ADD' ? x + y : op.op === 'SUB' ? x - y : x * y;
          }
          break;
        }
        case 'LOGISTIC':
          for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-a[i]!));
          break;
        case 'TANH':
          for (let i = 0; i < out.length; i++) out[i] = Math.tanh(a[i]!);
          break;
        case 'SOFTMAX': {
          const C = outT.shape[outT.shape.length - 1]!;
          for (let n = 0; n < out.length / C; n++) {
            const row = a.subarray(n * C, (n + 1) * C);
            const max = Math.max(...row);
            let sum = 0;
            for (let c = 0; c < C; c++) sum += Math.exp(row[c]! - max);
            for (let c = 0; c < C; c++) out[n * C + c] = Math.exp(row[c]! - max) / sum;
          }
          break;
        }
        default:
          throw new GruStreamError('E_MODEL_UNSUPPORTED', `graph evaluator has no operator ${op.op}`);
      }
      val.set(op.outputs[0]!, out);
      visit?.(outT.name, out);
    }
    return g.outputs.map(get);
  }
}
