/**
 * Gradient worker of {@link ParallelGradient}: waits on the shared control word, runs forward + BPTT on
 * its part of the minibatch with the shared parameters, writes the gradient and stats, and signals.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GruBptt } from './gru-bptt.js';
import { GruModel } from './gru-model.js';
import { CTRL, STATS, type GradWorkerData } from './parallel-protocol.js';

const d = workerData as GradWorkerData;
const control = new Int32Array(d.control);
const stats = new Float64Array(d.stats);
const model = new GruModel(d.shape, new Float32Array(d.params));
const engine = new GruBptt(model, { maxBatch: d.maxBatch, maxSteps: d.maxSteps, loss: d.loss });
const grad = new Float32Array(d.grad);
const inputs = new Float32Array(d.inputs);
const targets = new Float32Array(d.targets);
const weights = new Float32Array(d.weights);
const targetWidth = d.loss === 'mse' ? d.shape.outputSize : 1;

parentPort?.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(control, CTRL.request, seen);
  const request = Atomics.load(control, CTRL.request);
  if (request < 0) break;
  seen = request;
  try {
    const N = control[CTRL.batch]!;
    const T = control[CTRL.steps]!;
    const s = engine.lossAndGradient(
      {
        batch: N,
        steps: T,
        inputs: inputs.subarray(0, N * T * d.shape.inputSize),
        targets: targets.subarray(0, N * T * targetWidth),
        weights: weights.subarray(0, N * T),
      },
      grad,
      stats[STATS.normalizer]!,
    );
    stats[STATS.loss] = s.loss;
    stats[STATS.weightSum] = s.weightSum;
    stats[STATS.accuracy] = s.accuracy ?? 0;
    Atomics.store(control, CTRL.status, 0);
  } catch (e) {
    // Handed to the main thread, which throws it: the worker must keep answering, not die silently.
    const text = new TextEncoder().encode(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    const err = new Uint8Array(d.error);
    err.fill(0);
    err.set(text.subarray(0, err.length));
    Atomics.store(control, CTRL.status, 1);
  }
  Atomics.store(control, CTRL.done, request);
  Atomics.notify(control, CTRL.done);
}
