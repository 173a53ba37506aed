/**
 * Where each tensor's shape and constant bytes sit inside a `.tflite` file, for edits that keep the
 * file's layout (same sizes, same offsets): rewriting a batch dimension, or replacing weights by
 * values of the same type. Such edits work on foreign models whose operators our GraphDesc writer
 * cannot describe.
 */
import { readTflite } from './reader.js';
import { BUFFER, MODEL, SUBGRAPH, TENSOR } from './schema.js';

/** Byte positions in the file of one tensor of subgraph 0 (0 when the field is absent). */
export interface TensorLocation {
  /** Position of the `shape` int32 vector's length word; its elements follow. */
  shape: number;
  /** Position of the `shape_signature` vector's length word. */
  shapeSignature: number;
  /** Position of the tensor's first constant byte. */
  data: number;
  /** Number of constant bytes (0 for activations). */
  dataLength: number;
}

/**
 * Locates every tensor of subgraph 0. The file is validated by {@link readTflite} first (which
 * throws `E_TFLITE_FORMAT` naming the problem), so the walk below reads only checked offsets.
 */
export function locateTensors(bytes: Uint8Array): TensorLocation[] {
  const graph = readTflite(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (pos: number): number => view.getUint32(pos, true);
  /** Position of field `id` of the table at `pos`, or 0 when absent. */
  const field = (pos: number, id: number): number => {
    const vt = pos - view.getInt32(pos, true);
    const at = 4 + 2 * id;
    const rel = at < view.getUint16(vt, true) ? view.getUint16(vt + at, true) : 0;
    return rel === 0 ? 0 : pos + rel;
  };
  const deref = (fieldPos: number): number => (fieldPos === 0 ? 0 : fieldPos + u32(fieldPos));
  const element = (vector: number, i: number): number => deref(vector + 4 + 4 * i);

  const model = u32(0);
  const buffers = deref(field(model, MODEL.buffers));
  const subgraph = element(deref(field(model, MODEL.subgraphs)), 0);
  const tensors = deref(field(subgraph, SUBGRAPH.tensors));
  return graph.tensors.map((_, i) => {
    const tensor = element(tensors, i);
    const bufferField = field(tensor, TENSOR.buffer);
    const bufferIndex = bufferField === 0 ? 0 : u32(bufferField);
    const dataVector = buffers === 0 ? 0 : deref(field(element(buffers, bufferIndex), BUFFER.data));
    const dataLength = dataVector === 0 ? 0 : u32(dataVector);
    return {
      shape: deref(field(tensor, TENSOR.shape)),
      shapeSignature: deref(field(tensor, TENSOR.shape_signature)),
      data: dataLength === 0 ? 0 : dataVector + 4,
      dataLength,
    };
  });
}
