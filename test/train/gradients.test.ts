import { describe, expect, it } from 'vitest';
import { mulberry32, randomNormal } from '../../src/model/random.js';
import { GruBptt, type LossKind, type Minibatch } from '../../models/train/gru-bptt.js';
import { GruModel, paramViews, type ParamViews } from '../../models/train/gru-model.js';

const I = 3;
const C = 3;
const T = 5;
const N = 2;

/**
 * A tiny model with biases switched on and a minibatch whose frame weights include zeros. H = 4 runs the
 * SIMD gate kernels, H = 5 their JS fallback.
 */
function setup(loss: LossKind, H = 4): { model: GruModel; engine: GruBptt; batch: Minibatch } {
  const model = GruModel.create({
    inputSize: I,
    hiddenSize: H,
    outputSize: C,
    head: loss === 'mse' ? 'linear' : 'softmax',
    seed: 5,
  });
  const noise = randomNormal(model.params.length, 6, 0.2);
  model.params.set(model.params.map((v, i) => v + noise[i]!));
  const rand = mulberry32(9);
  const targets =
    loss === 'mse'
      ? randomNormal(N * T * C, 10)
      : Float32Array.from({ length: N * T }, () => Math.floor(rand() * C));
  const weights = Float32Array.from([0, 1, 0.5, 0, 2, 1, 0, 0, 1.5, 0.25]);
  const batch = { batch: N, steps: T, inputs: randomNormal(N * T * I, 8), targets, weights };
  return { model, engine: new GruBptt(model, { maxBatch: N, maxSteps: T, loss }), batch };
}

/**
 * Central differences in float32 parameters: the step is what float32 actually stored, and the loss is
 * summed in float64. Errors of ~1e-3 relative are float32 rounding of the activations, not a bug.
 */
function numericGradient(model: GruModel, loss: () => number, eps: number): Float32Array {
  const p = model.params;
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    const hi = Math.fround(v + eps);
    const lo = Math.fround(v - eps);
    p[i] = hi;
    const lHi = loss();
    p[i] = lo;
    const lLo = loss();
    p[i] = v;
    out[i] = (lHi - lLo) / (hi - lo);
  }
  return out;
}

const norm = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

describe('BPTT gradients', () => {
  for (const [loss, H] of [
    ['crossEntropy', 4],
    ['mse', 4],
    ['crossEntropy', 5],
  ] as const) {
    it(`match central finite differences for every parameter group (${loss}, H=${H})`, () => {
      const { model, engine, batch } = setup(loss, H);
      const analytic = new Float32Array(engine.gradientSize);
      engine.lossAndGradient(batch, analytic);
      const numeric = numericGradient(model, () => engine.forward(batch).loss, 1e-2);
      const a = paramViews(analytic, model);
      const n = paramViews(numeric, model);
      for (const k of Object.keys(a) as (keyof ParamViews)[]) {
        const ga = a[k];
        const gn = n[k];
        // Group-wise relative error (measured 4e-6 to 2.4e-4), and per element 1e-2 relative + 2e-4 absolute.
        const diff = norm(ga.map((v, i) => v - gn[i]!));
        expect(norm(ga), `${k} is not all zero`).toBeGreaterThan(1e-3);
        expect(diff / norm(gn), `${k} relative error`).toBeLessThan(2e-3);
        for (let i = 0; i < ga.length; i++) {
          expect(Math.abs(ga[i]! - gn[i]!), `${k}[${i}]`).toBeLessThan(1e-2 * Math.abs(gn[i]!) + 2e-4);
        }
      }
    });
  }

  it('ignores frames of weight 0 entirely', () => {
    const { engine, batch } = setup('crossEntropy');
    const g1 = new Float32Array(engine.gradientSize);
    const g2 = new Float32Array(engine.gradientSize);
    const s1 = engine.lossAndGradient(batch, g1);
    // Change the targets of the zero-weight frames: nothing may move.
    const targets = batch.targets.map((v, i) => (batch.weights[i] === 0 ? (v + 1) % C : v));
    const s2 = engine.lossAndGradient({ ...batch, targets }, g2);
    expect(s2.loss).toBe(s1.loss);
    expect(g2).toEqual(g1);
  });
});
