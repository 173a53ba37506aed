/**
 * Rewrites the batch dimension of a `.tflite` model: every tensor that depends on the input (not
 * a constant, nor computed from constants alone) gets the new batch as its first dimension, in `shape` and `shape_signature`. Nothing else
 * in the file changes (same size, same layout: see `locate.ts`), so it works on foreign models whose operators our
 * {@link GraphDesc} writer cannot describe (CONV_2D, MAX_POOL_2D and LEAKY_RELU options), such as
 * Google's speech embedding. tfjs-tflite has no dynamic batch, so a batched variant must be a file.
 *
 * Only for models where the batch is nothing but the leading dimension of activations: a model
 * whose constants encode the batch (a RESHAPE's shape tensor, say) is refused rather than broken.
 */
import { GruStreamError } from '../../errors.js';
import { readTflite } from './reader.js';
import { locateTensors } from './locate.js';

/** Operators whose constant inputs may hold a batch-sized shape: the rewrite refuses them. */
const SHAPE_OPS = new Set(['RESHAPE', 'BROADCAST_TO', 'FILL', 'TILE', 'SLICE', 'STRIDED_SLICE', 'GATHER']);

/**
 * A copy of `bytes` with batch `batch` instead of the model's (the first dimension of its input).
 * @param bytes a valid single-subgraph `.tflite` file
 * @param batch the new batch size, an integer ≥ 1
 * @throws GruStreamError E_ARGUMENT for a bad batch, E_TFLITE_FORMAT for a bad file,
 *   E_MODEL_UNSUPPORTED when an activation does not lead with the batch or an op may encode it
 */
export function setTfliteBatch(bytes: Uint8Array, batch: number): Uint8Array {
  if (!Number.isInteger(batch) || batch < 1 || batch > 0x7fffffff) {
    throw new GruStreamError('E_ARGUMENT', `setTfliteBatch batch: expected an integer ≥ 1, got ${batch}`);
  }
  // Validates the whole file (bounds, vtables), so the walk below can use plain reads.
  const graph = readTflite(bytes);
  const shapeOp = graph.operators.find((o) => SHAPE_OPS.has(o.op));
  if (shapeOp) {
    throw new GruStreamError(
      'E_MODEL_UNSUPPORTED',
      `setTfliteBatch: the model has a ${shapeOp.op} operator, whose constants may encode the batch`,
    );
  }
  const input = graph.tensors[graph.inputs[0] ?? -1];
  const oldBatch = input?.shape[0];
  if (oldBatch === undefined) {
    throw new GruStreamError('E_MODEL_UNSUPPORTED', 'setTfliteBatch: the model input has no dimensions');
  }
  // Tensors computed from constants alone (a DEQUANTIZE of stored weights) carry no batch.
  const fixed = new Set(graph.tensors.flatMap((t, i) => (t.data === undefined ? [] : [i])));
  for (const op of graph.operators) {
    if (op.inputs.every((i) => i < 0 || fixed.has(i))) for (const o of op.outputs) fixed.add(o);
  }
  graph.tensors.forEach((t, i) => {
    if (!fixed.has(i) && t.shape[0] !== oldBatch) {
      throw new GruStreamError(
        'E_MODEL_UNSUPPORTED',
        `setTfliteBatch: tensor ${i} "${t.name}" has shape [${t.shape.join(', ')}], ` +
          `expected the batch ${oldBatch} first like the input`,
      );
    }
  });

  const out = bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  locateTensors(out).forEach((at, i) => {
    if (fixed.has(i)) return;
    for (const vec of [at.shape, at.shapeSignature]) {
      // A shape_signature of −1 (dynamic) stays dynamic; a fixed one follows the shape.
      if (vec !== 0 && view.getUint32(vec, true) > 0 && view.getInt32(vec + 4, true) === oldBatch) {
        view.setInt32(vec + 4, batch, true);
      }
    }
  });
  // Flatbuffer builders may share one shape vector between tensors; check that only activations moved.
  const patched = readTflite(out);
  patched.tensors.forEach((t, i) => {
    const before = graph.tensors[i]!.shape;
    const expected = fixed.has(i) ? before : [batch, ...before.slice(1)];
    if (t.shape.join() !== expected.join()) {
      throw new GruStreamError(
        'E_MODEL_UNSUPPORTED',
        `setTfliteBatch: tensor ${i} "${t.name}" became [${t.shape.join(', ')}], expected [${expected.join(', ')}]`,
      );
    }
  });
  return out;
}
