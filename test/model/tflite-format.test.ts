import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { GruStreamError } from '../../src/errors.js';
import type { GraphDesc, TensorDesc } from '../../src/model/graph.js';
import { describeGraph } from '../../src/model/tflite/describe.js';
import { readTflite } from '../../src/model/tflite/reader.js';
import {
  BUILTIN_OPERATOR,
  BUILTIN_OPTIONS,
  BUILTIN_OPTIONS_MEMBERS,
  TENSOR_TYPE,
} from '../../src/model/tflite/schema.js';
import { opVersion, writeTflite } from '../../src/model/tflite/writer.js';
import { mulberry32 } from '../../src/model/random.js';

// ---- Fixtures ------------------------------------------------------------------------------------

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
}

const int8 = (values: number[]): Uint8Array => bytesOf(new Int8Array(values));

/** A graph touching every type, quantization form, op and option the writer supports. */
function sampleGraph(): GraphDesc {
  const t = (desc: TensorDesc): TensorDesc => desc;
  const tensors: TensorDesc[] = [
    /* 0 */ t({ name: 'input', shape: [1, 4], type: 'float32' }),
    /* 1 */ t({
      name: 'input_q',
      shape: [1, 4],
      type: 'int8',
      quantization: { scale: [0.5], zeroPoint: [-3], quantizedDimension: 0 },
    }),
    /* 2 */ t({
      name: 'fc1/weights',
      shape: [3, 4],
      type: 'int8',
      data: int8([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -128]),
      quantization: { scale: [0.25, 0.125, 0.0625], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
    }),
    /* 3 */ t({
      name: 'fc1/bias',
      shape: [3],
      type: 'int32',
      data: bytesOf(new Int32Array([100, -200, 300])),
      quantization: { scale: [0.125, 0.0625, 0.03125], zeroPoint: [0, 0, 0], quantizedDimension: 0 },
    }),
    /* 4 */ t({
      name: 'fc1/out',
      shape: [1, 3],
      type: 'int8',
      quantization: { scale: [0.25], zeroPoint: [5], quantizedDimension: 0, min: [-33.25], max: [30.5] },
    }),
    /* 5 */ t({ name: 'fc1/out_f', shape: [1, 3], type: 'float32' }),
    /* 6 */ t({
      name: 'fc2/weights_f16',
      shape: [3, 3],
      type: 'float16',
      data: bytesOf(new Uint16Array([0x3c00, 0x4000, 0xbc00, 0, 0x3800, 0x4200, 0x3c00, 0x3c00, 0x7bff])),
    }),
    /* 7 */ t({ name: 'fc2/weights', shape: [3, 3], type: 'float32' }),
    /* 8 */ t({ name: 'fc2/out', shape: [1, 3], type: 'float32' }),
    /* 9 */ t({ name: 'add', shape: [1, 3], type: 'float32' }),
    /* 10 */ t({ name: 'sub', shape: [1, 3], type: 'float32' }),
    /* 11 */ t({ name: 'mul', shape: [1, 3], type: 'float32' }),
    /* 12 */ t({ name: 'div', shape: [1, 3], type: 'float32' }),
    /* 13 */ t({ name: 'sigmoid', shape: [1, 3], type: 'float32' }),
    /* 14 */ t({ name: 'tanh', shape: [1, 3], type: 'float32' }),
    /* 15 */ t({ name: 'relu', shape: [1, 3], type: 'float32' }),
    /* 16 */ t({ name: 'concat', shape: [1, 6], type: 'float32' }),
    /* 17 */ t({ name: 'softmax', shape: [1, 6], type: 'float32' }),
    /* 18 */ t({
      name: 'fc3/weights',
      shape: [2, 6],
      type: 'float32',
      data: bytesOf(new Float32Array([0.5, -1, 2, 0.25, 3.5, -0.125, 1, 1, 1, 1, 1, 1])),
    }),
    /* 19 */ t({ name: 'output', shape: [1, 2], type: 'float32' }),
    // Unused constants: the remaining writable types and an int16 per-channel tensor on axis 1.
    /* 20 */ t({
      name: 'steps',
      shape: [2],
      type: 'int64',
      data: bytesOf(new BigInt64Array([1n, -(2n ** 40n)])),
    }),
    /* 21 */ t({ name: 'mask', shape: [3], type: 'bool', data: new Uint8Array([1, 0, 1]) }),
    /* 22 */ t({
      name: 'lut',
      shape: [2],
      type: 'uint8',
      data: new Uint8Array([0, 255]),
      quantization: { scale: [0.0078125], zeroPoint: [128], quantizedDimension: 0 },
    }),
    /* 23 */ t({
      name: 'i16',
      shape: [1, 2],
      type: 'int16',
      data: bytesOf(new Int16Array([-32768, 32767])),
      quantization: { scale: [1, 2], zeroPoint: [0, 0], quantizedDimension: 1 },
    }),
    /* 24 */ t({ name: '', shape: [], type: 'float32', data: bytesOf(new Float32Array([42])) }),
  ];
  return {
    version: 3,
    description: 'tflite-format test graph',
    tensors,
    inputs: [0],
    outputs: [19],
    operators: [
      { op: 'QUANTIZE', inputs: [0], outputs: [1] },
      {
        op: 'FULLY_CONNECTED',
        inputs: [1, 2, 3],
        outputs: [4],
        options: { fusedActivation: 'NONE', keepNumDims: false },
      },
      { op: 'DEQUANTIZE', inputs: [4], outputs: [5] },
      { op: 'DEQUANTIZE', inputs: [6], outputs: [7] },
      {
        op: 'FULLY_CONNECTED',
        inputs: [5, 7, -1],
        outputs: [8],
        options: { fusedActivation: 'RELU', keepNumDims: true },
      },
      { op: 'ADD', inputs: [8, 5], outputs: [9], options: { fusedActivation: 'RELU6' } },
      { op: 'SUB', inputs: [9, 5], outputs: [10], options: { fusedActivation: 'NONE' } },
      { op: 'MUL', inputs: [10, 9], outputs: [11], options: { fusedActivation: 'TANH' } },
      { op: 'DIV', inputs: [11, 9], outputs: [12], options: { fusedActivation: 'RELU_N1_TO_1' } },
      { op: 'LOGISTIC', inputs: [12], outputs: [13] },
      { op: 'TANH', inputs: [13], outputs: [14] },
      { op: 'RELU', inputs: [14], outputs: [15] },
      {
        op: 'CONCATENATION',
        inputs: [15, 5],
        outputs: [16],
        options: { axis: -1, fusedActivation: 'SIGN_BIT' },
      },
      { op: 'SOFTMAX', inputs: [16], outputs: [17], options: { beta: 0.5 } },
      {
        op: 'FULLY_CONNECTED',
        inputs: [17, 18],
        outputs: [19],
        options: { fusedActivation: 'NONE', keepNumDims: false },
      },
    ],
    metadata: [
      { name: 'min_runtime_version', data: new TextEncoder().encode('2.3.0') },
      { name: 'gru_stream.manifest', data: new Uint8Array([1, 2, 3, 4, 5]) },
      { name: 'empty', data: new Uint8Array(0) },
    ],
  };
}

/** Runs `fn`; returns 'ok' or the E_TFLITE_FORMAT error; any other throw fails the test. */
function parseOutcome(bytes: Uint8Array, label: string): 'ok' | GruStreamError {
  try {
    const g = readTflite(bytes);
    describeGraph(g); // whatever the reader accepts must also be printable
    return 'ok';
  } catch (e) {
    if (!(e instanceof GruStreamError) || e.code !== 'E_TFLITE_FORMAT') {
      throw new Error(`${label}: expected E_TFLITE_FORMAT or success, got ${String(e)}`, { cause: e });
    }
    return e;
  }
}

function expectFormatError(bytes: Uint8Array, message: RegExp): void {
  let caught: unknown;
  try {
    readTflite(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GruStreamError);
  expect((caught as GruStreamError).code).toBe('E_TFLITE_FORMAT');
  expect((caught as GruStreamError).message).toMatch(message);
}

function expectWriteError(graph: GraphDesc, message: RegExp): void {
  let caught: unknown;
  try {
    writeTflite(graph);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GruStreamError);
  expect((caught as GruStreamError).code).toBe('E_MODEL_UNSUPPORTED');
  expect((caught as GruStreamError).message).toMatch(message);
}

/**
 * Independent view of a written file through the flatbuffers runtime's own (unchecked) accessors,
 * for trusted files only: checks the writer's layout without going through our reader.
 */
function rawView(bytes: Uint8Array) {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const root = bb.readUint32(0);
  const fieldPos = (table: number, id: number): number => {
    const o = bb.__offset(table, 4 + 2 * id);
    return o === 0 ? 0 : table + o;
  };
  const tables = (table: number, id: number): number[] => {
    const p = fieldPos(table, id);
    if (p === 0) return [];
    const start = bb.__vector(p);
    return Array.from({ length: bb.__vector_len(p) }, (_, i) => bb.__indirect(start + 4 * i));
  };
  const buffers = tables(root, 4).map((buf) => {
    const p = fieldPos(buf, 0);
    return p === 0 ? undefined : { start: bb.__vector(p), length: bb.__vector_len(p) };
  });
  const opcodes = tables(root, 1).map((c) => {
    const at = (id: number): number => fieldPos(c, id);
    return {
      deprecated: at(0) ? bb.readInt8(at(0)) : 0,
      version: at(2) ? bb.readInt32(at(2)) : 1,
      builtin: at(3) ? bb.readInt32(at(3)) : 0,
    };
  });
  const version = bb.readUint32(fieldPos(root, 0));
  return { buffers, opcodes, version };
}

// ---- Schema facts ----------------------------------------------------------------------------------

describe('tflite schema tables', () => {
  it('numbers every builtin operator once, contiguously, as in schema.fbs', () => {
    const codes = Object.values(BUILTIN_OPERATOR).sort((a, b) => a - b);
    expect(codes).toEqual(Array.from({ length: codes.length }, (_, i) => i));
    // Spot checks straight from schema.fbs.
    expect(BUILTIN_OPERATOR.FULLY_CONNECTED).toBe(9);
    expect(BUILTIN_OPERATOR.SUB).toBe(41);
    expect(BUILTIN_OPERATOR.QUANTIZE).toBe(114);
    expect(BUILTIN_OPERATOR.CUMSUM).toBe(128);
    expect(BUILTIN_OPERATOR.GELU).toBe(150);
    expect(BUILTIN_OPERATOR.COMPLEX).toBe(207);
    expect(TENSOR_TYPE.INT8).toBe(9);
    expect(TENSOR_TYPE.BFLOAT16).toBe(18);
  });

  it('keeps option type ids consistent with the union member order', () => {
    for (const [name, id] of Object.entries(BUILTIN_OPTIONS)) {
      if (name === 'NONE') continue;
      expect(BUILTIN_OPTIONS_MEMBERS.indexOf(name as (typeof BUILTIN_OPTIONS_MEMBERS)[number]) + 1).toBe(id);
    }
    expect(BUILTIN_OPTIONS_MEMBERS.length).toBe(126);
  });
});

// ---- Writer + reader round trip --------------------------------------------------------------------

describe('writeTflite / readTflite', () => {
  it('round-trips the sample graph exactly', () => {
    const graph = sampleGraph();
    const bytes = writeTflite(graph);
    expect(readTflite(bytes)).toStrictEqual(graph);
    // Writing what was read gives the same bytes: the format has one canonical form per graph.
    expect(writeTflite(readTflite(bytes))).toEqual(bytes);
  });

  it('writes identifier TFL3, version 3 and 16-aligned constant buffers', () => {
    const graph = sampleGraph();
    const bytes = writeTflite(graph);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    const raw = rawView(bytes);
    expect(raw.version).toBe(3);
    expect(raw.buffers[0]).toBeUndefined(); // the empty sentinel
    const constants = graph.tensors.filter((t) => t.data !== undefined).map((t) => t.data as Uint8Array);
    const expected = [...constants, ...graph.metadata.map((m) => m.data)];
    expect(raw.buffers.length).toBe(1 + expected.length);
    expected.forEach((data, i) => {
      const span = raw.buffers[i + 1];
      expect(span).toBeDefined();
      expect(span!.start % 16).toBe(0);
      expect(bytes.subarray(span!.start, span!.start + span!.length)).toEqual(data);
    });
  });

  it('deduplicates operator codes and writes the minimal versions op_version.cc computes', () => {
    const raw = rawView(writeTflite(sampleGraph()));
    const byCode = new Map(raw.opcodes.map((c) => [c.builtin, c]));
    expect(raw.opcodes.length).toBe(12); // 15 operators, 12 distinct ops
    for (const c of raw.opcodes) expect(c.deprecated).toBe(Math.min(c.builtin, 127));
    const version = (name: keyof typeof BUILTIN_OPERATOR): number | undefined =>
      byCode.get(BUILTIN_OPERATOR[name])?.version;
    expect(version('FULLY_CONNECTED')).toBe(6); // max of 4 (int8), 5 (keep_num_dims), 6 (no bias input)
    expect(version('DEQUANTIZE')).toBe(3); // float16 input; int8 per-tensor alone would be 2
    expect(version('QUANTIZE')).toBe(1);
    expect(version('ADD')).toBe(1);
    expect(version('SOFTMAX')).toBe(1);
  });

  it('computes per-node versions for int8 and other cases', () => {
    const g = sampleGraph();
    const v = (index: number): number => opVersion(g, g.operators[index]!);
    expect(v(1)).toBe(4); // int8 FULLY_CONNECTED with bias
    expect(v(2)).toBe(2); // DEQUANTIZE int8 per-tensor
    expect(v(3)).toBe(3); // DEQUANTIZE float16
    expect(v(4)).toBe(5); // keep_num_dims
    expect(v(14)).toBe(6); // two inputs

    const q = { scale: [0.5], zeroPoint: [0], quantizedDimension: 0 };
    const i8 = (name: string, scale = 0.5): TensorDesc => ({
      name,
      shape: [1, 3],
      type: 'int8',
      quantization: { ...q, scale: [scale] },
    });
    const small: GraphDesc = {
      version: 3,
      description: '',
      tensors: [
        i8('a'),
        i8('b'),
        i8('out'),
        i8('big_out', 0.125),
        { name: 'f', shape: [1, 3], type: 'float32' },
        {
          name: 'w',
          shape: [3, 3],
          type: 'int8',
          quantization: { ...q, scale: [1, 2, 4], zeroPoint: [0, 0, 0] },
        },
      ],
      operators: [],
      inputs: [],
      outputs: [],
      metadata: [],
    };
    const at = (op: string, inputs: number[], outputs: number[]): number =>
      opVersion(small, { op, inputs, outputs });
    for (const op of ['ADD', 'SUB', 'LOGISTIC', 'TANH', 'RELU', 'SOFTMAX', 'CONCATENATION']) {
      expect(at(op, op === 'ADD' || op === 'SUB' ? [0, 1] : [0], [2])).toBe(2);
    }
    expect(at('MUL', [0, 1], [2])).toBe(2); // 0.5 * 0.5 / 0.5 < 1
    expect(at('MUL', [0, 1], [3])).toBe(3); // 0.5 * 0.5 / 0.125 >= 1
    expect(at('QUANTIZE', [4], [2])).toBe(1);
    expect(at('FULLY_CONNECTED', [4, 5, -1], [4])).toBe(12); // hybrid, per-channel weights
  });

  it('copies data out of the input bytes', () => {
    const bytes = writeTflite(sampleGraph());
    const g = readTflite(bytes);
    const weights = g.tensors[2]!.data!;
    const before = weights.slice();
    bytes.fill(0);
    expect(weights).toEqual(before);
  });

  it('describes the graph in text', () => {
    const text = describeGraph(readTflite(writeTflite(sampleGraph())));
    expect(text).toContain('TFLite model, schema version 3: tflite-format test graph');
    expect(text).toContain('[0] input: float32[1,4]');
    expect(text).toContain(
      '[2] fc1/weights: int8[3,4]  q(per-channel x3 axis 0 scale=0.0625..0.25 zp=0)  const 12 B',
    );
    expect(text).toContain('[4] fc1/out: int8[1,3]  q(scale=0.25 zp=5, range [-33.25, 30.5])');
    expect(text).toContain('#4 FULLY_CONNECTED(5, 7, -) -> 8 [fusedActivation=RELU keepNumDims=true]');
    expect(text).toContain('#13 SOFTMAX(16) -> 17 [beta=0.5]');
    expect(text).toContain('gru_stream.manifest: 5 B');
    expect(text).toMatch(
      /Totals: 25 tensors \(9 constant, \d+ B\), 15 operators: QUANTIZE x1, FULLY_CONNECTED x3/,
    );
  });
});

// ---- Reader on hand-built files ---------------------------------------------------------------------

interface HandModel {
  opcodes?: { deprecated?: number; builtin?: number; custom?: string }[];
  subgraphCount?: number;
  tensors?: { shape: number[]; type: number; buffer: number; name: string }[];
  /** Operators of subgraph 0, by opcode index. */
  operators?: { opcode: number; inputs: number[]; outputs: number[] }[];
  buffers?: ({ data?: Uint8Array; offset?: bigint; size?: bigint } | undefined)[];
  version?: number;
}

/** Builds a model the writer cannot produce (custom ops, external buffers, several subgraphs). */
function handBuild(m: HandModel): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const vec = (offsets: number[]): number => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  };
  const buffers = (m.buffers ?? [undefined]).map((buf) => {
    const data = buf?.data ? b.createByteVector(buf.data) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(0, data, 0);
    if (buf?.offset !== undefined) b.addFieldInt64(1, buf.offset, 0n);
    if (buf?.size !== undefined) b.addFieldInt64(2, buf.size, 0n);
    return b.endObject();
  });
  const tensors = (m.tensors ?? []).map((t) => {
    b.startVector(4, t.shape.length, 4);
    for (let i = t.shape.length - 1; i >= 0; i--) b.addInt32(t.shape[i]!);
    const shape = b.endVector();
    const name = b.createString(t.name);
    b.startObject(4);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, t.buffer, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const ints = (values: number[]): number => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
    return b.endVector();
  };
  const operators = (m.operators ?? []).map((op) => {
    const inputs = ints(op.inputs);
    const outputs = ints(op.outputs);
    b.startObject(3);
    b.addFieldInt32(0, op.opcode, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    return b.endObject();
  });
  const subgraphs = Array.from({ length: m.subgraphCount ?? 1 }, (_, i) => {
    const tv = vec(i === 0 ? tensors : []);
    const ov = vec(i === 0 ? operators : []);
    const name = b.createString(`sg${i}`);
    b.startObject(5);
    b.addFieldOffset(0, tv, 0);
    b.addFieldOffset(3, ov, 0);
    b.addFieldOffset(4, name, 0);
    return b.endObject();
  });
  const opcodes = (m.opcodes ?? []).map((c) => {
    const custom = c.custom === undefined ? 0 : b.createString(c.custom);
    b.startObject(4);
    if (c.deprecated !== undefined) b.addFieldInt8(0, c.deprecated, null);
    if (custom) b.addFieldOffset(1, custom, 0);
    if (c.builtin !== undefined) b.addFieldInt32(3, c.builtin, null);
    return b.endObject();
  });
  const opv = vec(opcodes);
  const sgv = vec(subgraphs);
  const bv = vec(buffers);
  b.startObject(5);
  b.addFieldInt32(0, m.version ?? 3, null);
  b.addFieldOffset(1, opv, 0);
  b.addFieldOffset(2, sgv, 0);
  b.addFieldOffset(4, bv, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

describe('readTflite on other producers’ files', () => {
  it('names custom, extended, deprecated-only and unknown operator codes', () => {
    const codes = [
      { deprecated: 32, custom: 'MyOp' },
      { deprecated: 127, builtin: 150 }, // new file: code >= 127 only in builtin_code
      { deprecated: 9 }, // old file: only the byte field
      { deprecated: 127, builtin: 999 }, // newer than our table
      { deprecated: 0, builtin: 0 }, // ADD, both fields stored as 0
    ];
    const g = readTflite(
      handBuild({
        opcodes: codes,
        tensors: [{ shape: [1], type: TENSOR_TYPE.FLOAT32, buffer: 0, name: 'x' }],
        operators: codes.map((_, i) => ({ opcode: i, inputs: i === 2 ? [0, 0, -1] : [0], outputs: [0] })),
      }),
    );
    expect(g.operators.map((o) => o.op)).toEqual([
      'CUSTOM:MyOp',
      'GELU',
      'FULLY_CONNECTED',
      'UNKNOWN_999',
      'ADD',
    ]);
    // Ops without an options table get the interpreter's defaults; unknown ops get no options.
    expect(g.operators[2]!.options).toEqual({ fusedActivation: 'NONE', keepNumDims: false });
    expect(g.operators[4]!.options).toEqual({ fusedActivation: 'NONE' });
    expect(g.operators[0]!.options).toBeUndefined();
    expect(g.operators[2]!.inputs).toEqual([0, 0, -1]);
  });

  it('rejects operators pointing at missing opcodes or tensors', () => {
    const base = {
      tensors: [{ shape: [1], type: TENSOR_TYPE.FLOAT32, buffer: 0, name: 'x' }],
      opcodes: [{ deprecated: 14 }],
    };
    expectFormatError(
      handBuild({ ...base, operators: [{ opcode: 3, inputs: [0], outputs: [0] }] }),
      /operators\[0\]: opcode_index 3 out of range \(the model has 1 operator codes\)/,
    );
    expectFormatError(
      handBuild({ ...base, operators: [{ opcode: 0, inputs: [4], outputs: [0] }] }),
      /operators\[0\] \(LOGISTIC\)\.inputs\[0\] is tensor 4, out of range \(the subgraph has 1 tensors\)/,
    );
  });

  it('reads external buffers (offset/size) and notes extra subgraphs', () => {
    const payload = bytesOf(new Float32Array([1.5, -2]));
    const model = (offset: bigint): Uint8Array =>
      handBuild({
        subgraphCount: 2,
        tensors: [{ shape: [2], type: TENSOR_TYPE.FLOAT32, buffer: 1, name: 'ext' }],
        buffers: [undefined, { offset, size: BigInt(payload.length) }],
      });
    // The layout does not depend on the offset's value, so build once to learn where data can go.
    const head = model(16n);
    const at = Math.ceil(head.length / 16) * 16;
    const file = new Uint8Array(at + payload.length);
    file.set(model(BigInt(at)));
    file.set(payload, at);
    const g = readTflite(file);
    expect(g.tensors[0]).toEqual({ name: 'ext', shape: [2], type: 'float32', data: payload });
    expect(g.description).toBe('[2 subgraphs; only subgraph 0 "sg0" read]');
    // The same buffer pointing past the end is reported, not read.
    const cut = file.slice(0, file.length - 1);
    expectFormatError(
      cut,
      /buffers\[1\]: external data at offset \d+ \(8 bytes\) runs past the \d+-byte file/,
    );
  });

  it('reports unknown tensor types by number and rejects other schema versions', () => {
    const g = readTflite(handBuild({ tensors: [{ shape: [1], type: 77, buffer: 0, name: 'x' }] }));
    expect(g.tensors[0]!.type).toBe('unknown_type_77');
    expectFormatError(handBuild({ version: 2 }), /Model\.version is 2, expected 3/);
    expectFormatError(handBuild({ subgraphCount: 0 }), /subgraphs is empty/);
  });

  it('checks constant sizes against shapes and buffer indices against the buffer list', () => {
    const data = new Uint8Array(12);
    expectFormatError(
      handBuild({
        tensors: [{ shape: [2], type: TENSOR_TYPE.FLOAT32, buffer: 1, name: 'w' }],
        buffers: [undefined, { data }],
      }),
      /tensors\[0\] "w": buffer holds 12 bytes but shape \[2\] of float32 needs 2 x 4 = 8/,
    );
    expectFormatError(
      handBuild({ tensors: [{ shape: [2], type: TENSOR_TYPE.FLOAT32, buffer: 5, name: 'w' }] }),
      /buffer index 5 out of range \(the model has 1\)/,
    );
  });

  it('stops on offsets that share one large vector many times', () => {
    const b = new flatbuffers.Builder(1024);
    const n = 20_000;
    b.startVector(4, n, 4);
    for (let i = 0; i < n; i++) b.addInt32(1);
    const shape = b.endVector();
    b.startObject(4);
    b.addFieldOffset(0, shape, 0);
    const tensor = b.endObject();
    b.startVector(4, n, 4);
    for (let i = 0; i < n; i++) b.addOffset(tensor);
    const tensors = b.endVector();
    b.startObject(5);
    b.addFieldOffset(0, tensors, 0);
    const sg = b.endObject();
    b.startObject(1);
    const buf = b.endObject();
    const vec1 = (o: number): number => {
      b.startVector(4, 1, 4);
      b.addOffset(o);
      return b.endVector();
    };
    const sgv = vec1(sg);
    const bv = vec1(buf);
    b.startObject(5);
    b.addFieldInt32(0, 3, null);
    b.addFieldOffset(2, sgv, 0);
    b.addFieldOffset(4, bv, 0);
    b.finish(b.endObject(), 'TFL3');
    const started = Date.now();
    expectFormatError(b.asUint8Array().slice(), /offsets reference over \d+ elements/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

// ---- Corrupt input ----------------------------------------------------------------------------------

describe('readTflite on corrupt input', () => {
  it('rejects empty, tiny and foreign files with a specific message', () => {
    expectFormatError(new Uint8Array(0), /file is 0 bytes; the smallest TFLite flatbuffer is 16/);
    expectFormatError(new Uint8Array([1, 2, 3]), /file is 3 bytes/);
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    expectFormatError(
      png,
      /expected file identifier "TFL3" at bytes 4\.\.8, found 0d 0a 1a 0a \(a PNG image\)/,
    );
    const json = new TextEncoder().encode('{"version": 3, "subgraphs": []}');
    expectFormatError(json, /found "rsio" \(looks like JSON text\)/);
    expectFormatError(new Uint8Array(64), /found 00 00 00 00/);
  });

  it('rejects a root offset or vtable outside the file', () => {
    const bytes = writeTflite(sampleGraph());
    const badRoot = bytes.slice();
    new DataView(badRoot.buffer).setUint32(0, bytes.length + 100, true);
    expectFormatError(badRoot, /Model \(table start\): 4 bytes at offset \d+ run past the end/);
    const badVtable = bytes.slice();
    const root = new DataView(bytes.buffer).getUint32(0, true);
    new DataView(badVtable.buffer).setInt32(root, -1_000_000, true);
    expectFormatError(badVtable, /Model: table at 0x[0-9a-f]+ has vtable offset -1000000/);
  });

  it('rejects every truncation of a valid file', () => {
    const bytes = writeTflite(sampleGraph());
    for (let cut = 0; cut < bytes.length; cut++) {
      const outcome = parseOutcome(bytes.subarray(0, cut), `cut at ${cut}`);
      expect(outcome, `cut at ${cut} of ${bytes.length}`).not.toBe('ok');
    }
  });

  it('either parses or throws E_TFLITE_FORMAT for every single-byte corruption', () => {
    const bytes = writeTflite(sampleGraph());
    const random = mulberry32(0x7f11e);
    let rejected = 0;
    for (let trial = 0; trial < 4000; trial++) {
      const copy = bytes.slice();
      const pos = Math.floor(random() * copy.length);
      copy[pos] = copy[pos]! ^ (1 + Math.floor(random() * 255));
      if (parseOutcome(copy, `trial ${trial}: byte ${pos}`) !== 'ok') rejected++;
    }
    // Constant data bytes are free to change, structural bytes mostly are not: expect both outcomes.
    expect(rejected).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(4000);
  });

  it('either parses or throws E_TFLITE_FORMAT for every byte of the structure set to extremes', () => {
    const bytes = writeTflite(sampleGraph());
    for (let pos = 0; pos < bytes.length; pos++) {
      for (const value of [0x00, 0xff, 0x7f, 0x80]) {
        const copy = bytes.slice();
        copy[pos] = value;
        parseOutcome(copy, `byte ${pos} = ${value}`);
      }
    }
  });

  it('either parses or throws E_TFLITE_FORMAT for random bytes behind a TFL3 header', () => {
    const random = mulberry32(42);
    for (let trial = 0; trial < 2000; trial++) {
      const size = 16 + Math.floor(random() * 512);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
      // Small root offsets and vtable offsets make the garbage reach deeper into the parser.
      bytes[0] = 8 + Math.floor(random() * 32);
      bytes[1] = bytes[2] = bytes[3] = 0;
      bytes.set([0x54, 0x46, 0x4c, 0x33], 4);
      parseOutcome(bytes, `random trial ${trial}`);
    }
  });
});

// ---- Writer validation ------------------------------------------------------------------------------

describe('writeTflite validation', () => {
  it('names the tensor whose data length does not match its shape', () => {
    const g = sampleGraph();
    g.tensors[2]!.data = new Uint8Array(11);
    expectWriteError(
      g,
      /tensor 2 "fc1\/weights": data has 11 bytes, expected 12 \(shape \[3, 4\] x 1 bytes per int8\)/,
    );
  });

  it('names the tensor with per-channel arrays that do not match the channel count', () => {
    const g = sampleGraph();
    g.tensors[3]!.quantization = { scale: [1, 2], zeroPoint: [0, 0], quantizedDimension: 0 };
    expectWriteError(g, /tensor 3 "fc1\/bias": 2 per-channel scales but shape\[0\] of \[3\] is 3/);
    g.tensors[3]!.quantization = { scale: [1, 2, 3], zeroPoint: [0, 0], quantizedDimension: 0 };
    expectWriteError(g, /tensor 3 "fc1\/bias": quantization has 3 scales but 2 zero points/);
  });

  it('rejects unsupported types, zero points outside the type, ops, options and indices', () => {
    const g1 = sampleGraph();
    g1.tensors[7]!.type = 'float64';
    expectWriteError(g1, /tensor 7 "fc2\/weights": type 'float64' is not writable/);

    const g2 = sampleGraph();
    g2.tensors[1]!.quantization!.zeroPoint = [200];
    expectWriteError(g2, /tensor 1 "input_q": zeroPoint\[0\] 200 does not fit int8 \(-128\.\.127\)/);

    const g3 = sampleGraph();
    g3.operators[9]!.op = 'DEPTHWISE_CONV_2D';
    expectWriteError(g3, /operator #9: op 'DEPTHWISE_CONV_2D' is not writable/);

    const g4 = sampleGraph();
    g4.operators[5]!.options = { fusedActivation: 'RELU', beta: 2 };
    expectWriteError(g4, /operator #5 ADD: option 'beta' does not apply \(allowed: fusedActivation\)/);

    const g5 = sampleGraph();
    g5.operators[1]!.inputs = [1, 2, 99];
    expectWriteError(
      g5,
      /operator #1 FULLY_CONNECTED: input\[2\] is tensor 99, out of range \(the graph has 25\)/,
    );

    const g6 = sampleGraph();
    g6.operators[5]!.inputs = [8, -1];
    expectWriteError(g6, /operator #5 ADD: input\[1\] is tensor -1/);

    const g7 = sampleGraph();
    g7.outputs = [25];
    expectWriteError(g7, /graph outputs\[0\] is tensor 25, out of range/);

    const g8 = sampleGraph();
    g8.version = 2;
    expectWriteError(g8, /graph\.version is 2/);
  });
});
