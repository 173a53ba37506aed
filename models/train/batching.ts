/**
 * Training data as callers hold it (one Float32Array per sequence) and the packing of a minibatch
 * into the flat `[N, T, …]` arrays {@link GruBptt} takes, into buffers reused by every batch.
 */
import { GruStreamError } from '../../src/errors.js';
import type { LossKind, Minibatch } from './gru-bptt.js';
import type { GruShape } from './gru-model.js';

/** Sequences may differ in length; each array's frames are row-major. */
export interface SequenceData {
  /** Per sequence `T_i × I` input frames. */
  inputs: Float32Array[];
  /** Per sequence: `T_i` class indices (`crossEntropy`) or `T_i × C` target values (`mse`). */
  targets: Float32Array[];
  /** Per sequence `T_i` frame weights ≥ 0 (0 = frame ignored). Default: 1 for every frame. */
  weights?: Float32Array[];
}

/**
 * Checks every sequence's lengths against the model and returns the longest T.
 * @param what names the data set in error messages
 */
export function checkSequenceData(data: SequenceData, shape: GruShape, loss: LossKind, what: string): number {
  const { inputs, targets, weights } = data;
  const I = shape.inputSize;
  const tc = loss === 'mse' ? shape.outputSize : 1;
  if (inputs.length === 0)
    throw new GruStreamError('E_ARGUMENT', `${what}: expected at least one sequence, got 0`);
  if (targets.length !== inputs.length || (weights && weights.length !== inputs.length)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `${what}: expected as many targets and weights as inputs (${inputs.length}), ` +
        `got ${targets.length} and ${weights?.length ?? 'none'}`,
    );
  }
  let maxT = 0;
  for (let s = 0; s < inputs.length; s++) {
    const x = inputs[s]!;
    const T = x.length / I;
    if (!Number.isInteger(T) || T < 1) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `${what} sequence ${s}: expected a positive multiple of I=${I} floats, got ${x.length}`,
      );
    }
    if (targets[s]!.length !== T * tc) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `${what} sequence ${s}: expected ${T * tc} targets (T=${T}), got ${targets[s]!.length}`,
      );
    }
    if (weights && weights[s]!.length !== T) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `${what} sequence ${s}: expected ${T} weights, got ${weights[s]!.length}`,
      );
    }
    maxT = Math.max(maxT, T);
  }
  return maxT;
}

/**
 * Packs chosen sequences into one {@link Minibatch}. Shorter sequences are padded at the end with zero
 * frames of weight 0: the GRU is causal, so frames after a sequence's end cannot change its loss.
 */
export class BatchPacker {
  private readonly inputs: Float32Array;
  private readonly targets: Float32Array;
  private readonly weights: Float32Array;
  private readonly targetWidth: number;

  constructor(
    private readonly shape: GruShape,
    loss: LossKind,
    private readonly maxBatch: number,
    private readonly maxSteps: number,
  ) {
    this.targetWidth = loss === 'mse' ? shape.outputSize : 1;
    this.inputs = new Float32Array(maxBatch * maxSteps * shape.inputSize);
    this.targets = new Float32Array(maxBatch * maxSteps * this.targetWidth);
    this.weights = new Float32Array(maxBatch * maxSteps);
  }

  /** The sequences `order[start..end)` of `data` (checked by {@link checkSequenceData}). */
  pack(data: SequenceData, order: ArrayLike<number>, start: number, end: number): Minibatch {
    const I = this.shape.inputSize;
    const tw = this.targetWidth;
    const N = end - start;
    let T = 0;
    for (let b = start; b < end; b++) T = Math.max(T, data.inputs[order[b]!]!.length / I);
    if (N < 1 || N > this.maxBatch || T > this.maxSteps) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `pack: expected 1..${this.maxBatch} sequences of ≤ ${this.maxSteps} frames, got ${N} of ${T}`,
      );
    }
    const inputs = this.inputs.subarray(0, N * T * I);
    const targets = this.targets.subarray(0, N * T * tw);
    const weights = this.weights.subarray(0, N * T);
    for (let i = 0; i < N; i++) {
      const s = order[start + i]!;
      const x = data.inputs[s]!;
      const len = x.length / I;
      inputs.set(x, i * T * I);
      targets.set(data.targets[s]!, i * T * tw);
      const w = data.weights?.[s];
      if (w) weights.set(w, i * T);
      else weights.fill(1, i * T, i * T + len);
      if (len < T) {
        inputs.fill(0, (i * T + len) * I, (i + 1) * T * I);
        targets.fill(0, (i * T + len) * tw, (i + 1) * T * tw);
        weights.fill(0, i * T + len, (i + 1) * T);
      }
    }
    return { batch: N, steps: T, inputs, targets, weights };
  }
}
