/**
 * Streaming sample-rate conversion for the microphone worklet: blocks of any length in, the same
 * signal at `toRate` out, with no dependence on how the input was split. The library's `resample`
 * works on whole signals; this is its streaming twin (same Blackman-windowed sinc, same defaults), so
 * live audio gets the features the model was trained on. It imports nothing: an AudioWorklet bundle
 * must stay small and cannot load the library.
 *
 * Output sample i sits at input time i·fromRate/toRate, samples before the first count as 0 (as in the
 * batch version), and output i is produced once the input reaches i·fromRate/toRate + halfWidth/fc:
 * about 1 ms of delay at 48 kHz → 16 kHz.
 */

export interface StreamingResamplerOptions {
  /** Zero crossings of the sinc on each side of the centre (default 16, as `resample`). */
  halfWidth?: number;
  /** Cut-off as a fraction of the lower Nyquist frequency (default 0.95, as `resample`). */
  rolloff?: number;
}

/** Largest number of kernel phases kept in a table; other rate pairs compute the kernel per tap. */
const MAX_TABLE_PHASES = 4096;

export class StreamingResampler {
  /** Output samples per input sample. */
  readonly ratio: number;
  private readonly passThrough: boolean;
  private readonly kernel: (x: number) => number;
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
    const halfWidth = options.halfWidth ?? 16;
    const rolloff = options.rolloff ?? 0.95;
    if (!(fromRate > 0 && toRate > 0 && halfWidth > 0 && rolloff > 0 && rolloff <= 1)) {
      throw new RangeError(
        `StreamingResampler: expected rates > 0, halfWidth > 0 and 0 < rolloff ≤ 1, got ` +
          `${fromRate} → ${toRate} Hz, halfWidth ${halfWidth}, rolloff ${rolloff}`,
      );
    }
    this.ratio = toRate / fromRate;
    this.passThrough = fromRate === toRate;
    // Cut-off in cycles per input sample ×2 (1 = input Nyquist); widened support when downsampling.
    const fc = Math.min(1, toRate / fromRate) * rolloff;
    const support = halfWidth / fc;
    this.taps = 2 * Math.ceil(support);
    this.half = this.taps / 2;
    this.kernel = (x) => {
      if (Math.abs(x) >= support) return 0;
      const u = x / support;
      const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      const a = Math.PI * fc * x;
      return fc * (a === 0 ? 1 : Math.sin(a) / a) * w;
    };
    const g = Number.isInteger(fromRate) && Number.isInteger(toRate) ? gcd(fromRate, toRate) : 0;
    this.L = g > 0 ? toRate / g : 0;
    this.M = g > 0 ? fromRate / g : 0;
    if (this.L > 0 && this.L <= MAX_TABLE_PHASES) {
      this.table = new Float64Array(this.L * this.taps);
      for (let p = 0; p < this.L; p++) {
        for (let k = 0; k < this.taps; k++)
          this.table[p * this.taps + k] = this.kernel(p / this.L + this.half - 1 - k);
      }
    }
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
        for (let k = 0; k < taps; k++) acc += this.kernel(frac + half - 1 - k) * buffer[first + k]!;
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

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
