/**
 * Head outputs of a model over whole sequences, in minibatches through the training forward pass: for
 * validation metrics a frame-weighted loss cannot express (e.g. "did the posterior of the right keyword
 * cross 0.5 anywhere after it ended"). Matches `referenceSequence` within 1e-5.
 */
import { GruStreamError } from '../../src/errors.js';
import { GruBptt } from './gru-bptt.js';
import type { GruModel } from './gru-model.js';

/**
 * @param inputs per sequence `T_i × I` frames (lengths may differ)
 * @param options.batchSize sequences per forward pass (default 64)
 * @returns per sequence `T_i × C` outputs: probabilities for a softmax head, else linear values
 */
export function predict(
  model: GruModel,
  inputs: Float32Array[],
  options: { batchSize?: number } = {},
): Float32Array[] {
  const I = model.inputSize;
  const C = model.outputSize;
  const lengths = inputs.map((x, s) => {
    const T = x.length / I;
    if (!Number.isInteger(T) || T < 1) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `predict sequence ${s}: expected a positive multiple of I=${I} floats, got ${x.length}`,
      );
    }
    return T;
  });
  if (inputs.length === 0) return [];
  const batchSize = Math.min(options.batchSize ?? 64, inputs.length);
  const maxT = Math.max(...lengths);
  // Softmax outputs come from the cross-entropy path; a linear head's values from the MSE path. The
  // targets are zeros with weight 0, so no loss is computed, only outputs.
  const engine = new GruBptt(model, {
    maxBatch: batchSize,
    maxSteps: maxT,
    loss: model.head === 'softmax' ? 'crossEntropy' : 'mse',
  });
  const tw = engine.loss === 'mse' ? C : 1;
  const x = new Float32Array(batchSize * maxT * I);
  const targets = new Float32Array(batchSize * maxT * tw);
  const weights = new Float32Array(batchSize * maxT);
  const out = new Float32Array(batchSize * maxT * C);
  const results: Float32Array[] = [];
  for (let b = 0; b < inputs.length; b += batchSize) {
    const n = Math.min(batchSize, inputs.length - b);
    let T = 0;
    for (let i = 0; i < n; i++) T = Math.max(T, lengths[b + i]!);
    x.fill(0);
    for (let i = 0; i < n; i++) x.set(inputs[b + i]!, i * T * I);
    engine.forward({
      batch: n,
      steps: T,
      inputs: x.subarray(0, n * T * I),
      targets: targets.subarray(0, n * T * tw),
      weights: weights.subarray(0, n * T),
    });
    engine.readOutputs(out);
    for (let i = 0; i < n; i++) results.push(out.slice(i * T * C, (i * T + lengths[b + i]!) * C));
  }
  return results;
}
