/**
 * `.tflite` writer: serialises a {@link GraphDesc} as a TFLite flatbuffer (schema version 3, one
 * subgraph named "main") with hand-written bindings on the flatbuffers runtime.
 *
 * The graph is validated first (see {@link validateGraph}) so a mistake is reported against the
 * tensor or operator that has it, instead of as an interpreter failure far away. Operator versions
 * follow tensorflow/lite/tools/versioning/op_version.cc (see {@link opVersion}).
 */
import * as flatbuffers from 'flatbuffers';
import { GruStreamError } from '../../errors.js';
import type { GraphDesc, OperatorDesc, OpOptions, Quantization, TensorDesc, TensorType } from '../graph.js';
import {
  ACTIVATION_FUNCTION,
  ADD_OPTIONS,
  BUFFER,
  BUILTIN_OPERATOR,
  BUILTIN_OPTIONS,
  CONCATENATION_OPTIONS,
  CONV_2D_OPTIONS,
  DIV_OPTIONS,
  FILE_IDENTIFIER,
  FULLY_CONNECTED_OPTIONS,
  LEAKY_RELU_OPTIONS,
  METADATA,
  MODEL,
  MUL_OPTIONS,
  OPERATOR,
  OPERATOR_CODE,
  PADDING,
  PLACEHOLDER_FOR_GREATER_OP_CODES,
  POOL_2D_OPTIONS,
  QUANTIZATION,
  SCHEMA_VERSION,
  SOFTMAX_OPTIONS,
  SUB_OPTIONS,
  SUBGRAPH,
  TENSOR,
  elementSize,
  tensorTypeCode,
} from './schema.js';

function unsupported(message: string): never {
  throw new GruStreamError('E_MODEL_UNSUPPORTED', `Cannot write TFLite: ${message}`);
}

/** Element types the writer accepts (GraphDesc's {@link TensorType}). */
const WRITABLE_TYPES: ReadonlySet<string> = new Set<TensorType>([
  'float32',
  'float16',
  'int32',
  'int8',
  'uint8',
  'int16',
  'int64',
  'bool',
]);

/** Operators the writer accepts: arity and the OpOptions keys each one carries. */
interface OpSpec {
  minInputs: number;
  maxInputs: number;
  /** Input positions that may be -1 (omitted optional input). */
  optionalInputs: number[];
  options: (keyof OpOptions)[];
}

const unary: OpSpec = { minInputs: 1, maxInputs: 1, optionalInputs: [], options: [] };
const binary: OpSpec = { minInputs: 2, maxInputs: 2, optionalInputs: [], options: ['fusedActivation'] };

const OP_SPECS: Record<string, OpSpec> = {
  FULLY_CONNECTED: {
    minInputs: 2,
    maxInputs: 3,
    optionalInputs: [2],
    options: ['fusedActivation', 'keepNumDims'],
  },
  ADD: binary,
  SUB: binary,
  MUL: binary,
  DIV: binary,
  SOFTMAX: { ...unary, options: ['beta'] },
  CONCATENATION: {
    minInputs: 1,
    maxInputs: Infinity,
    optionalInputs: [],
    options: ['axis', 'fusedActivation'],
  },
  LOGISTIC: unary,
  TANH: unary,
  RELU: unary,
  DEQUANTIZE: unary,
  QUANTIZE: unary,
  CONV_2D: {
    minInputs: 2,
    maxInputs: 3,
    optionalInputs: [2],
    options: ['padding', 'strideW', 'strideH', 'dilationW', 'dilationH', 'fusedActivation'],
  },
  MAX_POOL_2D: {
    ...unary,
    options: ['padding', 'strideW', 'strideH', 'filterW', 'filterH', 'fusedActivation'],
  },
  LEAKY_RELU: { ...unary, options: ['alpha'] },
  PAD: { minInputs: 2, maxInputs: 2, optionalInputs: [], options: [] },
  MAXIMUM: { minInputs: 2, maxInputs: 2, optionalInputs: [], options: [] },
  MINIMUM: { minInputs: 2, maxInputs: 2, optionalInputs: [], options: [] },
};

const INT32_MAX = 0x7fffffff;

/** Zero-point ranges of the integer types whose zero point must fit the type itself. */
const ZERO_POINT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
};

function tensorLabel(graph: GraphDesc, index: number): string {
  return `tensor ${index} "${graph.tensors[index]?.name ?? '?'}"`;
}

function validateQuantization(label: string, t: TensorDesc, q: Quantization): void {
  if (!Array.isArray(q.scale) || !Array.isArray(q.zeroPoint)) {
    unsupported(`${label}: quantization needs scale and zeroPoint arrays`);
  }
  if (q.scale.length !== q.zeroPoint.length) {
    unsupported(`${label}: quantization has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`);
  }
  q.scale.forEach((s, i) => {
    if (!Number.isFinite(s))
      unsupported(`${label}: quantization scale[${i}] is ${s}, expected a finite number`);
  });
  const range = ZERO_POINT_RANGE[t.type];
  q.zeroPoint.forEach((z, i) => {
    if (!Number.isSafeInteger(z))
      unsupported(`${label}: quantization zeroPoint[${i}] is ${z}, expected an integer`);
    if (range !== undefined && (z < range[0] || z > range[1])) {
      unsupported(`${label}: zeroPoint[${i}] ${z} does not fit ${t.type} (${range[0]}..${range[1]})`);
    }
  });
  const qd = q.quantizedDimension;
  if (!Number.isInteger(qd) || qd < 0 || (q.scale.length > 1 && qd >= t.shape.length)) {
    unsupported(`${label}: quantizedDimension ${qd} is outside the tensor's rank ${t.shape.length}`);
  }
  if (q.scale.length > 1 && t.shape[qd] !== q.scale.length) {
    unsupported(
      `${label}: ${q.scale.length} per-channel scales but shape[${qd}] of [${t.shape.join(', ')}] ` +
        `is ${t.shape[qd]}; expected one scale per channel`,
    );
  }
  if ((q.min?.length ?? 0) !== (q.max?.length ?? 0)) {
    unsupported(
      `${label}: quantization min has ${q.min?.length ?? 0} values but max has ${q.max?.length ?? 0}`,
    );
  }
}

function validateTensor(graph: GraphDesc, index: number): void {
  const t = graph.tensors[index] as TensorDesc;
  const label = tensorLabel(graph, index);
  if (typeof t.name !== 'string') unsupported(`tensor ${index}: name must be a string`);
  if (!WRITABLE_TYPES.has(t.type)) {
    unsupported(`${label}: type '${t.type}' is not writable (supported: ${[...WRITABLE_TYPES].join(', ')})`);
  }
  if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0 || d > INT32_MAX)) {
    unsupported(`${label}: shape [${String(t.shape)}] must hold non-negative int32 dimensions`);
  }
  if (t.data !== undefined) {
    if (!(t.data instanceof Uint8Array)) unsupported(`${label}: data must be a Uint8Array`);
    const size = elementSize(t.type) as number;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count * size) {
      unsupported(
        `${label}: data has ${t.data.length} bytes, expected ${count * size} ` +
          `(shape [${t.shape.join(', ')}] x ${size} bytes per ${t.type})`,
      );
    }
  }
  if (t.quantization !== undefined) validateQuantization(label, t, t.quantization);
}

function validateOptions(label: string, spec: OpSpec, options: OpOptions | undefined): void {
  if (options === undefined) return;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!spec.options.includes(key as keyof OpOptions)) {
      unsupported(`${label}: option '${key}' does not apply (allowed: ${spec.options.join(', ') || 'none'})`);
    }
  }
  const { fusedActivation, beta, axis, keepNumDims } = options;
  if (fusedActivation !== undefined && !Object.hasOwn(ACTIVATION_FUNCTION, fusedActivation)) {
    unsupported(`${label}: fusedActivation '${fusedActivation}' is not an ActivationFunctionType`);
  }
  if (beta !== undefined && !Number.isFinite(beta)) unsupported(`${label}: beta ${beta} is not finite`);
  if (axis !== undefined && !(Number.isInteger(axis) && Math.abs(axis) <= INT32_MAX)) {
    unsupported(`${label}: axis ${axis} is not an int32`);
  }
  if (keepNumDims !== undefined && typeof keepNumDims !== 'boolean') {
    unsupported(`${label}: keepNumDims must be a boolean`);
  }
  const { padding, alpha } = options;
  if (padding !== undefined && padding !== 'SAME' && padding !== 'VALID') {
    unsupported(`${label}: padding '${String(padding)}' is not SAME or VALID`);
  }
  for (const key of ['strideW', 'strideH', 'dilationW', 'dilationH', 'filterW', 'filterH'] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= INT32_MAX)) {
      unsupported(`${label}: ${key} ${v} is not an integer ≥ 1`);
    }
  }
  if (alpha !== undefined && !Number.isFinite(alpha)) unsupported(`${label}: alpha ${alpha} is not finite`);
}

function validateOperator(graph: GraphDesc, index: number): void {
  const op = graph.operators[index] as OperatorDesc;
  const spec = OP_SPECS[op.op];
  if (spec === undefined) {
    unsupported(
      `operator #${index}: op '${op.op}' is not writable (supported: ${Object.keys(OP_SPECS).join(', ')})`,
    );
  }
  const label = `operator #${index} ${op.op}`;
  if (op.inputs.length < spec.minInputs || op.inputs.length > spec.maxInputs) {
    const want =
      spec.maxInputs === Infinity ? `at least ${spec.minInputs}` : `${spec.minInputs}..${spec.maxInputs}`;
    unsupported(`${label}: has ${op.inputs.length} inputs, expected ${want}`);
  }
  if (op.outputs.length !== 1) unsupported(`${label}: has ${op.outputs.length} outputs, expected 1`);
  const check = (kind: string, list: number[], optional: number[]): void =>
    list.forEach((t, i) => {
      if (t === -1 && optional.includes(i)) return;
      if (!Number.isInteger(t) || t < 0 || t >= graph.tensors.length) {
        unsupported(
          `${label}: ${kind}[${i}] is tensor ${t}, out of range (the graph has ${graph.tensors.length})`,
        );
      }
    });
  check('input', op.inputs, spec.optionalInputs);
  check('output', op.outputs, []);
  validateOptions(label, spec, op.options);
}

/**
 * Checks everything the file format or the interpreter would otherwise reject late or silently:
 * indices in range, constant sizes, quantization arrays, supported types, ops and options.
 *
 * @throws GruStreamError `E_MODEL_UNSUPPORTED` naming the tensor or operator, expected vs actual.
 */
export function validateGraph(graph: GraphDesc): void {
  if (graph.version !== SCHEMA_VERSION) {
    unsupported(`graph.version is ${graph.version}; only schema version ${SCHEMA_VERSION} is written`);
  }
  graph.tensors.forEach((_, i) => validateTensor(graph, i));
  graph.operators.forEach((_, i) => validateOperator(graph, i));
  for (const [kind, list] of [
    ['inputs', graph.inputs],
    ['outputs', graph.outputs],
  ] as const) {
    list.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= graph.tensors.length) {
        unsupported(
          `graph ${kind}[${i}] is tensor ${t}, out of range (the graph has ${graph.tensors.length})`,
        );
      }
    });
  }
  graph.metadata.forEach((m, i) => {
    if (typeof m.name !== 'string' || !(m.data instanceof Uint8Array)) {
      unsupported(`metadata[${i}]: needs a string name and Uint8Array data`);
    }
  });
}

// ---- Operator versions -------------------------------------------------------------------------

/** Per-channel: more than one scale, one per entry of the quantized dimension. */
function isPerChannel(t: TensorDesc | undefined, dim: number | undefined): boolean {
  const q = t?.quantization;
  if (q === undefined || q.scale.length <= 1 || t === undefined) return false;
  return t.shape[dim ?? q.quantizedDimension] === q.scale.length;
}

/**
 * The minimal op version the interpreter needs for this node: the number TFLite's own
 * GetBuiltinOperatorVersion (tensorflow/lite/tools/versioning/op_version.cc) computes, restricted
 * to the types and options this writer can produce. The interpreter refuses a version its kernel
 * does not register, so a higher number than needed can break older runtimes and a lower one can
 * select a kernel that does not handle the types. Branches for things the writer never emits
 * (int4, uint32, complex64, sparse or shuffled weights, quantized_bias_type,
 * asymmetric_quantize_inputs, pot_scale_int16 = false) are left out.
 */
export function opVersion(graph: GraphDesc, op: OperatorDesc): number {
  const tensor = (i: number | undefined): TensorDesc | undefined =>
    i === undefined || i < 0 ? undefined : graph.tensors[i];
  const in0 = tensor(op.inputs[0]);
  const in1 = tensor(op.inputs[1]);
  const out0 = tensor(op.outputs[0]);
  const t0 = in0?.type;
  const broadcastOver4D = (): boolean =>
    in0 !== undefined &&
    in1 !== undefined &&
    in0.shape.join(',') !== in1.shape.join(',') &&
    Math.max(in0.shape.length, in1.shape.length) > 4;

  switch (op.op) {
    case 'FULLY_CONNECTED': {
      const [a, w, o] = [t0, in1?.type, out0?.type];
      // Per-channel here means one scale per output row (weights dimension 0).
      if (a === 'float32' && w === 'int8' && o === 'float32' && isPerChannel(in1, 0)) return 12;
      if (a === 'int16' && w === 'int16' && o === 'int16') return 7;
      if (op.inputs.length === 2) return 6; // no bias input at all (a -1 bias is still 3 inputs)
      if (op.options?.keepNumDims === true) return 5;
      if (a === 'int8' && w === 'int8' && o === 'int8') return 4;
      if (a === 'float32' && w === 'int8' && o === 'float32') return 3; // hybrid
      return 1;
    }
    case 'ADD':
      if (t0 === 'int16' && in0?.quantization === undefined) return 5;
      if (t0 === 'int64') return 4;
      return t0 === 'int8' ? 2 : 1;
    case 'SUB':
      if (t0 === 'int64') return 4;
      if (broadcastOver4D()) return 3;
      return t0 === 'int8' ? 2 : 1;
    case 'MUL': {
      const quantized = in0?.quantization !== undefined || in1?.quantization !== undefined;
      if (t0 === 'int16' && !quantized) return 7;
      if (t0 === 'int64') return 5;
      if (t0 === 'int16') return 4;
      const [s1, s2, so] = [in0, in1, out0].map((t) => t?.quantization?.scale[0]);
      // The reference computes in float32; a rescale >= 1 needs the version-3 kernel.
      if (s1 && s2 && so && Math.fround(Math.fround(s1 * s2) / so) >= 1) return 3;
      return t0 === 'int8' ? 2 : 1;
    }
    case 'DIV':
      return broadcastOver4D() ? 2 : 1;
    case 'LOGISTIC':
    case 'TANH':
      if (t0 === 'int16' && out0?.type === 'int16') return 3;
      return t0 === 'int8' ? 2 : 1;
    case 'RELU':
      if (t0 === 'int16') return 3;
      return t0 === 'int8' || t0 === 'uint8' ? 2 : 1;
    case 'SOFTMAX':
    case 'CONCATENATION':
      if (t0 === 'int16') return 3;
      return t0 === 'int8' ? 2 : 1;
    case 'DEQUANTIZE':
      if (t0 === 'int16' || t0 === 'float16') return 3;
      if (t0 === 'int8') return isPerChannel(in0, undefined) ? 5 : 2;
      return 1;
    case 'QUANTIZE':
      if (isPerChannel(out0, undefined)) return 3;
      return out0?.type === 'int16' ? 2 : 1;
    default:
      return 1;
  }
}

// ---- Serialisation -----------------------------------------------------------------------------

/** Writes `data` as a byte vector whose first byte is 16-aligned in the finished file. */
function alignedByteVector(b: flatbuffers.Builder, data: Uint8Array): flatbuffers.Offset {
  // startVector reserves room for the bytes; the finished buffer's size is a multiple of the
  // largest alignment used (16), so alignment from the end is alignment from the start.
  b.startVector(1, data.length, 16);
  for (let i = data.length - 1; i >= 0; i--) b.writeInt8(data[i] as number);
  return b.endVector();
}

function int32Vector(b: flatbuffers.Builder, values: readonly number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function float32Vector(b: flatbuffers.Builder, values: readonly number[]): flatbuffers.Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] as number);
  return b.endVector();
}

function int64Vector(b: flatbuffers.Builder, values: readonly number[]): flatbuffers.Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] as number));
  return b.endVector();
}

function offsetVector(b: flatbuffers.Builder, offsets: readonly flatbuffers.Offset[]): flatbuffers.Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as flatbuffers.Offset);
  return b.endVector();
}

function writeBuffer(b: flatbuffers.Builder, data: Uint8Array | undefined): flatbuffers.Offset {
  const dataOffset = data === undefined ? 0 : alignedByteVector(b, data);
  b.startObject(Object.keys(BUFFER).length);
  if (dataOffset !== 0) b.addFieldOffset(BUFFER.data, dataOffset, 0);
  return b.endObject();
}

function writeQuantization(b: flatbuffers.Builder, q: Quantization): flatbuffers.Offset {
  const scale = float32Vector(b, q.scale);
  const zeroPoint = int64Vector(b, q.zeroPoint);
  const min = q.min !== undefined && q.min.length > 0 ? float32Vector(b, q.min) : 0;
  const max = q.max !== undefined && q.max.length > 0 ? float32Vector(b, q.max) : 0;
  b.startObject(Object.keys(QUANTIZATION).length);
  if (min !== 0) b.addFieldOffset(QUANTIZATION.min, min, 0);
  if (max !== 0) b.addFieldOffset(QUANTIZATION.max, max, 0);
  b.addFieldOffset(QUANTIZATION.scale, scale, 0);
  b.addFieldOffset(QUANTIZATION.zero_point, zeroPoint, 0);
  b.addFieldInt32(QUANTIZATION.quantized_dimension, q.quantizedDimension, 0);
  return b.endObject();
}

function writeTensor(b: flatbuffers.Builder, t: TensorDesc, bufferIndex: number): flatbuffers.Offset {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const quantization = t.quantization === undefined ? 0 : writeQuantization(b, t.quantization);
  b.startObject(Object.keys(TENSOR).length);
  b.addFieldOffset(TENSOR.shape, shape, 0);
  b.addFieldInt8(TENSOR.type, tensorTypeCode(t.type) as number, 0);
  b.addFieldInt32(TENSOR.buffer, bufferIndex, 0);
  b.addFieldOffset(TENSOR.name, name, 0);
  if (quantization !== 0) b.addFieldOffset(TENSOR.quantization, quantization, 0);
  return b.endObject();
}

/** Options table for `op`: [union type id, table offset], or [NONE, 0] for ops without options. */
function writeOptions(b: flatbuffers.Builder, op: OperatorDesc): [number, flatbuffers.Offset] {
  const o = op.options ?? {};
  const act = ACTIVATION_FUNCTION[o.fusedActivation ?? 'NONE'];
  const simple = (typeId: number, fields: number, actField: number): [number, flatbuffers.Offset] => {
    b.startObject(fields);
    b.addFieldInt8(actField, act, 0);
    return [typeId, b.endObject()];
  };
  switch (op.op) {
    case 'FULLY_CONNECTED':
      b.startObject(Object.keys(FULLY_CONNECTED_OPTIONS).length);
      b.addFieldInt8(FULLY_CONNECTED_OPTIONS.fused_activation_function, act, 0);
      // weights_format stays DEFAULT (0, the schema default, so not stored).
      b.addFieldInt8(FULLY_CONNECTED_OPTIONS.keep_num_dims, o.keepNumDims === true ? 1 : 0, 0);
      return [BUILTIN_OPTIONS.FullyConnectedOptions, b.endObject()];
    case 'ADD':
      return simple(
        BUILTIN_OPTIONS.AddOptions,
        Object.keys(ADD_OPTIONS).length,
        ADD_OPTIONS.fused_activation_function,
      );
    case 'SUB':
      return simple(
        BUILTIN_OPTIONS.SubOptions,
        Object.keys(SUB_OPTIONS).length,
        SUB_OPTIONS.fused_activation_function,
      );
    case 'MUL':
      return simple(
        BUILTIN_OPTIONS.MulOptions,
        Object.keys(MUL_OPTIONS).length,
        MUL_OPTIONS.fused_activation_function,
      );
    case 'DIV':
      return simple(
        BUILTIN_OPTIONS.DivOptions,
        Object.keys(DIV_OPTIONS).length,
        DIV_OPTIONS.fused_activation_function,
      );
    case 'SOFTMAX':
      b.startObject(Object.keys(SOFTMAX_OPTIONS).length);
      // Always stored: the schema default is 0, but the meaningful default is 1.
      b.addFieldFloat32(SOFTMAX_OPTIONS.beta, o.beta ?? 1, null);
      return [BUILTIN_OPTIONS.SoftmaxOptions, b.endObject()];
    case 'CONCATENATION':
      b.startObject(Object.keys(CONCATENATION_OPTIONS).length);
      b.addFieldInt32(CONCATENATION_OPTIONS.axis, o.axis ?? 0, 0);
      b.addFieldInt8(CONCATENATION_OPTIONS.fused_activation_function, act, 0);
      return [BUILTIN_OPTIONS.ConcatenationOptions, b.endObject()];
    case 'CONV_2D':
      b.startObject(Object.keys(CONV_2D_OPTIONS).length);
      b.addFieldInt8(CONV_2D_OPTIONS.padding, PADDING[o.padding ?? 'SAME'], null);
      b.addFieldInt32(CONV_2D_OPTIONS.stride_w, o.strideW ?? 1, null);
      b.addFieldInt32(CONV_2D_OPTIONS.stride_h, o.strideH ?? 1, null);
      b.addFieldInt8(CONV_2D_OPTIONS.fused_activation_function, act, 0);
      b.addFieldInt32(CONV_2D_OPTIONS.dilation_w_factor, o.dilationW ?? 1, 1);
      b.addFieldInt32(CONV_2D_OPTIONS.dilation_h_factor, o.dilationH ?? 1, 1);
      return [BUILTIN_OPTIONS.Conv2DOptions, b.endObject()];
    case 'MAX_POOL_2D':
      b.startObject(Object.keys(POOL_2D_OPTIONS).length);
      b.addFieldInt8(POOL_2D_OPTIONS.padding, PADDING[o.padding ?? 'SAME'], null);
      b.addFieldInt32(POOL_2D_OPTIONS.stride_w, o.strideW ?? 1, null);
      b.addFieldInt32(POOL_2D_OPTIONS.stride_h, o.strideH ?? 1, null);
      b.addFieldInt32(POOL_2D_OPTIONS.filter_width, o.filterW ?? 1, null);
      b.addFieldInt32(POOL_2D_OPTIONS.filter_height, o.filterH ?? 1, null);
      b.addFieldInt8(POOL_2D_OPTIONS.fused_activation_function, act, 0);
      return [BUILTIN_OPTIONS.Pool2DOptions, b.endObject()];
    case 'LEAKY_RELU':
      b.startObject(Object.keys(LEAKY_RELU_OPTIONS).length);
      b.addFieldFloat32(LEAKY_RELU_OPTIONS.alpha, o.alpha ?? 0, null);
      return [BUILTIN_OPTIONS.LeakyReluOptions, b.endObject()];
    default:
      // LOGISTIC, TANH, RELU, QUANTIZE, DEQUANTIZE, PAD, MAXIMUM, MINIMUM: no options table (the
      // interpreter needs none).
      return [BUILTIN_OPTIONS.NONE, 0];
  }
}

function writeOperator(b: flatbuffers.Builder, op: OperatorDesc, opcodeIndex: number): flatbuffers.Offset {
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  const [optionsType, options] = writeOptions(b, op);
  b.startObject(Object.keys(OPERATOR).length);
  b.addFieldInt32(OPERATOR.opcode_index, opcodeIndex, 0);
  b.addFieldOffset(OPERATOR.inputs, inputs, 0);
  b.addFieldOffset(OPERATOR.outputs, outputs, 0);
  if (optionsType !== BUILTIN_OPTIONS.NONE) {
    b.addFieldInt8(OPERATOR.builtin_options_type, optionsType, 0);
    b.addFieldOffset(OPERATOR.builtin_options, options, 0);
  }
  return b.endObject();
}

function writeOperatorCode(b: flatbuffers.Builder, name: string, version: number): flatbuffers.Offset {
  const code = BUILTIN_OPERATOR[name as keyof typeof BUILTIN_OPERATOR];
  b.startObject(Object.keys(OPERATOR_CODE).length);
  b.addFieldInt8(OPERATOR_CODE.deprecated_builtin_code, Math.min(code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
  b.addFieldInt32(OPERATOR_CODE.version, version, 1);
  b.addFieldInt32(OPERATOR_CODE.builtin_code, code, 0);
  return b.endObject();
}

/** Flatbuffers offsets are 32-bit; stay clear of the 2 GB limit with room for the tables. */
const MAX_CONSTANT_BYTES = 0x7fffffff - 64 * 1024 * 1024;

/**
 * Serialises `graph` as a `.tflite` file: schema version 3, identifier "TFL3", one subgraph "main".
 * Buffer 0 is the empty sentinel; each constant tensor and each metadata entry gets its own buffer,
 * with data 16-byte aligned in the file. One OperatorCode per op kind, at the highest version any
 * of its nodes needs ({@link opVersion}); builtin codes go in both `deprecated_builtin_code`
 * (clamped to 127) and `builtin_code`.
 *
 * @throws GruStreamError `E_MODEL_UNSUPPORTED` when the graph fails {@link validateGraph} or is too
 *   large for a flatbuffer.
 */
export function writeTflite(graph: GraphDesc): Uint8Array {
  validateGraph(graph);
  const constantBytes =
    graph.tensors.reduce((n, t) => n + (t.data?.length ?? 0), 0) +
    graph.metadata.reduce((n, m) => n + m.data.length, 0);
  if (constantBytes > MAX_CONSTANT_BYTES) {
    unsupported(`${constantBytes} bytes of constants exceed what a single flatbuffer can hold (2 GB)`);
  }
  const b = new flatbuffers.Builder(constantBytes + 64 * 1024);

  // Operator codes, deduplicated by op; a code's version is the max its nodes need, as TFLite's
  // own UpdateOpVersion does (a kernel registered for version N also runs lower-version nodes).
  const opcodeIndex = new Map<string, number>();
  const versions: number[] = [];
  for (const op of graph.operators) {
    let index = opcodeIndex.get(op.op);
    if (index === undefined) {
      index = versions.length;
      opcodeIndex.set(op.op, index);
      versions.push(1);
    }
    versions[index] = Math.max(versions[index] as number, opVersion(graph, op));
  }

  // Buffers: 0 is the sentinel, then one per constant tensor, then one per metadata entry.
  const bufferOffsets: flatbuffers.Offset[] = [writeBuffer(b, undefined)];
  const tensorBuffer = graph.tensors.map((t) => {
    if (t.data === undefined) return 0;
    bufferOffsets.push(writeBuffer(b, t.data));
    return bufferOffsets.length - 1;
  });
  const metadataBuffer = graph.metadata.map((m) => {
    bufferOffsets.push(writeBuffer(b, m.data));
    return bufferOffsets.length - 1;
  });

  const tensors = graph.tensors.map((t, i) => writeTensor(b, t, tensorBuffer[i] as number));
  const operators = graph.operators.map((op) => writeOperator(b, op, opcodeIndex.get(op.op) as number));
  const subgraphTensors = offsetVector(b, tensors);
  const subgraphInputs = int32Vector(b, graph.inputs);
  const subgraphOutputs = int32Vector(b, graph.outputs);
  const subgraphOperators = offsetVector(b, operators);
  const subgraphName = b.createString('main');
  b.startObject(Object.keys(SUBGRAPH).length);
  b.addFieldOffset(SUBGRAPH.tensors, subgraphTensors, 0);
  b.addFieldOffset(SUBGRAPH.inputs, subgraphInputs, 0);
  b.addFieldOffset(SUBGRAPH.outputs, subgraphOutputs, 0);
  b.addFieldOffset(SUBGRAPH.operators, subgraphOperators, 0);
  b.addFieldOffset(SUBGRAPH.name, subgraphName, 0);
  const subgraph = b.endObject();

  const codes = [...opcodeIndex.keys()].map((name, i) => writeOperatorCode(b, name, versions[i] as number));
  const metadata = graph.metadata.map((m, i) => {
    const name = b.createString(m.name);
    b.startObject(Object.keys(METADATA).length);
    b.addFieldOffset(METADATA.name, name, 0);
    b.addFieldInt32(METADATA.buffer, metadataBuffer[i] as number, 0);
    return b.endObject();
  });

  const operatorCodes = offsetVector(b, codes);
  const subgraphs = offsetVector(b, [subgraph]);
  const description = b.createString(graph.description);
  const buffers = offsetVector(b, bufferOffsets);
  const metadataVector = metadata.length > 0 ? offsetVector(b, metadata) : 0;
  b.startObject(Object.keys(MODEL).length);
  b.addFieldInt32(MODEL.version, SCHEMA_VERSION, null);
  b.addFieldOffset(MODEL.operator_codes, operatorCodes, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphs, 0);
  b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, buffers, 0);
  if (metadataVector !== 0) b.addFieldOffset(MODEL.metadata, metadataVector, 0);
  const model = b.endObject();
  b.finish(model, FILE_IDENTIFIER);
  // asUint8Array is a view into the builder's larger buffer; copy so callers own exact bytes.
  return b.asUint8Array().slice();
}
