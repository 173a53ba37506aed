import { describe, expect, it } from 'vitest';
import { calibrateRanges } from '../../src/model/calibrate.js';
import { GraphEvaluator } from '../../src/model/graph-eval.js';
import { buildGruStepGraph, type QuantScheme } from '../../src/model/gru-graph.js';
import { referenceStep, type GruForm, type HeadKind } from '../../src/model/gru-reference.js';
import { randomGruWeights, randomNormal } from '../../src/model/random.js';

const I = 6;
const H = 10;
const C = 4;

/** Free-runs the evaluated graph and the reference for `steps`, returns the max abs differences. */
function compare(form: GruForm, head: HeadKind, scheme: QuantScheme, tanhViaSigmoid: boolean, batch = 3) {
  const w = randomGruWeights({ form, head, inputSize: I, hiddenSize: H, outputSize: C, seed: 7 });
  const ranges = scheme === 'int8' ? calibrateRanges(w, [randomNormal(50 * I, 99)]) : undefined;
  const ev = new GraphEvaluator(buildGruStepGraph(w, { batch, scheme, tanhViaSigmoid, ranges }));
  const steps = 40;
  const xs = randomNormal(steps * batch * I, 3);
  let h = new Float32Array(batch * H);
  const hRef = new Float32Array(batch * H);
  let maxH = 0;
  let maxY = 0;
  const hNext = new Float32Array(H);
  const yRef = new Float32Array(C);
  for (let t = 0; t < steps; t++) {
    const x = xs.subarray(t * batch * I, (t + 1) * batch * I);
    const [y, hOut] = ev.run([x, h]);
    for (let b = 0; b < batch; b++) {
      referenceStep(w, x.subarray(b * I, (b + 1) * I), hRef.subarray(b * H, (b + 1) * H), hNext, yRef);
      hRef.set(hNext, b * H);
      for (let j = 0; j < H; j++) maxH = Math.max(maxH, Math.abs(hOut![b * H + j]! - hNext[j]!));
      for (let c = 0; c < C; c++) maxY = Math.max(maxY, Math.abs(y![b * C + c]! - yRef[c]!));
    }
    h = hOut!.slice();
    // Feed the graph its own state, the reference its own: drift would show as growing error.
  }
  return { maxH, maxY };
}

describe('GRU step graph (float evaluator) against the reference step', () => {
  for (const form of ['reset_after', 'classic'] as const) {
    for (const head of ['softmax', 'linear'] as const) {
      it(`float32 ${form} ${head}, tanh kept and rewritten, matches within 1e-5`, () => {
        for (const rewrite of [false, true]) {
          const { maxH, maxY } = compare(form, head, 'float32', rewrite);
          expect(maxH).toBeLessThan(1e-5);
          expect(maxY).toBeLessThan(1e-5);
        }
      });
    }
  }

  it('quantized weights stay close: float16 ≤ 5e-3, int8 per-channel ≤ 5e-2', () => {
    expect(compare('reset_after', 'softmax', 'float16', true).maxH).toBeLessThan(5e-3);
    expect(compare('reset_after', 'softmax', 'int8-weights', true).maxH).toBeLessThan(5e-2);
  });

  it('int8 graph needs calibration ranges and names every int8 tensor after a float one', () => {
    const w = randomGruWeights({ inputSize: I, hiddenSize: H, outputSize: C, seed: 1 });
    expect(() => buildGruStepGraph(w, { batch: 1, scheme: 'int8' })).toThrow(/calibration ranges/);
    const ranges = calibrateRanges(w, [randomNormal(20 * I, 5)]);
    const g = buildGruStepGraph(w, { batch: 2, scheme: 'int8', ranges });
    const types = new Set(g.tensors.filter((t) => !t.data).map((t) => t.type));
    expect([...types].sort()).toEqual(['float32', 'int8']);
    expect(g.operators.map((o) => o.op)).not.toContain('TANH');
    expect(ranges.h).toEqual(ranges.h_out);
  });
});
