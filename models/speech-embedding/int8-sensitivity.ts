/**
 * Which CONV_2D layer makes int8 weights fail: each layer's weights alone rounded to int8
 * per-channel (as a DEQUANTIZE would give them back), then all layers but the first, against the
 * float embeddings of the held-out recording's windows, in the README criterion's units (max error
 * in standard deviations of its dimension, min cosine per window).
 *
 *   npx tsx models/speech-embedding/int8-sensitivity.ts
 */
import { readFileSync } from 'node:fs';
import { slidingWindows } from '../../src/features/embedding-window.js';
import { parseWav } from '../../src/features/index.js';
import { speechMelFrames } from '../../src/features/speech-mel.js';
import { dequantizeInt8, quantizeWeightsInt8 } from '../../src/model/quantize.js';
import { locateTensors } from '../../src/model/tflite/locate.js';
import { readTflite } from '../../src/model/tflite/reader.js';
import { createEmbeddingRunner } from '../../src/runtime/embedding-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';

const E = 96;
const bytes = new Uint8Array(readFileSync('models/speech-embedding/embedding_model.tflite'));
const graph = readTflite(bytes);
const where = locateTensors(bytes);
const convWeights = graph.operators.filter((o) => o.op === 'CONV_2D').map((o) => o.inputs[1]!);
const wav = parseWav(new Uint8Array(readFileSync('models/kws/samples/keywords-heldout.wav')));
const windows = slidingWindows(speechMelFrames(wav.channels[0]!));
const tflite = await loadTfliteInNode();

async function embed(file: Uint8Array): Promise<Float32Array> {
  const runner = await createEmbeddingRunner(tflite, file, { batchSizes: [64, 8, 1] });
  try {
    return runner.embed(windows);
  } finally {
    runner.dispose();
  }
}

const reference = await embed(bytes);
const n = reference.length / E;
const std = new Float64Array(E);
const mean = new Float64Array(E);
for (let i = 0; i < reference.length; i++) mean[i % E]! += reference[i]! / n;
for (let i = 0; i < reference.length; i++) std[i % E]! += (reference[i]! - mean[i % E]!) ** 2 / n;
for (let k = 0; k < E; k++) std[k] = Math.sqrt(std[k]!);

function score(e: Float32Array): string {
  let worstStd = 0;
  let worstCos = 1;
  for (let w = 0; w < n; w++) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let k = 0; k < E; k++) {
      const x = e[w * E + k]!;
      const y = reference[w * E + k]!;
      worstStd = Math.max(worstStd, Math.abs(x - y) / std[k]!);
      dot += x * y;
      a += x * x;
      b += y * y;
    }
    worstCos = Math.min(worstCos, dot / Math.sqrt(a * b));
  }
  return `max err ${worstStd.toFixed(3)} std, min cosine ${worstCos.toFixed(5)}`;
}

/** The float file with the weights of the given CONV_2D layers rounded to int8 per channel. */
function withInt8(layers: number[]): Uint8Array {
  const out = bytes.slice();
  for (const layer of layers) {
    const index = convWeights[layer]!;
    const t = graph.tensors[index]!;
    const w = new Float32Array(t.data!.slice().buffer);
    const rows = t.shape[0]!;
    const { q, quantization } = quantizeWeightsInt8(w, rows, w.length / rows, true);
    out.set(new Uint8Array(dequantizeInt8(q, quantization, w.length / rows).buffer), where[index]!.data);
  }
  return out;
}

console.log(`${n} windows; dimension std ${Math.min(...std).toFixed(2)}…${Math.max(...std).toFixed(2)}`);
for (let layer = 0; layer < convWeights.length; layer++) {
  const shape = graph.tensors[convWeights[layer]!]!.shape.join('×');
  console.log(`int8 layer ${layer} (${shape}) alone: ${score(await embed(withInt8([layer])))}`);
}
const allButFirst = convWeights.map((_, i) => i).slice(1);
console.log(`int8 all layers but 0: ${score(await embed(withInt8(allButFirst)))}`);
