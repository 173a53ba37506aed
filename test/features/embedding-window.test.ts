/** EmbeddingWindow (streaming 76-frame windows every 8 frames) against slidingWindows on the whole clip. */
import { describe, expect, it } from 'vitest';
import { isGruStreamError } from '../../src/errors.js';
import { EmbeddingWindow, SPEECH_EMBEDDING, slidingWindows } from '../../src/features/embedding-window.js';
import { mulberry32 } from '../../src/model/random.js';

const { windowSize, melBins } = SPEECH_EMBEDDING;

/** Frames whose values say which frame and bin they are, so a misplaced frame cannot go unnoticed. */
function numberedFrames(count: number): Float32Array {
  return Float32Array.from(
    { length: count * melBins },
    (_, i) => Math.floor(i / melBins) + (i % melBins) / 100,
  );
}

/** Index of the first difference, −1 when equal (vitest's diff of 70k floats would take minutes). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function streamWindows(win: EmbeddingWindow, frames: Float32Array, seed: number, maxChunk: number): number[] {
  const rand = mulberry32(seed);
  const out: number[] = [];
  const buf = new Float32Array(64 * windowSize);
  for (let f = 0; f < frames.length / melBins;) {
    const n = Math.floor(rand() * (maxChunk + 1)); // 0-frame pushes included
    const chunk = frames.subarray(f * melBins, (f + n) * melBins);
    const expected = win.windowsDue(chunk.length / melBins);
    const got = win.push(chunk, buf);
    expect(got).toBe(expected);
    out.push(...buf.subarray(0, got * windowSize));
    f += n;
  }
  return out;
}

describe('EmbeddingWindow', () => {
  const frames = numberedFrames(300);
  const reference = slidingWindows(frames);

  it('slidingWindows: windows start at frames 0, 8, 16, … and stop before running out', () => {
    expect(reference.length / windowSize).toBe(Math.floor((300 - 76) / 8) + 1);
    expect(reference[0]).toBe(0);
    expect(reference[windowSize]).toBe(8);
    expect(reference[windowSize - melBins]).toBe(75);
    expect(slidingWindows(numberedFrames(75))).toHaveLength(0);
    expect(slidingWindows(numberedFrames(76))).toHaveLength(windowSize);
  });

  it('any chunking gives exactly the whole-clip windows', () => {
    for (const [seed, maxChunk] of [
      [1, 1],
      [2, 7],
      [3, 9],
      [4, 100],
    ] as const) {
      expect(Float32Array.from(streamWindows(new EmbeddingWindow(), frames, seed, maxChunk))).toEqual(
        reference,
      );
    }
  });

  it('snapshot / restore before, at and after window ends continues exactly', () => {
    for (const cut of [0, 1, 8, 67, 68, 75, 76, 77, 83, 84, 90, 151]) {
      const a = new EmbeddingWindow();
      const buf = new Float32Array(16 * windowSize);
      const first = a.push(frames.subarray(0, cut * melBins), buf);
      const head = Array.from(buf.subarray(0, first * windowSize));
      const state = a.snapshot();
      expect(state.framesSeen).toBe(cut);
      expect(state.frames).toHaveLength(Math.min(cut, 76) * melBins);
      const b = new EmbeddingWindow();
      b.push(numberedFrames(13), new Float32Array(0)); // unrelated history, overwritten by restore
      b.restore(state);
      const rest = streamWindows(b, frames.subarray(cut * melBins), cut + 1, 5);
      expect(firstDifference([...head, ...rest], reference)).toBe(-1);
    }
  });

  it('refuses partial frames, a too-small out and a state whose sizes disagree', () => {
    const win = new EmbeddingWindow();
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return isGruStreamError(e) ? e.code : e;
      }
      return undefined;
    };
    expect(code(() => win.push(new Float32Array(33), new Float32Array(windowSize)))).toBe('E_ARGUMENT');
    expect(code(() => win.push(frames.subarray(0, 76 * melBins), new Float32Array(windowSize - 1)))).toBe(
      'E_ARGUMENT',
    );
    // Nothing was consumed by the refused push.
    expect(win.framesSeen).toBe(0);
    expect(code(() => win.restore({ frames: new Float32Array(3 * melBins), framesSeen: 4 }))).toBe(
      'E_SNAPSHOT',
    );
    expect(
      code(() => win.restore({ frames: new Float32Array(76 * melBins), framesSeen: 80 })),
    ).toBeUndefined();
    win.reset();
    expect(win.framesSeen).toBe(0);
  });
});
