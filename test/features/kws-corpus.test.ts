import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogMelFrontEnd } from '../../src/features/log-mel.js';
import { parseWav } from '../../src/features/wav.js';
import { CLIP_SAMPLES, SAMPLES_DIR, clipSpecs } from '../../models/kws/data/corpus.js';
import { QUICK_SEGMENT_SECONDS } from '../../models/kws/data/noise-bank.js';
import type { StreamTruth } from '../../models/kws/data/stream.js';
import { splitVoices } from '../../models/kws/data/voices.js';
import { KEYWORDS, SENTENCES, UNKNOWN_WORDS, containsKeyword } from '../../models/kws/data/words.js';

// A stand-in for `espeak-ng --voices=variant`, so these tests need no espeak-ng.
const VARIANTS = ['default', ...Array.from({ length: 40 }, (_, i) => `v${i}`)];

describe('keyword corpus recipe', () => {
  it('holds out disjoint voice variants for validation and test', () => {
    const { variants, voices } = splitVoices(VARIANTS, 7);
    const all = [...variants.train, ...variants.val, ...variants.test];
    expect(new Set(all).size).toBe(VARIANTS.length);
    expect(variants.val.length).toBe(6);
    expect(variants.test.length).toBe(6);
    expect(voices.test.every((v) => variants.test.includes(v.variant))).toBe(true);
    expect(splitVoices(VARIANTS, 7)).toEqual(splitVoices(VARIANTS, 7));
  });

  it('draws the same clip list from the same seed, each clip from its own split’s voices', () => {
    const voices = splitVoices(VARIANTS, 7);
    const options = {
      seed: 3,
      voices,
      perClass: { train: 5, val: 2, test: 2 },
      unknownFactor: 2,
      silenceFactor: 1,
      noiseSeconds: QUICK_SEGMENT_SECONDS,
    };
    const a = clipSpecs(options);
    expect(clipSpecs(options)).toEqual(a);
    expect(clipSpecs({ ...options, seed: 4 })).not.toEqual(a);
    expect(a.length).toBe(3 * (10 + 2 + 1) * 3);
    for (const c of a) expect(voices.variants[c.split]).toContain(c.voice.variant);
    expect(a.filter((c) => c.label === 'silence').every((c) => c.word === null && c.noise !== 'babble')).toBe(
      true,
    );
  });

  it('keeps keywords out of the unknown words and the false-accept sentences', () => {
    expect(UNKNOWN_WORDS.length).toBeGreaterThanOrEqual(100);
    expect(UNKNOWN_WORDS.filter(containsKeyword)).toEqual([]);
    expect(SENTENCES.filter(containsKeyword)).toEqual([]);
    expect(containsKeyword('Go left, now!')).toBe(true);
  });

  it('makes clips of exactly 100 front-end frames', () => {
    expect(new LogMelFrontEnd().framesFor(CLIP_SAMPLES)).toBe(100);
  });

  it('bundles a held-out keyword sample whose ground truth fits its audio', () => {
    const wav = parseWav(readFileSync(join(SAMPLES_DIR, 'keywords-heldout.wav')));
    const truth = JSON.parse(readFileSync(join(SAMPLES_DIR, 'keywords-heldout.json'), 'utf8')) as StreamTruth;
    expect(wav.sampleRate).toBe(16000);
    expect(wav.encoding).toBe('pcm16');
    expect(wav.channels.length).toBe(1);
    const ms = (wav.channels[0]!.length / 16000) * 1000;
    expect(Math.abs(ms - truth.durationMs)).toBeLessThanOrEqual(1);
    const keywords = truth.events.filter((e) => (KEYWORDS as readonly string[]).includes(e.label));
    expect(keywords.length).toBeGreaterThanOrEqual(4);
    for (const e of truth.events) expect(0 < e.startMs && e.startMs < e.endMs && e.endMs < ms).toBe(true);
    expect(parseWav(readFileSync(join(SAMPLES_DIR, 'noise.wav'))).channels[0]!.length).toBe(5 * 16000);
  });
});
