/**
 * Checks a manifest's sizes against the model file itself: the step's tensors must have the shapes
 * the manifest promises (x: [batch, inputSize], h and h_out: [batch, hiddenSize], y: [batch,
 * outputSize]). A manifest edited to say `hiddenSize: 1e9` is refused here, before anything is
 * allocated for it.
 */
import { GruStreamError } from '../errors.js';
import type { ModelManifest } from './manifest.js';
import { readTflite } from './tflite/reader.js';

/** @throws GruStreamError E_MANIFEST naming the tensor, the manifest's shape and the file's */
export function checkManifestShapes(m: ModelManifest, bytes: Uint8Array): void {
  const graph = readTflite(bytes);
  const { batch, gru } = m;
  const expected: [keyof ModelManifest['tensors'], number][] = [
    ['x', gru.inputSize],
    ['h', gru.hiddenSize],
    ['hOut', gru.hiddenSize],
    ['y', gru.outputSize],
  ];
  const names = m.tensors ?? { x: 'x', h: 'h', y: 'y', hOut: 'h_out' };
  const io = new Set([...graph.inputs, ...graph.outputs]);
  for (const [key, width] of expected) {
    const name = names[key];
    const tensor = graph.tensors.find((t, i) => io.has(i) && t.name === name);
    if (tensor === undefined) {
      throw new GruStreamError(
        'E_MANIFEST',
        `manifest of '${m.file}': the file has no input or output tensor '${name}' (tensors.${key})`,
      );
    }
    const want = [batch, width];
    if (tensor.shape.length !== 2 || tensor.shape[0] !== batch || tensor.shape[1] !== width) {
      throw new GruStreamError(
        'E_MANIFEST',
        `manifest of '${m.file}': tensor '${name}' should be [${want.join(', ')}] (batch, gru sizes), ` +
          `the file has [${tensor.shape.join(', ')}]`,
      );
    }
  }
}
