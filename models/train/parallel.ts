/**
 * Data parallelism over worker_threads: each minibatch is split by sequences; the main thread computes
 * the first part while one worker per extra thread computes the rest, on parameters and data shared
 * through SharedArrayBuffers; the gradients are summed in a fixed order. Every part is normalized by the
 * whole minibatch's Σ weights, so the sum is the gradient of the whole (equal to one engine's up to
 * float32 rounding, and bit-reproducible for a given thread count).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { GruStreamError } from '../../src/errors.js';
import { TrainingError } from './errors.js';
import { GruBptt, type BatchStats, type BpttOptions, type LossKind, type Minibatch } from './gru-bptt.js';
import type { GruModel } from './gru-model.js';
import { CTRL, ERROR_BYTES, STATS, type GradWorkerData } from './parallel-protocol.js';

interface WorkerSlot {
  worker: Worker;
  control: Int32Array;
  stats: Float64Array;
  error: Uint8Array;
  params: Float32Array;
  grad: Float32Array;
  inputs: Float32Array;
  targets: Float32Array;
  weights: Float32Array;
  request: number;
  /** Sequences given to this worker in the current step (0 = idle). */
  batch: number;
}

export interface ParallelOptions extends BpttOptions {
  /** Threads including the main one. Default 2. */
  threads?: number;
}

/** Forward + BPTT over a minibatch on several threads; same contract as `GruBptt.lossAndGradient`. */
export class ParallelGradient {
  readonly loss: LossKind;
  /** The main thread's engine (full batch size): use it for forward-only passes such as validation. */
  readonly engine: GruBptt;
  private readonly slots: WorkerSlot[];
  private readonly partGrad: Float32Array;
  private disposed = false;

  private constructor(
    private readonly model: GruModel,
    local: GruBptt,
    slots: WorkerSlot[],
  ) {
    this.engine = local;
    this.loss = local.loss;
    this.slots = slots;
    this.partGrad = new Float32Array(local.gradientSize);
  }

  /** Starts `threads − 1` workers and waits until they are up. */
  static async create(model: GruModel, o: ParallelOptions): Promise<ParallelGradient> {
    const threads = o.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `parallel option 'threads': expected a positive integer, got ${threads}`,
      );
    }
    const local = new GruBptt(model, o);
    const part = Math.ceil(o.maxBatch / threads);
    const { inputSize: I, outputSize: C } = model;
    const tw = local.loss === 'mse' ? C : 1;
    const floats = (n: number): SharedArrayBuffer => new SharedArrayBuffer(4 * n);
    const slots: WorkerSlot[] = [];
    for (let w = 1; w < threads; w++) {
      const data: GradWorkerData = {
        shape: { inputSize: I, hiddenSize: model.hiddenSize, outputSize: C, head: model.head },
        loss: local.loss,
        maxBatch: part,
        maxSteps: o.maxSteps,
        control: new SharedArrayBuffer(4 * 8),
        stats: new SharedArrayBuffer(8 * 4),
        error: new SharedArrayBuffer(ERROR_BYTES),
        params: floats(model.params.length),
        grad: floats(model.params.length),
        inputs: floats(part * o.maxSteps * I),
        targets: floats(part * o.maxSteps * tw),
        weights: floats(part * o.maxSteps),
      };
      const worker = new Worker(new URL('./grad-worker.boot.mjs', import.meta.url), { workerData: data });
      slots.push({
        worker,
        control: new Int32Array(data.control),
        stats: new Float64Array(data.stats),
        error: new Uint8Array(data.error),
        params: new Float32Array(data.params),
        grad: new Float32Array(data.grad),
        inputs: new Float32Array(data.inputs),
        targets: new Float32Array(data.targets),
        weights: new Float32Array(data.weights),
        request: 0,
        batch: 0,
      });
    }
    const p = new ParallelGradient(model, local, slots);
    await Promise.all(slots.map((s) => ParallelGradient.ready(s)));
    return p;
  }

  get gradientSize(): number {
    return this.engine.gradientSize;
  }

  /** The loss of `b` and its gradient, written into `grad`. Blocks until every part is done. */
  lossAndGradient(b: Minibatch, grad: Float32Array): BatchStats {
    if (this.disposed) throw new GruStreamError('E_ARGUMENT', 'ParallelGradient used after dispose()');
    const { inputSize: I, outputSize: C } = this.model;
    const tw = this.loss === 'mse' ? C : 1;
    const N = b.batch;
    const T = b.steps;
    if (b.h0 && this.slots.length > 0) {
      throw new GruStreamError('E_ARGUMENT', 'ParallelGradient: minibatch h0 needs threads = 1');
    }
    let normalizer = 0;
    for (let i = 0; i < N * T; i++) normalizer += b.weights[i]!;
    const per = Math.ceil(N / (this.slots.length + 1));
    // Hand out the tail parts first, so the workers run while this thread computes the head part.
    let start = per;
    for (const s of this.slots) {
      const n = Math.max(0, Math.min(per, N - start));
      s.batch = n;
      if (n === 0) continue;
      s.params.set(this.model.params);
      s.inputs.set(b.inputs.subarray(start * T * I, (start + n) * T * I));
      s.targets.set(b.targets.subarray(start * T * tw, (start + n) * T * tw));
      s.weights.set(b.weights.subarray(start * T, (start + n) * T));
      s.stats[STATS.normalizer] = normalizer;
      this.request(s, n, T);
      start += n;
    }
    const n0 = Math.min(per, N);
    let mine: BatchStats | undefined;
    let failure: unknown;
    try {
      mine = this.engine.lossAndGradient(
        {
          batch: n0,
          steps: T,
          inputs: b.inputs.subarray(0, n0 * T * I),
          targets: b.targets.subarray(0, n0 * T * tw),
          weights: b.weights.subarray(0, n0 * T),
          ...(b.h0 && { h0: b.h0 }),
        },
        grad,
        normalizer,
      );
    } catch (e) {
      // Rethrown below, once no worker still reads the shared buffers the next call will overwrite.
      failure = e;
    }
    let loss = mine?.loss ?? 0;
    let correct = (mine?.accuracy ?? 0) * (mine?.weightSum ?? 0);
    for (const s of this.slots) {
      if (s.batch === 0) continue;
      try {
        this.wait(s);
      } catch (e) {
        failure ??= e;
        continue;
      }
      for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! + s.grad[i]!;
      loss += s.stats[STATS.loss]!;
      correct += s.stats[STATS.accuracy]! * s.stats[STATS.weightSum]!;
    }
    if (failure !== undefined) throw failure;
    return {
      loss,
      weightSum: normalizer,
      ...(this.loss === 'crossEntropy' && { accuracy: normalizer > 0 ? correct / normalizer : 0 }),
    };
  }

  /** Stops the workers. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(
      this.slots.map(async (s) => {
        const exited = once(s.worker, 'exit');
        Atomics.store(s.control, CTRL.request, -1);
        Atomics.notify(s.control, CTRL.request);
        await exited;
      }),
    );
  }

  private request(s: WorkerSlot, batch: number, steps: number): void {
    s.control[CTRL.batch] = batch;
    s.control[CTRL.steps] = steps;
    s.request++;
    Atomics.store(s.control, CTRL.request, s.request);
    Atomics.notify(s.control, CTRL.request);
  }

  /** Blocks until `s` finished its current request; throws what the worker threw. */
  private wait(s: WorkerSlot): void {
    while (Atomics.load(s.control, CTRL.done) !== s.request) {
      // 60 s without an answer means the worker is gone (it answers every request, errors included).
      if (Atomics.wait(s.control, CTRL.done, Atomics.load(s.control, CTRL.done), 60_000) === 'timed-out') {
        throw new TrainingError('E_WORKER', 'gradient worker did not answer within 60 s');
      }
    }
    if (s.control[CTRL.status] !== 0) {
      const text = new TextDecoder().decode(s.error.slice()).replace(/\0+$/, '');
      throw new TrainingError('E_WORKER', `gradient worker failed: ${text}`);
    }
  }

  /** Waits for the worker's one message, 'ready' (sent once it has loaded: tsx, WASM, buffers). */
  private static async ready(s: WorkerSlot): Promise<void> {
    const started = once(s.worker, 'message');
    const failed = once(s.worker, 'error').then(([e]) => {
      throw new TrainingError('E_WORKER', `gradient worker failed to start: ${(e as Error).message}`);
    });
    await Promise.race([started, failed]);
  }
}
