/**
 * Activation ranges for full-int8 models, measured by running the float graph over calibration
 * sequences with the state carried exactly as at inference (so `h` sees the ranges it will see).
 */
import { GruStreamError } from '../errors.js';
import { GraphEvaluator } from './graph-eval.js';
import { buildGruStepGraph, type RangeTable } from './gru-graph.js';
import type { GruWeights } from './gru-reference.js';

/**
 * @param sequences calibration inputs, each `T × inputSize` floats (T ≥ 1), representative of real use
 * @returns min/max of every named tensor of the float step graph
 */
export function calibrateRanges(w: GruWeights, sequences: Float32Array[]): RangeTable {
  if (sequences.length === 0)
    throw new GruStreamError('E_ARGUMENT', 'calibration needs at least one sequence');
  const I = w.inputSize;
  const graph = buildGruStepGraph(w, { batch: 1, scheme: 'float32' });
  const ev = new GraphEvaluator(graph);
  const ranges: RangeTable = {};
  const record = (name: string, v: Float32Array): void => {
    let r = ranges[name];
    if (!r) r = ranges[name] = { min: Infinity, max: -Infinity };
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      if (x < r.min) r.min = x;
      if (x > r.max) r.max = x;
    }
  };
  sequences.forEach((seq, s) => {
    if (seq.length === 0 || seq.length % I !== 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `calibration sequence ${s} has ${seq.length} floats; expected a non-zero multiple of inputSize ${I}`,
      );
    }
    let h: Float32Array = new Float32Array(w.hiddenSize);
    for (let t = 0; t < seq.length / I; t++) {
      const [, hOut] = ev.run([seq.subarray(t * I, (t + 1) * I), h], record);
      h = hOut!;
    }
  });
  // The state is both an input and an output; one range for both keeps h' → h a no-op requantize.
  const hr = ranges.h!;
  const ho = ranges.h_out!;
  hr.min = ho.min = Math.min(hr.min, ho.min);
  hr.max = ho.max = Math.max(hr.max, ho.max);
  return ranges;
}
