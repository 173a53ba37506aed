/** Per-step training targets of the speech-embedding head and the timing they rest on. */
import { describe, expect, it } from 'vitest';
import type { StreamTruth } from '../../models/kws/data/stream.js';
import {
  EMBED_HOP_MS,
  EMBED_WINDOW_MS,
  embeddingCount,
  embeddingEndMs,
} from '../../models/kws-embed/embed.js';
import { LABELS, SILENCE, UNKNOWN, stepTargets } from '../../models/kws-embed/lib.js';

const truth = (events: StreamTruth['events']): StreamTruth => ({
  format: 'kws-stream/1',
  sampleRate: 16000,
  durationMs: 10_000,
  channel: 'wide',
  noise: 'test',
  events,
});
const ev = (label: string, startMs: number, endMs: number) => ({
  label,
  text: label,
  voice: 'v',
  startMs,
  endMs,
});

describe('embedding timing', () => {
  it('an embedding covers 76 mel frames of 512 samples at a 160-sample hop, one per 8 frames', () => {
    expect(EMBED_HOP_MS).toBe(80);
    expect(EMBED_WINDOW_MS).toBe(782); // 75 · 10 ms + 32 ms
    expect(embeddingEndMs(0)).toBe(782);
    expect(embeddingEndMs(10)).toBe(1582);
    // 1 s of audio: 97 mel frames (the ONNX mel gives 97 for 16,000 samples) → 3 embeddings.
    expect(embeddingCount(16000)).toBe(3);
    expect(embeddingCount(75 * 160 + 511)).toBe(0);
    expect(embeddingCount(75 * 160 + 512)).toBe(1);
  });
});

describe('stepTargets', () => {
  const K = 100;
  const steps = (from: number, to: number): number[] =>
    Array.from({ length: K }, (_, k) => k).filter((k) => embeddingEndMs(k) >= from && embeddingEndMs(k) < to);

  it('a keyword: ignored while heard, the keyword for 400 ms after its end, then silence', () => {
    const { targets, weights } = stepTargets(truth([ev('yes', 2000, 2400)]), K);
    const yes = LABELS.indexOf('yes');
    for (const k of steps(2001, 2400)) expect([targets[k], weights[k]]).toEqual([yes, 0]);
    const hold = steps(2400, 2800);
    expect(hold.length).toBe(5);
    for (const k of hold) expect([targets[k], weights[k]]).toEqual([yes, 1]);
    for (const k of steps(2800, 4000)) expect(targets[k]).toBe(SILENCE);
    for (const k of steps(0, 2000))
      expect([targets[k], weights[k]]).toEqual([SILENCE, expect.closeTo(0.3, 6)]);
  });

  it('a non-keyword: unknown (low weight) while heard, unknown (weight 1) for 400 ms after', () => {
    const { targets, weights } = stepTargets(truth([ev('unknown', 2000, 2500)]), K);
    for (const k of steps(2001, 2500))
      expect([targets[k], weights[k]]).toEqual([UNKNOWN, expect.closeTo(0.3, 6)]);
    for (const k of steps(2500, 2900)) expect([targets[k], weights[k]]).toEqual([UNKNOWN, 1]);
    for (const k of steps(2900, 5000)) expect(targets[k]).toBe(SILENCE);
  });

  it("a keyword's pulse is kept when the next word starts within it", () => {
    const { targets } = stepTargets(truth([ev('go', 2000, 2300), ev('unknown', 2500, 2900)]), K);
    for (const k of steps(2300, 2700)) expect(targets[k]).toBe(LABELS.indexOf('go'));
    for (const k of steps(2700, 2900)) expect(targets[k]).toBe(UNKNOWN);
  });

  it('a noise-only stream is silence with weight 1', () => {
    const { targets, weights } = stepTargets(truth([]), 10);
    expect([...targets]).toEqual(new Array(10).fill(SILENCE));
    expect([...weights]).toEqual(new Array(10).fill(1));
  });
});

describe('matchDetections', () => {
  it("judges detections as models/kws's scoreStream does", async () => {
    const { scoreStream } = await import('../../models/kws/kws-lib.js');
    const { matchDetections } = await import('../../models/kws-embed/lib.js');
    const t = truth([
      ev('yes', 1000, 1400),
      ev('unknown', 3000, 3300),
      ev('no', 5000, 5300),
      ev('go', 8000, 8200),
    ]);
    const detections = [
      { label: 'yes', timeMs: 1500, score: 1 }, // hit
      { label: 'yes', timeMs: 1700, score: 1 }, // second detection of a found word: false accept
      { label: 'up', timeMs: 3400, score: 1 }, // in a non-keyword: false accept
      { label: 'on', timeMs: 5400, score: 1 }, // mislabel of 'no'
      { label: 'go', timeMs: 8900, score: 1 }, // 700 ms after the end: too late, false accept
    ];
    const a = scoreStream(detections, t);
    const b = matchDetections(detections, t);
    expect(b).toMatchObject({
      keywords: a.keywords,
      found: a.found,
      mislabels: a.mislabels,
      falseAccepts: a.falseAccepts,
    });
    expect([b.found, b.mislabels, b.falseAccepts]).toEqual([1, 1, 3]);
  });

  it('ignores detections in a masked utterance and scores custom keyword lists', async () => {
    const { matchDetections, MASKED } = await import('../../models/kws-embed/lib.js');
    const t = truth([ev(MASKED, 1000, 1500), ev('coffee', 3000, 3500)]);
    const m = matchDetections(
      [
        { label: 'coffee', timeMs: 1600, score: 1 },
        { label: 'coffee', timeMs: 3600, score: 1 },
      ],
      t,
      ['coffee'],
    );
    expect([m.keywords, m.found, m.falseAccepts]).toEqual([1, 1, 0]);
  });
});

describe('custom words', () => {
  it('parses --words and refuses bad entries with a coded error', async () => {
    const { parseWords } = await import('../../models/kws-embed/custom-words.js');
    expect(parseWords(' Lights  On, coffee ')).toEqual(['lights on', 'coffee']);
    expect(() => parseWords('')).toThrow(/expected a comma-separated list/);
    expect(() => parseWords('coffee,tea2')).toThrow(/'tea2' has characters/);
    expect(() => parseWords('unknown')).toThrow(/reserved label/);
    expect(() => parseWords('tea,tea')).toThrow(/repeats a word/);
  });

  it('masks reused utterances that say a custom word and makes the ten keywords unknown', async () => {
    const { relabelForWords } = await import('../../models/kws-embed/custom-words.js');
    const say = (label: string, text: string, startMs: number) => ({
      label,
      text,
      voice: 'v',
      startMs,
      endMs: startMs + 100,
    });
    const t = relabelForWords(
      {
        ...truth([]),
        events: [
          say('speech', 'A cup of coffee, please.', 0),
          say('on', 'on', 200),
          say('speech', 'The lights were off.', 400),
        ],
      },
      ['lights on', 'coffee'],
    );
    expect(t.events.map((e) => e.label)).toEqual(['-', 'unknown', 'speech']);
  });
});
