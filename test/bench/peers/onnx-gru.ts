/**
 * Emits an ONNX model that computes one GRU step plus the head with the standard ONNX `GRU`
 * operator, so ONNX Runtime can run the same step as our TFLite models.
 *
 * Graph (opset 14):
 *   x [B,I] ─Unsqueeze(0)→ X [1,B,I] ┐
 *   h [B,H] ─Unsqueeze(0)→ H0 [1,B,H] ┴ GRU(W, R, B) → Y_h [1,B,H] ─Squeeze(0)→ h_out [B,H]
 *   h_out ─Gemm(wy, by, transB=1)→ logits [B,C] ─Softmax(axis=-1)→ y [B,C]   (linear head: Gemm → y)
 *
 * Why the weights need no reordering: ONNX GRU gates are z, r, h ("h" being our candidate n) in that
 * order, W is [dirs, 3H, I] and R is [dirs, 3H, H] row-major (the `[out, in]` layout of our `wx`, `wh`),
 * and B is [dirs, 6H] = [Wb, Rb], i.e. our `bx` then `bh`. Its `linear_before_reset=1` puts Rb_h inside
 * the reset product, which is Keras' `reset_after`; 0 is the classic form.
 */
import type { GruWeights } from '../../../src/model/gru-reference.js';
import { ProtoWriter } from './protobuf.js';

/*
 * Field numbers below are from onnx/onnx.proto (github.com/onnx/onnx, onnx/onnx.proto), which fixes
 * them for every IR version. Only the fields this file writes are listed.
 */
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3, type: 20 } as const;
/** AttributeProto.AttributeType.INT */
const ATTRIBUTE_TYPE_INT = 2;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, int64Data: 7, name: 8 } as const;
/** TensorProto.DataType.FLOAT and INT64 */
const DTYPE_FLOAT = 1;
const DTYPE_INT64 = 7;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimValue: 1 } as const;

/** IR version 8 (ONNX 1.10); opset 14 is the first with GRU's `layout` attribute (we keep its default 0). */
const IR_VERSION = 8;
const OPSET = 14;

/** Graph input and output names: the same as our TFLite models' tensors (`STEP_TENSOR_NAMES`). */
export const ONNX_STEP_NAMES = { x: 'x', h: 'h', y: 'y', hOut: 'h_out' } as const;

/**
 * Builds the ONNX ModelProto of one GRU step with a fixed batch.
 * @param w GRU and head weights (either form, either head)
 * @param batch rows per run (B); the graph's shapes are static
 * @returns the serialized model, ready for `InferenceSession.create(bytes)`
 */
export function onnxGruStepModel(w: GruWeights, batch: number): Uint8Array {
  const { inputSize: I, hiddenSize: H, outputSize: C } = w;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be ≥ 1, got ${batch}`);
  const n = ONNX_STEP_NAMES;
  const bias = new Float32Array(6 * H);
  bias.set(w.bx, 0);
  bias.set(w.bh, 3 * H);
  const softmax = w.head === 'softmax';

  const graph = new ProtoWriter().string(GRAPH.name, 'gru_step');
  const nodes = [
    node('Unsqueeze', [n.x, 'axes0'], ['X']),
    node('Unsqueeze', [n.h, 'axes0'], ['H0']),
    // Output 0 (Y, all time steps) is left unnamed: with one step it equals Y_h.
    node('GRU', ['X', 'W', 'R', 'B', '', 'H0'], ['', 'Y_h'], {
      hidden_size: H,
      linear_before_reset: w.form === 'reset_after' ? 1 : 0,
    }),
    node('Squeeze', ['Y_h', 'axes0'], [n.hOut]),
    node('Gemm', [n.hOut, 'wy', 'by'], [softmax ? 'logits' : n.y], { transB: 1 }),
    ...(softmax ? [node('Softmax', ['logits'], [n.y], { axis: -1 })] : []),
  ];
  for (const nd of nodes) graph.message(GRAPH.node, nd);
  const initializers = [
    int64Tensor('axes0', [0]),
    floatTensor('W', [1, 3 * H, I], w.wx),
    floatTensor('R', [1, 3 * H, H], w.wh),
    floatTensor('B', [1, 6 * H], bias),
    floatTensor('wy', [C, H], w.wy),
    floatTensor('by', [C], w.by),
  ];
  for (const t of initializers) graph.message(GRAPH.initializer, t);
  graph.message(GRAPH.input, valueInfo(n.x, [batch, I]));
  graph.message(GRAPH.input, valueInfo(n.h, [batch, H]));
  graph.message(GRAPH.output, valueInfo(n.y, [batch, C]));
  graph.message(GRAPH.output, valueInfo(n.hOut, [batch, H]));

  return new ProtoWriter()
    .varint(MODEL.irVersion, IR_VERSION)
    .string(MODEL.producerName, 'gru-stream peers')
    .string(MODEL.producerVersion, '1')
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new ProtoWriter().string(OPSET_ID.domain, '').varint(OPSET_ID.version, OPSET))
    .finish();
}

/** A NodeProto; `attrs` are all INT attributes (all this graph needs). */
function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, number> = {},
): ProtoWriter {
  const p = new ProtoWriter();
  for (const i of inputs) p.string(NODE.input, i);
  for (const o of outputs) p.string(NODE.output, o);
  p.string(NODE.name, `${opType}_${outputs.filter(Boolean).join('_')}`);
  p.string(NODE.opType, opType);
  for (const [name, value] of Object.entries(attrs)) {
    p.message(
      NODE.attribute,
      new ProtoWriter()
        .string(ATTRIBUTE.name, name)
        .varint(ATTRIBUTE.type, ATTRIBUTE_TYPE_INT)
        .varint(ATTRIBUTE.i, value),
    );
  }
  return p;
}

function floatTensor(name: string, dims: number[], data: Float32Array): ProtoWriter {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new RangeError(
      `tensor '${name}': expected ${size} floats for [${dims.join(', ')}], got ${data.length}`,
    );
  }
  const p = new ProtoWriter();
  for (const d of dims) p.varint(TENSOR.dims, d);
  return p
    .varint(TENSOR.dataType, DTYPE_FLOAT)
    .string(TENSOR.name, name)
    .packedFloats(TENSOR.floatData, data);
}

function int64Tensor(name: string, values: number[]): ProtoWriter {
  return new ProtoWriter()
    .varint(TENSOR.dims, values.length)
    .varint(TENSOR.dataType, DTYPE_INT64)
    .string(TENSOR.name, name)
    .packedVarints(TENSOR.int64Data, values);
}

/** A ValueInfoProto for a float32 tensor of static shape. */
function valueInfo(name: string, dims: number[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(SHAPE.dim, new ProtoWriter().varint(DIMENSION.dimValue, d));
  const tensorType = new ProtoWriter()
    .varint(TYPE_TENSOR.elemType, DTYPE_FLOAT)
    .message(TYPE_TENSOR.shape, shape);
  return new ProtoWriter()
    .string(VALUE_INFO.name, name)
    .message(VALUE_INFO.type, new ProtoWriter().message(TYPE.tensorType, tensorType));
}
