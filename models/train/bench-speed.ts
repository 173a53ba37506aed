/**
 * Training speed: seconds per 4,096 sequences (forward + BPTT + Adam), the unit of TRAINING-NOTES.
 *
 *   npx tsx models/train/bench-speed.ts [--hidden 64,128] [--threads 1,2] [--sequences 4096] [--steps 100]
 *
 * Prints a table; the machine is noisy (±30%), so compare options within one run.
 */
import { parseArgs } from 'node:util';
import { mulberry32, randomNormal } from '../../src/model/random.js';
import { Adam } from './adam.js';
import { GruBptt } from './gru-bptt.js';
import { GruModel } from './gru-model.js';
import { ParallelGradient } from './parallel.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,128' },
    sequences: { type: 'string', default: '4096' },
    steps: { type: 'string', default: '100' },
    input: { type: 'string', default: '40' },
    classes: { type: 'string', default: '12' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
  },
});
const T = Number(values.steps);
const I = Number(values.input);
const C = Number(values.classes);
const N = Number(values.batch);
const S = Number(values.sequences);

console.log('| H | threads | s / 4,096 seq | seq/s |');
console.log('|---|---|---|---|');
for (const H of values.hidden.split(',').map(Number))
  for (const threads of values.threads.split(',').map(Number)) {
    const model = GruModel.create({ inputSize: I, hiddenSize: H, outputSize: C, seed: 1 });
    const engine =
      threads > 1
        ? await ParallelGradient.create(model, { maxBatch: N, maxSteps: T, threads })
        : new GruBptt(model, { maxBatch: N, maxSteps: T });
    const adam = new Adam(model.params.length);
    const grad = new Float32Array(engine.gradientSize);
    const rand = mulberry32(2);
    const batch = {
      batch: N,
      steps: T,
      inputs: randomNormal(N * T * I, 3),
      targets: Float32Array.from({ length: N * T }, () => Math.floor(rand() * C)),
      weights: new Float32Array(N * T).fill(1),
    };
    // Warm-up: let V8 optimise the kernels before timing.
    for (let i = 0; i < 3; i++) {
      engine.lossAndGradient(batch, grad);
      adam.step(model.params, grad);
    }
    const start = performance.now();
    const batches = Math.ceil(S / N);
    for (let b = 0; b < batches; b++) {
      engine.lossAndGradient(batch, grad);
      adam.step(model.params, grad);
    }
    const sec = (performance.now() - start) / 1000;
    const per4096 = (sec * 4096) / (batches * N);
    console.log(`| ${H} | ${threads} | ${per4096.toFixed(2)} | ${((batches * N) / sec).toFixed(0)} |`);
    if (engine instanceof ParallelGradient) await engine.dispose();
  }
