/**
 * The streaming anomaly scorer: the arithmetic of its score, alarm episodes, and a state that
 * round-trips (a restored scorer continues exactly as the original would have).
 */
import { describe, expect, it } from 'vitest';
import { AnomalyScorer, anomalyScorerFromManifest } from '../../src/postprocess/anomaly-scorer.js';
import type { AnomalyFrameScore } from '../../src/postprocess/anomaly-scorer.js';
import { gaussian, mulberry32 } from '../../src/model/random.js';

const OPTIONS = { residualStd: [0.5, 1, 2], threshold: 9, alpha: 0.25, warmUpFrames: 5, mergeFrames: 4 };

/** Frames of 3 channels: noise at each channel's residual std, one big excursion on channel 1. */
function frames(n: number, seed: number, excursion = { start: 60, end: 66, size: 12 }): Float32Array[] {
  const g = gaussian(mulberry32(seed));
  return Array.from({ length: n }, (_, t) =>
    Float32Array.from(OPTIONS.residualStd, (s, c) => {
      const bump = c === 1 && t >= excursion.start && t < excursion.end ? excursion.size : 0;
      return g() * s + bump;
    }),
  );
}
const ZERO = new Float32Array(3);

describe('AnomalyScorer', () => {
  it('scores the EMA of squared residuals normalised by channel std, max over channels', () => {
    const s = new AnomalyScorer({ ...OPTIONS, warmUpFrames: 0 });
    expect(s.push([1, 1, 1], [0.5, 1, 2]).score).toBe(0); // frame 0 has no forecast yet
    // residuals against the forecast above: (0.5, 1, 2) / (0.5, 1, 2) → r² = 1 each → e = 0.25
    const r = s.push([1, 2, 4], ZERO);
    expect(r.score).toBeCloseTo(0.25, 12);
    // next: forecast 0, observed (0, 0, 6) → r² = (0, 0, 9); e = 0.75·(0.25, 0.25, 0.25) + 0.25·(0, 0, 9)
    const r2 = s.push([0, 0, 6], ZERO);
    expect(r2.score).toBeCloseTo(0.75 * 0.25 + 0.25 * 9, 12);
    expect(r2.channel).toBe(2);
  });

  it('groups alarm frames into episodes, merging gaps shorter than mergeFrames, none during warm-up', () => {
    const s = new AnomalyScorer({ ...OPTIONS, warmUpFrames: 3, mergeFrames: 3, threshold: 1, alpha: 1 });
    // alpha 1: the score is this frame's r²; forecast 0 everywhere, channel 0 std 0.5 → r² = (2x)².
    const values = [5, 5, 0, 0, 5, 0, 5, 0, 0, 0, 0, 5];
    const ended: unknown[] = [];
    values.forEach((v) => {
      const r = s.push([v, 0, 0], ZERO);
      if (r.ended) ended.push(r.ended);
    });
    // frame 0 has no forecast, frame 1 is in warm-up; alarms at 4 and 6 (gap 1 < 3: merged), then 11.
    expect(ended).toEqual([{ start: 4, end: 6, peakScore: 100, peakFrame: 4, channel: 0 }]);
    expect(s.flush()).toEqual({ start: 11, end: 11, peakScore: 100, peakFrame: 11, channel: 0 });
    expect(s.flush()).toBeUndefined();
  });

  it('finds an excursion in noise and stays quiet elsewhere', () => {
    const s = new AnomalyScorer(OPTIONS);
    const episodes = frames(200, 7)
      .map((f) => s.push(f, ZERO).ended)
      .filter((e) => e !== undefined);
    expect(episodes).toHaveLength(1);
    expect(episodes[0]).toMatchObject({ start: 60, channel: 1 });
  });

  it('state() / restore(): a restored scorer continues bit-identically, through an open episode', () => {
    const input = frames(120, 3);
    const forecasts = frames(120, 4, { start: 0, end: 0, size: 0 }).map((f) => f.map((v) => v * 0.1));
    const a = new AnomalyScorer(OPTIONS);
    const run = (s: AnomalyScorer, from: number, to: number): AnomalyFrameScore[] =>
      input.slice(from, to).map((f, i) => s.push(f, forecasts[from + i]!));
    run(a, 0, 62); // inside the excursion: an episode is open
    const saved = a.state();
    expect(saved.episode).not.toBeNull();
    // The state is plain data: it survives structured cloning (worker messages, IndexedDB).
    const b = new AnomalyScorer(OPTIONS);
    b.restore(structuredClone(saved));
    const restA = run(a, 62, 120);
    const restB = run(b, 62, 120);
    expect(restB).toEqual(restA);
    expect(b.flush()).toEqual(a.flush());
    // The snapshot is a copy: continuing `a` did not change it.
    expect(saved.frames).toBe(62);
  });

  it('refuses a state of another shape and bad options with coded errors', () => {
    const s = new AnomalyScorer(OPTIONS);
    const other = new AnomalyScorer({ ...OPTIONS, residualStd: [1, 1] }).state();
    expect(() => s.restore(other)).toThrow(expect.objectContaining({ code: 'E_SNAPSHOT' }));
    expect(() => s.restore({ ...s.state(), frames: -1 })).toThrow(
      expect.objectContaining({ code: 'E_SNAPSHOT' }),
    );
    expect(() => new AnomalyScorer({ ...OPTIONS, alpha: 0 })).toThrow(/alpha: expected a number in \(0, 1\]/);
    expect(() => new AnomalyScorer({ ...OPTIONS, residualStd: [1, 0] })).toThrow(/residualStd/);
    expect(() => new AnomalyScorer({ ...OPTIONS, threshold: Number.NaN })).toThrow(/threshold/);
    expect(() => s.push([1, 2], [1, 2, 3])).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => anomalyScorerFromManifest({ postprocess: { anomalyScorer: { threshold: 1 } } })).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST' }),
    );
    expect(anomalyScorerFromManifest({ postprocess: { anomalyScorer: OPTIONS } })).toEqual(OPTIONS);
  });
});
