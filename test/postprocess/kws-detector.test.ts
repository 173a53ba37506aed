import { describe, expect, it } from 'vitest';
import { KwsDetector } from '../../src/postprocess/kws-detector.js';

const labels = ['silence', 'unknown', 'yes', 'no'];
/** A posterior row with probability `p` on class `c` and the rest spread evenly. */
const row = (c: number, p: number): Float32Array =>
  Float32Array.from(labels, (_, k) => (k === c ? p : (1 - p) / (labels.length - 1)));

describe('KwsDetector', () => {
  it('fires once when a keyword’s smoothed posterior crosses the threshold, then stays quiet', () => {
    const d = new KwsDetector({ labels, smoothingFrames: 10, threshold: 0.6, suppressionMs: 500 });
    const fired: { label: string; timeMs: number }[] = [];
    const feed = (c: number, p: number, n: number): void => {
      for (let i = 0; i < n; i++) {
        const det = d.push(row(c, p));
        if (det) fired.push({ label: det.label, timeMs: det.timeMs });
      }
    };
    feed(0, 0.9, 50); // silence never fires, however confident
    feed(2, 0.95, 40); // "yes" for 400 ms
    feed(0, 0.9, 100);
    feed(3, 0.95, 5); // 50 ms of "no": too short to lift a 10-frame average over 0.6
    feed(0, 0.9, 20);
    // Smoothed "yes" after k frames of it: (k·0.95 + (10−k)·0.0333)/10 ≥ 0.6 from k = 7: frame 57.
    expect(fired).toEqual([{ label: 'yes', timeMs: 570 }]);
  });

  it('with windowMs, times a detection by when its frame’s audio ends; what fires is unchanged', () => {
    // 25 ms windows every 10 ms (log-mel): frame t's audio ends at t·10 + 25, 15 ms after its hop.
    const options = { labels, smoothingFrames: 10, threshold: 0.6, suppressionMs: 300 };
    const tiled = new KwsDetector(options);
    const windowed = new KwsDetector({ ...options, windowMs: 25 });
    const frames = Array.from({ length: 400 }, (_, t) => row(t % 60 < 25 ? 2 + ((t / 60) & 1) : 0, 0.9));
    const hitsTiled = frames.map((f) => tiled.push(f)).filter((d) => d !== undefined);
    const hitsWindowed = frames.map((f) => windowed.push(f)).filter((d) => d !== undefined);
    expect(hitsTiled.length).toBeGreaterThan(2);
    expect(hitsWindowed).toEqual(hitsTiled.map((d) => ({ ...d, timeMs: d.timeMs + 15 })));
    expect(() => new KwsDetector({ labels, windowMs: 5 })).toThrow(
      /windowMs: expected a number ≥ hopMs \(10\), got 5/,
    );
  });

  it('a saved state continues exactly like an uninterrupted detector', () => {
    const a = new KwsDetector({ labels, smoothingFrames: 8 });
    const b = new KwsDetector({ labels, smoothingFrames: 8 });
    const frames = Array.from({ length: 300 }, (_, t) =>
      row(t % 97 < 30 ? 2 : 1, 0.5 + 0.5 * Math.sin(t / 7) ** 2),
    );
    const outA = frames.map((f) => a.push(f));
    frames.slice(0, 150).forEach((f) => b.push(f));
    const c = new KwsDetector({ labels, smoothingFrames: 8 });
    c.restore(b.state());
    const outC = frames.slice(150).map((f) => c.push(f));
    expect(outC).toEqual(outA.slice(150));
    expect(outA.filter(Boolean).length).toBeGreaterThan(0);
  });

  it('names bad options and refuses states of another shape', () => {
    expect(() => new KwsDetector({ labels, threshold: 1.5 })).toThrow(
      /threshold: expected a number in \(0, 1\), got 1.5/,
    );
    expect(() => new KwsDetector({ labels, smoothingFrames: 0 })).toThrow(
      /smoothingFrames: expected an integer ≥ 1/,
    );
    const d = new KwsDetector({ labels });
    expect(() => d.push(new Float32Array(3))).toThrow(/expected 4 posteriors, got 3/);
    const other = new KwsDetector({ labels, smoothingFrames: 5 });
    expect(() => d.restore(other.state())).toThrow(expect.objectContaining({ code: 'E_SNAPSHOT' }));
  });
});
