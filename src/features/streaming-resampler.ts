/**
 * Streaming sample-rate conversion: blocks of any length in, the same signal at `toRate` out, with no
 * dependence on how the input was split — for live audio (the PWA runs it in its microphone
 * AudioWorklet). It is the streaming twin of `resample` (same kernel, `sinc-kernel.ts`), so live audio
 * gets the features the model was trained on. It imports only that kernel and the error type, so a
 * worklet bundle that imports it stays small.
 *
 * Output sample i sits at input time i·fromRate/toRate, samples before the first count as 0 (as in the
 * batch version), and output i is produced once the input reaches i·fromRate/toRate + halfWidth/fc:
 * about 1 ms of delay at 48 kHz → 16 kHz.
 */
import { sincKernel } from './sinc-kernel.js';
import type { ResampleOptions } from './sinc-kernel.js';

/** Kernel options, as for `resample` (halfWidth default 16, rolloff default 0.95). */
export type StreamingResamplerOptions = ResampleOptions;

/**
 * One stream's resampler: feed it blocks with {@link process}; it keeps the input tail it still needs.
 * @throws GruStreamError E_ARGUMENT (from the constructor) on a non-positive rate or option
 */
export class StreamingResampler {
  /** Output samples per input sample. */
  readonly ratio: number;
  private readonly passThrough: boolean;
  private readonly weight: (x: number) => number;
  private readonly taps: number;
  private readonly half: number;
  /** Exact phases when the rates are integers with few phases: t = i·M/L. */
  private readonly L: number;
  private readonly M: number;
  private readonly table: Float64Array | undefined;
  /** Input samples still needed: buffer[0] is input sample `start` (negative: the zeros before it). */
  private buffer: Float64Array;
  private start: number;
  private fill: number;
  /** Next output: index i, and its input position as base + phase / L (or i·fromRate/toRate). */
  private index = 0;
  private base = 0;
  private phase = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    options: StreamingResamplerOptions = {},
  ) {
    const kernel = sincKernel('StreamingResampler', fromRate, toRate, options);
    this.ratio = toRate / fromRate;
    this.passThrough = fromRate === toRate;
    this.weight = kernel.weight;
    this.taps = kernel.taps;
    this.half = kernel.half;
    this.L = kernel.L;
    this.M = kernel.M;
    this.table = kernel.table;
    // The taps of output 0 reach back to input −half + 1: keep zeros there, as the batch version does.
    this.start = -this.half;
    this.fill = this.half;
    this.buffer = new Float64Array(this.taps + 4096);
  }

  /** An upper bound of the samples {@link process} writes for `inputLength` input samples. */
  maxOutput(inputLength: number): number {
    return Math.ceil(inputLength * this.ratio) + 2;
  }

  /**
   * Takes the next input block and writes every output sample it completes.
   * @param out room for at least {@link maxOutput}(input.length) samples
   * @returns the number of samples written to `out`
   */
  process(input: Float32Array, out: Float32Array): number {
    if (this.passThrough) {
      out.set(input);
      return input.length;
    }
    this.append(input);
    const { taps, half, table, buffer } = this;
    const end = this.start + this.fill;
    let written = 0;
    while (this.base + half < end) {
      const first = this.base - half + 1 - this.start;
      let acc = 0;
      if (table !== undefined) {
        const row = this.phase * taps;
        for (let k = 0; k < taps; k++) acc += table[row + k]! * buffer[first + k]!;
      } else {
        const frac = this.phase;
        for (let k = 0; k < taps; k++) acc += this.weight(frac + half - 1 - k) * buffer[first + k]!;
      }
      out[written++] = acc;
      this.advance();
    }
    // Drop what no later output needs; the next output's first tap is base − half + 1.
    const drop = this.base - half + 1 - this.start;
    if (drop > 0) {
      buffer.copyWithin(0, drop, this.fill);
      this.start += drop;
      this.fill -= drop;
    }
    return written;
  }

  private advance(): void {
    this.index++;
    if (this.table !== undefined) {
      this.phase += this.M;
      const whole = Math.floor(this.phase / this.L);
      this.base += whole;
      this.phase -= whole * this.L;
    } else {
      // From the index each time, so rounding never accumulates.
      const t = (this.index * this.fromRate) / this.toRate;
      this.base = Math.floor(t);
      this.phase = t - this.base;
    }
  }

  private append(input: Float32Array): void {
    if (this.fill + input.length > this.buffer.length) {
      // Only when a block is longer than any before: worklet blocks are 128 frames.
      const grown = new Float64Array(2 * (this.fill + input.length));
      grown.set(this.buffer.subarray(0, this.fill));
      this.buffer = grown;
    }
    this.buffer.set(input, this.fill);
    this.fill += input.length;
  }
}
