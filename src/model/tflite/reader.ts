/**
 * Defensive `.tflite` reader: parses any TFLite flatbuffer into a {@link GraphDesc}.
 *
 * The flatbuffers runtime trusts its input (no bounds checks: an out-of-range read returns
 * `undefined` bits or garbage), so every read here goes through {@link BoundedReader}, which checks
 * offsets, lengths and vtables against the file size first and throws
 * `GruStreamError('E_TFLITE_FORMAT')` saying what was wrong and where. Every uoffset in a flatbuffer
 * points forward and the traversal below has a fixed depth, so parsing cannot loop; a work budget
 * proportional to the file size stops files whose offsets share one huge vector many times over.
 */
import * as flatbuffers from 'flatbuffers';
import { GruStreamError } from '../../errors.js';
import type {
  FusedActivation,
  GraphDesc,
  OperatorDesc,
  OpOptions,
  Quantization,
  TensorDesc,
} from '../graph.js';
import {
  ADD_OPTIONS,
  BUFFER,
  BUILTIN_OPERATOR,
  BUILTIN_OPTIONS,
  CONCATENATION_OPTIONS,
  CONV_2D_OPTIONS,
  DIV_OPTIONS,
  ELEMENT_SIZE,
  FC_WEIGHTS_FORMAT,
  FILE_IDENTIFIER,
  FULLY_CONNECTED_OPTIONS,
  LEAKY_RELU_OPTIONS,
  METADATA,
  MODEL,
  MUL_OPTIONS,
  OPERATOR,
  OPERATOR_CODE,
  PADDING,
  POOL_2D_OPTIONS,
  QUANTIZATION,
  SCHEMA_VERSION,
  SOFTMAX_OPTIONS,
  SUB_OPTIONS,
  SUBGRAPH,
  TENSOR,
  activationName,
  builtinOperatorName,
  builtinOptionsName,
  tensorTypeName,
} from './schema.js';

/** Smallest possible file: root offset (4) + identifier (4) + a vtable (4) + a table (4). */
const MIN_FILE_SIZE = 16;

function fail(message: string): never {
  throw new GruStreamError('E_TFLITE_FORMAT', `Invalid TFLite file: ${message}`);
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** A table located and checked: its vtable and inline bytes are inside the file. */
interface Table {
  readonly pos: number;
  readonly vt: number;
  readonly vtSize: number;
  readonly size: number;
  /** Path used in messages, e.g. 'subgraphs[0].tensors[3]'. */
  readonly what: string;
}

/** Start and element count of a vector whose elements all lie inside the file. */
interface Span {
  readonly start: number;
  readonly length: number;
}

/** Bounds-checked accessors over a flatbuffers ByteBuffer. */
class BoundedReader {
  private readonly bb: flatbuffers.ByteBuffer;
  readonly size: number;
  private work = 0;
  private readonly workLimit: number;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(readonly bytes: Uint8Array) {
    this.bb = new flatbuffers.ByteBuffer(bytes);
    this.size = bytes.length;
    // A well-formed file reads each element about once; 4x plus slack leaves room for legitimately
    // shared strings and vectors while bounding hostile sharing.
    this.workLimit = 4 * bytes.length + 100_000;
  }

  need(pos: number, length: number, what: string): void {
    if (!(pos >= 0 && length >= 0 && pos + length <= this.size)) {
      fail(`${what}: ${length} bytes at offset ${pos} run past the end of the ${this.size}-byte file`);
    }
  }

  /** Counts elements read so that offsets pointing many times at one big vector cannot stall us. */
  charge(units: number, what: string): void {
    this.work += units;
    if (this.work > this.workLimit) {
      fail(
        `${what}: the file's offsets reference over ${this.workLimit} elements, far more than its ` +
          `${this.size} bytes can hold (offsets shared or corrupt)`,
      );
    }
  }

  u8(pos: number, what: string): number {
    this.need(pos, 1, what);
    return this.bb.readUint8(pos);
  }

  u16(pos: number, what: string): number {
    this.need(pos, 2, what);
    return this.bb.readUint16(pos);
  }

  u32(pos: number, what: string): number {
    this.need(pos, 4, what);
    return this.bb.readUint32(pos);
  }

  /** Locates the table at `pos` and checks its vtable. */
  table(pos: number, what: string): Table {
    this.charge(1, what);
    this.need(pos, 4, `${what} (table start)`);
    const soffset = this.bb.readInt32(pos);
    const vt = pos - soffset;
    if (vt < 0 || vt + 4 > this.size) {
      fail(`${what}: table at ${hex(pos)} has vtable offset ${soffset}, pointing to ${vt}, outside the file`);
    }
    const vtSize = this.bb.readUint16(vt);
    const size = this.bb.readUint16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0) {
      fail(`${what}: vtable at ${hex(vt)} declares ${vtSize} bytes, expected an even number >= 4`);
    }
    this.need(vt, vtSize, `${what} (vtable at ${hex(vt)})`);
    if (size < 4) fail(`${what}: vtable at ${hex(vt)} declares a ${size}-byte table, expected >= 4`);
    this.need(pos, size, `${what} (table at ${hex(pos)})`);
    return { pos, vt, vtSize, size, what };
  }

  /** Absolute position of field `id` (checked to fit `width` bytes in the table), or 0 if absent. */
  field(t: Table, id: number, width: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > t.vtSize) return 0;
    const off = this.bb.readUint16(t.vt + slot);
    if (off === 0) return 0;
    if (off < 4 || off + width > t.size) {
      fail(
        `${t.what}.${name}: field at table offset ${off} (${width} bytes) lies outside the ` +
          `table's ${t.size} bytes at ${hex(t.pos)}`,
      );
    }
    return t.pos + off;
  }

  u8Field(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.bb.readUint8(p);
  }

  i8Field(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.bb.readInt8(p);
  }

  i32Field(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readInt32(p);
  }

  u32Field(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readUint32(p);
  }

  f32Field(t: Table, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.bb.readFloat32(p);
  }

  u64Field(t: Table, id: number, name: string): bigint {
    const p = this.field(t, id, 8, name);
    return p === 0 ? 0n : this.bb.readUint64(p);
  }

  /** Follows the uoffset stored at `pos` (which must itself be in the file). */
  private follow(pos: number, what: string): number {
    const rel = this.u32(pos, what);
    const target = pos + rel;
    if (rel === 0 || target >= this.size) {
      fail(`${what}: offset ${rel} at ${hex(pos)} points to ${target}, outside the ${this.size}-byte file`);
    }
    return target;
  }

  /** Target of an offset field, or 0 if the field is absent. */
  ref(t: Table, id: number, name: string): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? 0 : this.follow(p, `${t.what}.${name}`);
  }

  subTable(t: Table, id: number, name: string): Table | undefined {
    const target = this.ref(t, id, name);
    return target === 0 ? undefined : this.table(target, `${t.what}.${name}`);
  }

  vector(t: Table, id: number, name: string, elemSize: number): Span | undefined {
    const target = this.ref(t, id, name);
    if (target === 0) return undefined;
    const what = `${t.what}.${name}`;
    const length = this.u32(target, `${what} (length)`);
    const bytes = length * elemSize;
    if (target + 4 + bytes > this.size) {
      fail(
        `${what}: vector of ${length} x ${elemSize}-byte elements at ${hex(target)} needs ${bytes} bytes ` +
          `but only ${Math.max(0, this.size - target - 4)} remain in the file`,
      );
    }
    return { start: target + 4, length };
  }

  int32Vector(t: Table, id: number, name: string): number[] {
    const span = this.vector(t, id, name, 4);
    if (span === undefined) return [];
    this.charge(span.length, `${t.what}.${name}`);
    const out = new Array<number>(span.length);
    for (let i = 0; i < span.length; i++) out[i] = this.bb.readInt32(span.start + 4 * i);
    return out;
  }

  float32Vector(t: Table, id: number, name: string): number[] {
    const span = this.vector(t, id, name, 4);
    if (span === undefined) return [];
    this.charge(span.length, `${t.what}.${name}`);
    const out = new Array<number>(span.length);
    for (let i = 0; i < span.length; i++) out[i] = this.bb.readFloat32(span.start + 4 * i);
    return out;
  }

  /** int64 vector as numbers; values beyond ±2^53 cannot be represented and are reported. */
  int64Vector(t: Table, id: number, name: string): number[] {
    const span = this.vector(t, id, name, 8);
    if (span === undefined) return [];
    this.charge(span.length, `${t.what}.${name}`);
    const out = new Array<number>(span.length);
    for (let i = 0; i < span.length; i++) {
      const v = this.bb.readInt64(span.start + 8 * i);
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
        fail(`${t.what}.${name}[${i}] is ${v}, beyond the exactly representable range ±2^53`);
      }
      out[i] = Number(v);
    }
    return out;
  }

  tableVector(t: Table, id: number, name: string): Table[] {
    const span = this.vector(t, id, name, 4);
    if (span === undefined) return [];
    const out = new Array<Table>(span.length);
    for (let i = 0; i < span.length; i++) {
      const what = `${t.what}.${name}[${i}]`;
      out[i] = this.table(this.follow(span.start + 4 * i, what), what);
    }
    return out;
  }

  string(t: Table, id: number, name: string): string | undefined {
    const span = this.vector(t, id, name, 1);
    if (span === undefined) return undefined;
    this.charge(Math.ceil(span.length / 64), `${t.what}.${name}`);
    // Non-fatal decoding: a mangled name is still a usable name, not a reason to reject a model.
    return this.decoder.decode(this.bytes.subarray(span.start, span.start + span.length));
  }

  /** Copies `length` bytes at `start` (already bounds-checked) so the result does not alias the input. */
  copy(start: number, length: number, what: string): Uint8Array {
    this.need(start, length, what);
    this.charge(Math.ceil(length / 64), what);
    return this.bytes.slice(start, start + length);
  }
}

/** Describes the first bytes of a non-TFLite input, so the message says what was found instead. */
function describeIdentifier(bytes: Uint8Array): string {
  const id = bytes.subarray(4, 8);
  const printable = Array.from(id).every((b) => b >= 0x20 && b < 0x7f);
  const shown = printable
    ? `"${String.fromCharCode(...id)}"`
    : Array.from(id, (b) => b.toString(16).padStart(2, '0')).join(' ');
  let hint = '';
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    hint = ' (a PNG image)';
  else if (bytes[0] === 0x7b || bytes[0] === 0x5b) hint = ' (looks like JSON text)';
  else if (bytes[0] === 0x50 && bytes[1] === 0x4b) hint = ' (a ZIP archive)';
  else if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(8, 12)) === FILE_IDENTIFIER) {
    hint = ' (a size-prefixed flatbuffer, which TFLite does not use)';
  }
  return `expected file identifier "${FILE_IDENTIFIER}" at bytes 4..8, found ${shown}${hint}`;
}

interface OpCode {
  name: string;
}

function readOperatorCodes(r: BoundedReader, model: Table): OpCode[] {
  return r.tableVector(model, MODEL.operator_codes, 'operator_codes').map((t) => {
    // TFLite takes the larger of the two fields: old files fill only the signed byte, new ones
    // put codes >= 127 in builtin_code and 127 (the placeholder) in the byte.
    const deprecated = r.i8Field(t, OPERATOR_CODE.deprecated_builtin_code, 'deprecated_builtin_code', 0);
    const extended = r.i32Field(t, OPERATOR_CODE.builtin_code, 'builtin_code', 0);
    const code = Math.max(deprecated, extended);
    if (code === BUILTIN_OPERATOR.CUSTOM) {
      return { name: `CUSTOM:${r.string(t, OPERATOR_CODE.custom_code, 'custom_code') ?? ''}` };
    }
    return { name: builtinOperatorName(code) ?? `UNKNOWN_${code}` };
  });
}

/** Buffer contents, copied once per buffer (tensors sharing a buffer share the copy). */
class Buffers {
  private readonly tables: Table[];
  private readonly cache = new Map<number, Uint8Array>();

  constructor(
    private readonly r: BoundedReader,
    model: Table,
  ) {
    this.tables = r.tableVector(model, MODEL.buffers, 'buffers');
  }

  get count(): number {
    return this.tables.length;
  }

  /** Bytes of buffer `index`; empty when the buffer holds no data (activations, the sentinel). */
  data(index: number): Uint8Array {
    const hit = this.cache.get(index);
    if (hit !== undefined) return hit;
    const t = this.tables[index];
    if (t === undefined) fail(`buffer index ${index} out of range (the model has ${this.tables.length})`);
    const r = this.r;
    // Models over 2 GB keep data after the flatbuffer: `offset` (from the file start) and `size`;
    // TFLite treats offset values 0 and 1 as "not set".
    const offset = r.u64Field(t, BUFFER.offset, 'offset');
    const size = r.u64Field(t, BUFFER.size, 'size');
    let out: Uint8Array;
    if (offset > 1n && size > 0n) {
      if (offset + size > BigInt(r.size)) {
        fail(
          `${t.what}: external data at offset ${offset} (${size} bytes) runs past the ${r.size}-byte file`,
        );
      }
      out = r.copy(Number(offset), Number(size), `${t.what} external data`);
    } else {
      const span = r.vector(t, BUFFER.data, 'data', 1);
      out = span === undefined ? new Uint8Array(0) : r.copy(span.start, span.length, `${t.what}.data`);
    }
    this.cache.set(index, out);
    return out;
  }
}

function readQuantization(r: BoundedReader, t: Table, shape: number[]): Quantization | undefined {
  const q = r.subTable(t, TENSOR.quantization, 'quantization');
  if (q === undefined) return undefined;
  const scale = r.float32Vector(q, QUANTIZATION.scale, 'scale');
  const zeroPoint = r.int64Vector(q, QUANTIZATION.zero_point, 'zero_point');
  const min = r.float32Vector(q, QUANTIZATION.min, 'min');
  const max = r.float32Vector(q, QUANTIZATION.max, 'max');
  const quantizedDimension = r.i32Field(q, QUANTIZATION.quantized_dimension, 'quantized_dimension', 0);
  // Converters write an empty QuantizationParameters table for float tensors: that is "none".
  if (scale.length === 0 && zeroPoint.length === 0 && min.length === 0 && max.length === 0) return undefined;
  if (scale.length !== zeroPoint.length) {
    fail(
      `${q.what}: ${scale.length} scales but ${zeroPoint.length} zero points (TFLite requires equal counts)`,
    );
  }
  if (scale.length > 1) {
    const dim = shape[quantizedDimension];
    if (dim === undefined) {
      fail(
        `${q.what}: quantized_dimension ${quantizedDimension} is outside the tensor's rank ${shape.length}`,
      );
    }
    if (dim !== scale.length) {
      fail(
        `${q.what}: ${scale.length} per-channel scales but dimension ${quantizedDimension} ` +
          `of shape [${shape.join(', ')}] has ${dim} channels`,
      );
    }
  }
  const out: Quantization = { scale, zeroPoint, quantizedDimension };
  if (min.length > 0) out.min = min;
  if (max.length > 0) out.max = max;
  return out;
}

function checkDataLength(what: string, type: string, shape: number[], data: Uint8Array): void {
  const size = ELEMENT_SIZE[type.toUpperCase() as keyof typeof ELEMENT_SIZE];
  if (size === undefined) return;
  let count = 1;
  for (const d of shape) {
    if (d < 0) fail(`${what}: constant tensor has negative dimension in shape [${shape.join(', ')}]`);
    count *= d;
  }
  if (count * size !== data.length) {
    fail(
      `${what}: buffer holds ${data.length} bytes but shape [${shape.join(', ')}] of ${type} ` +
        `needs ${count} x ${size} = ${count * size}`,
    );
  }
}

function readTensor(r: BoundedReader, t: Table, buffers: Buffers): TensorDesc {
  const shape = r.int32Vector(t, TENSOR.shape, 'shape');
  const typeCode = r.i8Field(t, TENSOR.type, 'type', 0);
  const schemaType = tensorTypeName(typeCode);
  const type = schemaType === undefined ? `unknown_type_${typeCode}` : schemaType.toLowerCase();
  const name = r.string(t, TENSOR.name, 'name') ?? '';
  const bufferIndex = r.u32Field(t, TENSOR.buffer, 'buffer', 0);
  if (bufferIndex >= buffers.count) {
    fail(`${t.what} "${name}": buffer index ${bufferIndex} out of range (the model has ${buffers.count})`);
  }
  const tensor: TensorDesc = { name, shape, type };
  const data = buffers.data(bufferIndex);
  if (data.length > 0) {
    // Sparse tensors store only their non-zeros, so their size says nothing about the shape.
    const sparse = r.ref(t, TENSOR.sparsity, 'sparsity') !== 0;
    if (!sparse) checkDataLength(`${t.what} "${name}"`, type, shape, data);
    tensor.data = data;
  }
  const quantization = readQuantization(r, t, shape);
  if (quantization !== undefined) tensor.quantization = quantization;
  return tensor;
}

function activation(r: BoundedReader, t: Table, id: number): FusedActivation {
  const code = r.i8Field(t, id, 'fused_activation_function', 0);
  const name = activationName(code);
  if (name === undefined) fail(`${t.what}.fused_activation_function is ${code}, not in the schema (0..5)`);
  return name;
}

/** Which options table each op whose options we read carries. */
const OPTIONS_OF: Record<string, number> = {
  FULLY_CONNECTED: BUILTIN_OPTIONS.FullyConnectedOptions,
  ADD: BUILTIN_OPTIONS.AddOptions,
  SUB: BUILTIN_OPTIONS.SubOptions,
  MUL: BUILTIN_OPTIONS.MulOptions,
  DIV: BUILTIN_OPTIONS.DivOptions,
  SOFTMAX: BUILTIN_OPTIONS.SoftmaxOptions,
  CONCATENATION: BUILTIN_OPTIONS.ConcatenationOptions,
  CONV_2D: BUILTIN_OPTIONS.Conv2DOptions,
  MAX_POOL_2D: BUILTIN_OPTIONS.Pool2DOptions,
  LEAKY_RELU: BUILTIN_OPTIONS.LeakyReluOptions,
};

/**
 * Options of the ops GraphDesc can describe, with every field filled in (defaults where the file
 * omits them, as the interpreter does), so a written-then-read graph always has one canonical form.
 * Fields GraphDesc has no room for (pot_scale_int16, asymmetric_quantize_inputs,
 * quantized_bias_type) are not reported; a FULLY_CONNECTED with shuffled weights is refused since
 * describing its weights as plain would be wrong.
 */
function readOptions(r: BoundedReader, op: Table, opName: string): OpOptions | undefined {
  const expected = OPTIONS_OF[opName];
  if (expected === undefined) return undefined;
  const typeId = r.u8Field(op, OPERATOR.builtin_options_type, 'builtin_options_type', 0);
  if (typeId !== BUILTIN_OPTIONS.NONE && typeId !== expected) {
    fail(
      `${op.what} (${opName}): builtin_options type ${typeId} (${builtinOptionsName(typeId)}), ` +
        `expected ${expected} (${builtinOptionsName(expected)})`,
    );
  }
  const t =
    typeId === BUILTIN_OPTIONS.NONE ? undefined : r.subTable(op, OPERATOR.builtin_options, 'builtin_options');
  const act = (id: number): FusedActivation => (t === undefined ? 'NONE' : activation(r, t, id));
  switch (opName) {
    case 'FULLY_CONNECTED': {
      const format =
        t === undefined ? 0 : r.i8Field(t, FULLY_CONNECTED_OPTIONS.weights_format, 'weights_format', 0);
      if (format !== FC_WEIGHTS_FORMAT.DEFAULT) {
        fail(
          `${op.what} (FULLY_CONNECTED): weights_format ${format} is not DEFAULT (0), which GraphDesc cannot describe`,
        );
      }
      const keep =
        t === undefined ? 0 : r.u8Field(t, FULLY_CONNECTED_OPTIONS.keep_num_dims, 'keep_num_dims', 0);
      return {
        fusedActivation: act(FULLY_CONNECTED_OPTIONS.fused_activation_function),
        keepNumDims: keep !== 0,
      };
    }
    case 'ADD':
      return { fusedActivation: act(ADD_OPTIONS.fused_activation_function) };
    case 'SUB':
      return { fusedActivation: act(SUB_OPTIONS.fused_activation_function) };
    case 'MUL':
      return { fusedActivation: act(MUL_OPTIONS.fused_activation_function) };
    case 'DIV':
      return { fusedActivation: act(DIV_OPTIONS.fused_activation_function) };
    case 'SOFTMAX':
      // Absent options mean beta 0 to the interpreter (zero-initialised params), so say so.
      return { beta: t === undefined ? 0 : r.f32Field(t, SOFTMAX_OPTIONS.beta, 'beta', 0) };
    case 'CONCATENATION':
      return {
        axis: t === undefined ? 0 : r.i32Field(t, CONCATENATION_OPTIONS.axis, 'axis', 0),
        fusedActivation: act(CONCATENATION_OPTIONS.fused_activation_function),
      };
    case 'CONV_2D': {
      const i32 = (id: number, name: string, dflt: number): number =>
        t === undefined ? dflt : r.i32Field(t, id, name, dflt);
      return {
        padding: padding(r, t, op, CONV_2D_OPTIONS.padding),
        strideW: i32(CONV_2D_OPTIONS.stride_w, 'stride_w', 0),
        strideH: i32(CONV_2D_OPTIONS.stride_h, 'stride_h', 0),
        dilationW: i32(CONV_2D_OPTIONS.dilation_w_factor, 'dilation_w_factor', 1),
        dilationH: i32(CONV_2D_OPTIONS.dilation_h_factor, 'dilation_h_factor', 1),
        fusedActivation: act(CONV_2D_OPTIONS.fused_activation_function),
      };
    }
    case 'MAX_POOL_2D': {
      const i32 = (id: number, name: string): number => (t === undefined ? 0 : r.i32Field(t, id, name, 0));
      return {
        padding: padding(r, t, op, POOL_2D_OPTIONS.padding),
        strideW: i32(POOL_2D_OPTIONS.stride_w, 'stride_w'),
        strideH: i32(POOL_2D_OPTIONS.stride_h, 'stride_h'),
        filterW: i32(POOL_2D_OPTIONS.filter_width, 'filter_width'),
        filterH: i32(POOL_2D_OPTIONS.filter_height, 'filter_height'),
        fusedActivation: act(POOL_2D_OPTIONS.fused_activation_function),
      };
    }
    case 'LEAKY_RELU':
      return { alpha: t === undefined ? 0 : r.f32Field(t, LEAKY_RELU_OPTIONS.alpha, 'alpha', 0) };
    default:
      return undefined;
  }
}

/** A CONV_2D / pool `padding` byte as its name; other values are not in the schema. */
function padding(r: BoundedReader, t: Table | undefined, op: Table, id: number): 'SAME' | 'VALID' {
  const code = t === undefined ? PADDING.SAME : r.i8Field(t, id, 'padding', PADDING.SAME);
  if (code === PADDING.SAME) return 'SAME';
  if (code === PADDING.VALID) return 'VALID';
  fail(`${op.what}: padding is ${code}, not in the schema (0 SAME, 1 VALID)`);
}

function checkIndices(what: string, indices: number[], count: number, allowOptional: boolean): void {
  indices.forEach((index, i) => {
    if (index === -1 && allowOptional) return;
    if (index < 0 || index >= count) {
      fail(`${what}[${i}] is tensor ${index}, out of range (the subgraph has ${count} tensors)`);
    }
  });
}

function readOperator(r: BoundedReader, t: Table, codes: OpCode[], tensorCount: number): OperatorDesc {
  const index = r.u32Field(t, OPERATOR.opcode_index, 'opcode_index', 0);
  const code = codes[index];
  if (code === undefined) {
    fail(`${t.what}: opcode_index ${index} out of range (the model has ${codes.length} operator codes)`);
  }
  const inputs = r.int32Vector(t, OPERATOR.inputs, 'inputs');
  const outputs = r.int32Vector(t, OPERATOR.outputs, 'outputs');
  // The interpreter accepts -1 ("optional, omitted") in both lists.
  checkIndices(`${t.what} (${code.name}).inputs`, inputs, tensorCount, true);
  checkIndices(`${t.what} (${code.name}).outputs`, outputs, tensorCount, true);
  const op: OperatorDesc = { op: code.name, inputs, outputs };
  const options = readOptions(r, t, code.name);
  if (options !== undefined) op.options = options;
  return op;
}

/**
 * Parses a `.tflite` file into a {@link GraphDesc}: the first subgraph's tensors (with copies of
 * their constant data; tensors sharing one buffer share one copy), operators (builtin names from the
 * full schema table, `CUSTOM:<code>` for custom ops, `UNKNOWN_<n>` for codes newer than the table),
 * options of the ops GraphDesc describes, quantization and named metadata. When the model has more
 * than one subgraph, the description gets a note saying so.
 *
 * @throws GruStreamError `E_TFLITE_FORMAT` for anything that is not a well-formed TFLite file
 *   (truncated, corrupt, another format), naming what was wrong and where; never another error.
 */
export function readTflite(bytes: Uint8Array): GraphDesc {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < MIN_FILE_SIZE) {
    fail(`file is ${bytes.length} bytes; the smallest TFLite flatbuffer is ${MIN_FILE_SIZE}`);
  }
  if (String.fromCharCode(...bytes.subarray(4, 8)) !== FILE_IDENTIFIER) fail(describeIdentifier(bytes));
  const r = new BoundedReader(bytes);
  const model = r.table(r.u32(0, 'root offset'), 'Model');

  const version = r.u32Field(model, MODEL.version, 'version', 0);
  if (version !== SCHEMA_VERSION) {
    fail(`Model.version is ${version}, expected ${SCHEMA_VERSION} (the only version TFLite runs)`);
  }
  let description = r.string(model, MODEL.description, 'description') ?? '';
  const codes = readOperatorCodes(r, model);
  const buffers = new Buffers(r, model);

  const subgraphs = r.tableVector(model, MODEL.subgraphs, 'subgraphs');
  const main = subgraphs[0];
  if (main === undefined) fail('Model.subgraphs is empty; a TFLite model needs at least one');
  if (subgraphs.length > 1) {
    const name = r.string(main, SUBGRAPH.name, 'name') ?? '';
    description += `${description ? ' ' : ''}[${subgraphs.length} subgraphs; only subgraph 0 "${name}" read]`;
  }

  const tensors = r.tableVector(main, SUBGRAPH.tensors, 'tensors').map((t) => readTensor(r, t, buffers));
  const inputs = r.int32Vector(main, SUBGRAPH.inputs, 'inputs');
  const outputs = r.int32Vector(main, SUBGRAPH.outputs, 'outputs');
  checkIndices(`${main.what}.inputs`, inputs, tensors.length, false);
  checkIndices(`${main.what}.outputs`, outputs, tensors.length, false);
  const operators = r
    .tableVector(main, SUBGRAPH.operators, 'operators')
    .map((t) => readOperator(r, t, codes, tensors.length));

  const metadata = r.tableVector(model, MODEL.metadata, 'metadata').map((t) => {
    const index = r.u32Field(t, METADATA.buffer, 'buffer', 0);
    if (index >= buffers.count) {
      fail(`${t.what}: buffer index ${index} out of range (the model has ${buffers.count})`);
    }
    return { name: r.string(t, METADATA.name, 'name') ?? '', data: buffers.data(index) };
  });

  return { version, description, tensors, operators, inputs, outputs, metadata };
}
