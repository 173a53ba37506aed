/**
 * The per-stream window in front of the speech-embedding model: mel frames in (from
 * `SpeechMelFrontEnd`), a window of the last 76 frames out every 8 frames. Windows end at frames 75,
 * 83, 91, … counted from the stream's start, which is where `SpeechMelFrontEnd` closes its top_db
 * blocks, so a window is due the moment its last frame is released.
 *
 * The state is one Float32Array and one counter ({@link EmbeddingWindowState}), so an engine can
 * keep it per stream and snapshot / restore it with the rest of the stream's state. Pure TypeScript,
 * no Node or DOM globals.
 */
import { GruStreamError } from '../errors.js';

/** Shape of Google's speech_embedding model and how openWakeWord steps it. */
export const SPEECH_EMBEDDING = {
  /** Mel frames per window (760 ms at 10 ms a frame). */
  windowFrames: 76,
  /** Frames between window ends (80 ms): one embedding per step. */
  stepFrames: 8,
  /** Mel bins per frame. */
  melBins: 32,
  /** Floats per window: 76 × 32. */
  windowSize: 76 * 32,
  /** Floats per embedding. */
  embeddingSize: 96,
} as const;

/** An {@link EmbeddingWindow}'s whole state, plain data. */
export interface EmbeddingWindowState {
  /** The last min(framesSeen, 76) frames, oldest first, 32 floats each. */
  frames: Float32Array;
  /** Frames pushed since the stream started (fixes when the next window is due). */
  framesSeen: number;
}

const { windowFrames: WINDOW, stepFrames: STEP, melBins: BINS, windowSize: WINDOW_SIZE } = SPEECH_EMBEDDING;

/** Windows that frames `from … to − 1` of a stream complete (frame f completes one when f ≥ 75 and f ≡ 75 mod 8). */
function windowsBetween(from: number, to: number): number {
  const done = (n: number): number => (n < WINDOW ? 0 : Math.floor((n - WINDOW) / STEP) + 1);
  return done(to) - done(from);
}

/** Sliding window of 76 mel frames for one stream, due every 8 frames. */
export class EmbeddingWindow {
  /** Ring of the last 76 frames; frame f sits in slot f mod 76. */
  private readonly ring = new Float32Array(WINDOW_SIZE);
  private seen = 0;

  /** Frames pushed since the stream started. */
  get framesSeen(): number {
    return this.seen;
  }

  /** Windows a push of `frameCount` more frames will emit (to size `out`). */
  windowsDue(frameCount: number): number {
    return windowsBetween(this.seen, this.seen + frameCount);
  }

  /**
   * Appends `frames` (a whole number of 32-float frames) and writes each window that becomes due,
   * oldest frame first (76 × 32 floats, the embedding model's input layout), into `out` from
   * `outOffset` on.
   * @returns the number of windows written
   * @throws GruStreamError E_ARGUMENT when `frames` is not whole frames or `out` has no room for the
   *   windows due (nothing is consumed then)
   */
  push(frames: Float32Array, out: Float32Array, outOffset = 0): number {
    if (frames.length % BINS !== 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `EmbeddingWindow frames: expected a multiple of ${BINS} floats, got ${frames.length}`,
      );
    }
    const n = frames.length / BINS;
    const due = this.windowsDue(n);
    if (outOffset < 0 || out.length - outOffset < due * WINDOW_SIZE) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `EmbeddingWindow out: ${due} windows due need ${due * WINDOW_SIZE} floats from offset ${outOffset}, ` +
          `got ${out.length - outOffset}`,
      );
    }
    let written = 0;
    for (let i = 0; i < n; i++) {
      const f = this.seen++;
      this.ring.set(frames.subarray(i * BINS, (i + 1) * BINS), (f % WINDOW) * BINS);
      if (f >= WINDOW - 1 && (f - (WINDOW - 1)) % STEP === 0) {
        this.copyLast(WINDOW, out, outOffset + written * WINDOW_SIZE);
        written++;
      }
    }
    return written;
  }

  /** Forgets all frames: the next push starts a new stream. */
  reset(): void {
    this.seen = 0;
  }

  /** A copy of the state; {@link restore} on any instance continues the stream exactly. */
  snapshot(): EmbeddingWindowState {
    const kept = Math.min(this.seen, WINDOW);
    const frames = new Float32Array(kept * BINS);
    this.copyLast(kept, frames, 0);
    return { frames, framesSeen: this.seen };
  }

  /**
   * Replaces the state with a {@link snapshot}'s.
   * @throws GruStreamError E_SNAPSHOT when the frame count does not match `framesSeen`
   */
  restore(state: EmbeddingWindowState): void {
    const { frames, framesSeen } = state;
    if (!Number.isInteger(framesSeen) || framesSeen < 0) {
      throw new GruStreamError(
        'E_SNAPSHOT',
        `EmbeddingWindowState framesSeen: expected an integer ≥ 0, got ${String(framesSeen)}`,
      );
    }
    const kept = Math.min(framesSeen, WINDOW);
    if (!(frames instanceof Float32Array) || frames.length !== kept * BINS) {
      throw new GruStreamError(
        'E_SNAPSHOT',
        `EmbeddingWindowState frames: expected a Float32Array of ${kept * BINS} floats for ${framesSeen} frames seen, ` +
          `got ${frames instanceof Float32Array ? frames.length : typeof frames}`,
      );
    }
    this.seen = framesSeen;
    for (let k = 0; k < kept; k++) {
      const f = framesSeen - kept + k;
      this.ring.set(frames.subarray(k * BINS, (k + 1) * BINS), (f % WINDOW) * BINS);
    }
  }

  /** Copies the last `count` frames, oldest first, into `out` at `offset`. */
  private copyLast(count: number, out: Float32Array, offset: number): void {
    const first = this.seen - count;
    const start = first % WINDOW;
    const head = Math.min(count, WINDOW - start);
    out.set(this.ring.subarray(start * BINS, (start + head) * BINS), offset);
    if (head < count) out.set(this.ring.subarray(0, (count - head) * BINS), offset + head * BINS);
  }
}

/**
 * The whole-clip reference: every 76-frame window of `mel` (T × 32) starting at frames 0, 8, 16, …
 * (windows that would run past the end are dropped), concatenated. A stream pushed through
 * {@link EmbeddingWindow} in any chunks gives the same windows.
 */
export function slidingWindows(mel: Float32Array): Float32Array {
  const count = windowsBetween(0, Math.floor(mel.length / BINS));
  const out = new Float32Array(count * WINDOW_SIZE);
  for (let i = 0; i < count; i++) {
    out.set(mel.subarray(i * STEP * BINS, (i * STEP + WINDOW) * BINS), i * WINDOW_SIZE);
  }
  return out;
}
