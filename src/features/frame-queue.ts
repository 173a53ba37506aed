/**
 * A FIFO of fixed-width float frames for the streaming front ends: frames are written in place at the
 * tail (no per-frame allocation) and pulled from the head into the caller's buffer. Shared by
 * {@link LogMelFrontEnd} and {@link SpeechMelFrontEnd}, which only differ in how frames are made.
 * @module
 */

/** Frames a queue holds before its first growth. */
const INITIAL_FRAMES = 64;

export class FrameQueue {
  /** Pending frames are `head … head + count − 1` of `values`. */
  private values: Float32Array;
  private head = 0;
  private count = 0;

  /** @param bins values per frame (an integer ≥ 1; the front ends check their own options) */
  constructor(readonly bins: number) {
    this.values = new Float32Array(INITIAL_FRAMES * bins);
  }

  /** Frames waiting to be pulled. */
  get pending(): number {
    return this.count;
  }

  /**
   * Room for `frames` more frames after the pending ones, to fill and then {@link commit}. The view is
   * valid until the next call on this queue. The storage grows (doubling) only when the room does not
   * fit, so a front end asks once per push, not once per frame.
   */
  tail(frames: number): Float32Array {
    const bins = this.bins;
    const needed = this.count + frames;
    const capacity = this.values.length / bins;
    if (this.head + needed > capacity) {
      const start = this.head * bins;
      const end = start + this.count * bins;
      if (needed <= capacity) {
        this.values.copyWithin(0, start, end);
      } else {
        const grown = new Float32Array(Math.max(needed, 2 * capacity) * bins);
        grown.set(this.values.subarray(start, end));
        this.values = grown;
      }
      this.head = 0;
    }
    const from = (this.head + this.count) * bins;
    return this.values.subarray(from, from + frames * bins);
  }

  /** Makes `frames` frames written into the last {@link tail} pending. */
  commit(frames: number): void {
    this.count += frames;
  }

  /**
   * Moves up to ⌊out.length / bins⌋ pending frames, oldest first, into `out` (frame-major).
   * @returns the number of frames written
   */
  pull(out: Float32Array): number {
    const bins = this.bins;
    const frames = Math.min(this.count, Math.floor(out.length / bins));
    const from = this.head * bins;
    out.set(this.values.subarray(from, from + frames * bins));
    this.head += frames;
    this.count -= frames;
    if (this.count === 0) this.head = 0;
    return frames;
  }

  /** A copy of the pending frames (frame-major). */
  copyPending(): Float32Array {
    return this.values.slice(this.head * this.bins, (this.head + this.count) * this.bins);
  }

  /** Forgets every pending frame. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
