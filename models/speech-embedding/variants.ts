/**
 * Weight-precision variants of `embedding_model.tflite`: CONV_2D weights stored as float16, or as
 * int8 with one scale per output channel, each followed by a DEQUANTIZE
 * ({@link quantizedEmbeddingModel}, written by our writer), with the same quantizers as our GRU
 * export (`quantizeWeightsInt8`, `encodeFloat16`).
 *
 * tfjs-tflite folds a DEQUANTIZE of a constant at load time (TFLITE-NOTES.md), so such a model runs
 * float CONV_2Ds on weights equal to `float32(scale · q)` (int8) or the float16 value.
 * {@link speechEmbeddingVariant} writes exactly those weights into the float32 file in place
 * (`locateTensors`): same outputs as the quantized file (a test checks it), same layout as the
 * original, which keeps the benchmark's comparison to one variable.
 */
import type { GraphDesc, OperatorDesc, TensorDesc } from '../../src/model/graph.js';
import {
  dequantizeInt8,
  encodeFloat16,
  fromHalfBits,
  quantizeWeightsInt8,
  toHalfBits,
} from '../../src/model/quantize.js';
import { locateTensors } from '../../src/model/tflite/locate.js';
import { readTflite } from '../../src/model/tflite/reader.js';
import { writeTflite } from '../../src/model/tflite/writer.js';

export const SPEECH_EMBEDDING_VARIANTS = ['float32', 'float16-weights', 'int8-weights'] as const;
export type SpeechEmbeddingVariant = (typeof SPEECH_EMBEDDING_VARIANTS)[number];

/** Indices of the float32 weight tensors (input 1) of every CONV_2D. */
function convWeights(bytes: Uint8Array): { index: number; shape: number[] }[] {
  const g = readTflite(bytes);
  const seen = new Set<number>();
  return g.operators.flatMap((op) => {
    const index = op.inputs[1];
    if (op.op !== 'CONV_2D' || index === undefined || seen.has(index)) return [];
    seen.add(index);
    const t = g.tensors[index]!;
    if (t.type !== 'float32' || t.data === undefined) return [];
    return [{ index, shape: t.shape }];
  });
}

/** The weights of one tensor as the variant would give them back after DEQUANTIZE. */
function roundTrip(w: Float32Array, shape: number[], variant: SpeechEmbeddingVariant): Float32Array {
  if (variant === 'float32') return w;
  if (variant === 'float16-weights') return w.map((v) => fromHalfBits(toHalfBits(v)));
  // CONV_2D weights are [out, h, w, in]: one scale per output channel (quantized dimension 0).
  const rows = shape[0]!;
  const cols = w.length / rows;
  const { q, quantization } = quantizeWeightsInt8(w, rows, cols, true);
  return dequantizeInt8(q, quantization, cols);
}

/** A copy of the float32 file whose CONV_2D weights are those of `variant` (see the module comment). */
export function speechEmbeddingVariant(bytes: Uint8Array, variant: SpeechEmbeddingVariant): Uint8Array {
  if (variant === 'float32') return bytes;
  const out = bytes.slice();
  const where = locateTensors(out);
  for (const { index, shape } of convWeights(bytes)) {
    const at = where[index]!;
    const w = new Float32Array(out.slice(at.data, at.data + at.dataLength).buffer);
    out.set(new Uint8Array(roundTrip(w, shape, variant).buffer), at.data);
  }
  return out;
}

/** Bytes the CONV_2D weights take stored as `variant` (int8: 1 per weight plus a float32 scale per channel). */
export function variantWeightBytes(bytes: Uint8Array, variant: SpeechEmbeddingVariant): number {
  return convWeights(bytes).reduce((sum, { shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (variant === 'float32') return sum + 4 * n;
    if (variant === 'float16-weights') return sum + 2 * n;
    return sum + n + 4 * shape[0]!;
  }, 0);
}

/**
 * The float file rewritten with its CONV_2D weights stored as `variant` and a DEQUANTIZE in front
 * of each CONV_2D that uses them (all DEQUANTIZEs first, so the interpreter can fold them at load).
 */
export function quantizedEmbeddingModel(
  bytes: Uint8Array,
  variant: Exclude<SpeechEmbeddingVariant, 'float32'>,
): Uint8Array {
  const g = readTflite(bytes);
  const tensors: TensorDesc[] = [...g.tensors];
  const dequantize: OperatorDesc[] = [];
  const replaced = new Map<number, number>();
  for (const { index, shape } of convWeights(bytes)) {
    const t = g.tensors[index]!;
    const w = new Float32Array(t.data!.slice().buffer);
    let stored: TensorDesc;
    if (variant === 'float16-weights') {
      stored = { name: `${t.name}/float16`, shape, type: 'float16', data: encodeFloat16(w) };
    } else {
      const { q, quantization } = quantizeWeightsInt8(w, shape[0]!, w.length / shape[0]!, true);
      stored = { name: `${t.name}/int8`, shape, type: 'int8', data: new Uint8Array(q.buffer), quantization };
    }
    // The stored weights take the old tensor's place; the float tensor becomes DEQUANTIZE's output.
    tensors[index] = stored;
    const floatIndex = tensors.push({ name: t.name, shape, type: 'float32' }) - 1;
    dequantize.push({ op: 'DEQUANTIZE', inputs: [index], outputs: [floatIndex] });
    replaced.set(index, floatIndex);
  }
  const operators = g.operators.map((op) =>
    op.op === 'CONV_2D' ? { ...op, inputs: op.inputs.map((i) => replaced.get(i) ?? i) } : op,
  );
  const graph: GraphDesc = { ...g, tensors, operators: [...dequantize, ...operators] };
  return writeTflite(graph);
}
