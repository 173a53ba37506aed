/**
 * Adam (Kingma & Ba 2015) over one flat parameter vector, with global gradient-norm clipping and optional
 * decoupled weight decay (AdamW). Clipping at norm 1 is on by default: without it, GRU training on this
 * project's data showed loss spikes at epochs 4–8 (see shared TRAINING-NOTES).
 */
import { GruStreamError } from '../../src/errors.js';
import { TrainingError } from './errors.js';

/** Learning rate for a 1-based optimizer step, given the base rate. */
export type LearningRateSchedule = (step: number, baseRate: number) => number;

export interface AdamOptions {
  /** Base learning rate. Default 1e-3. */
  learningRate?: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
  /** Rescale the whole gradient to this L2 norm when it is larger. Default 1; `Infinity` disables. */
  clipNorm?: number;
  /** Decoupled weight decay per step, times the learning rate (AdamW). Default 0. */
  weightDecay?: number;
  /** `[start, end)` ranges weight decay applies to (e.g. `kernelRanges(model)`). Default: everything. */
  decayRanges?: [number, number][];
  /** Learning rate per step; default constant `learningRate`. See {@link warmupCosine}. */
  schedule?: LearningRateSchedule;
}

/** What one {@link Adam.step} did. */
export interface StepInfo {
  /** L2 norm of the gradient before clipping. */
  gradNorm: number;
  /** Learning rate used. */
  learningRate: number;
  clipped: boolean;
}

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly lr: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly clipNorm: number;
  private readonly weightDecay: number;
  private readonly decayRanges: [number, number][];
  private readonly schedule: LearningRateSchedule | undefined;
  private t = 0;

  /** @param size floats in the parameter vector */
  constructor(
    readonly size: number,
    o: AdamOptions = {},
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.lr = o.learningRate ?? 1e-3;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.epsilon = o.epsilon ?? 1e-8;
    this.clipNorm = o.clipNorm ?? 1;
    this.weightDecay = o.weightDecay ?? 0;
    this.decayRanges = o.decayRanges ?? [[0, size]];
    this.schedule = o.schedule;
    const positive: [string, number][] = [
      ['learningRate', this.lr],
      ['epsilon', this.epsilon],
      ['clipNorm', this.clipNorm],
    ];
    for (const [k, val] of positive) {
      if (!(val > 0)) throw new GruStreamError('E_ARGUMENT', `Adam option '${k}': expected > 0, got ${val}`);
    }
    for (const [k, val] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(val >= 0 && val < 1)) {
        throw new GruStreamError('E_ARGUMENT', `Adam option '${k}': expected a value in [0, 1), got ${val}`);
      }
    }
  }

  /** Optimizer steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /**
   * One update of `params` in place from `grads` (not modified).
   * @throws TrainingError 'E_DIVERGED' when the gradient holds NaN or ±Infinity (params untouched)
   */
  step(params: Float32Array, grads: Float32Array): StepInfo {
    if (params.length !== this.size || grads.length !== this.size) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `Adam.step: expected ${this.size} parameters and gradients, got ${params.length} and ${grads.length}`,
      );
    }
    let sq = 0;
    for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
    const gradNorm = Math.sqrt(sq);
    if (!Number.isFinite(gradNorm)) {
      throw new TrainingError('E_DIVERGED', `gradient norm is ${gradNorm} at step ${this.t + 1}`);
    }
    const clipped = gradNorm > this.clipNorm;
    const g = clipped ? this.clipNorm / gradNorm : 1;
    this.t++;
    const lr = this.schedule ? this.schedule(this.t, this.lr) : this.lr;
    const { m, v, beta1: b1, beta2: b2, epsilon: eps } = this;
    // Bias corrections folded into the step size, as in the paper's efficient form.
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const stepSize = (lr * Math.sqrt(c2)) / c1;
    const epsHat = eps * Math.sqrt(c2);
    if (this.weightDecay > 0) {
      const keep = 1 - lr * this.weightDecay;
      for (const [a, b] of this.decayRanges) for (let i = a; i < b; i++) params[i] = params[i]! * keep;
    }
    for (let i = 0; i < params.length; i++) {
      const gi = grads[i]! * g;
      const mi = b1 * m[i]! + (1 - b1) * gi;
      const vi = b2 * v[i]! + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      params[i] = params[i]! - (stepSize * mi) / (Math.sqrt(vi) + epsHat);
    }
    return { gradNorm, learningRate: lr, clipped };
  }

  /** Forgets the moments and the step count (e.g. before fine-tuning). */
  reset(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.t = 0;
  }
}

/**
 * Linear warm-up from 0 over `warmupSteps`, then cosine decay to `floor × base` at `totalSteps`
 * (and flat after). Warm-up keeps Adam's first, poorly estimated steps small.
 */
export function warmupCosine(o: {
  warmupSteps: number;
  totalSteps: number;
  floor?: number;
}): LearningRateSchedule {
  const floor = o.floor ?? 0.05;
  return (step, base) => {
    if (step <= o.warmupSteps) return (base * step) / Math.max(1, o.warmupSteps);
    const span = Math.max(1, o.totalSteps - o.warmupSteps);
    const p = Math.min(1, (step - o.warmupSteps) / span);
    return base * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * p)));
  };
}
