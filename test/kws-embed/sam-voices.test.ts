/**
 * SAM as a training synthesizer: its voice list is seeded and within the stated ranges, it speaks a
 * keyword into a 22.05 kHz WAV, refuses text without letters with a coded error, and training plans
 * given SAM speakers use only them (never a validation or reserved voice).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GruStreamError } from '../../src/errors.js';
import { trainPlans } from '../../models/kws-embed/plan.js';
import { samToWavFile, samVoiceName, samVoices } from '../../models/kws-embed/sam-voices.js';
import { synthVoiceName } from '../../models/kws-embed/synth.js';

describe('SAM training voices', () => {
  it('are seeded, distinct, and within speed 60–100, pitch 30–100, mouth/throat 100–200 after the presets', () => {
    const v = samVoices(48);
    expect(v).toEqual(samVoices(48));
    expect(new Set(v.map(samVoiceName)).size).toBe(48);
    expect(v[5]).toEqual({ speed: 72, pitch: 64, throat: 128, mouth: 128 });
    for (const p of v.slice(6)) {
      expect(p.speed).toBeGreaterThanOrEqual(60);
      expect(p.speed).toBeLessThanOrEqual(100);
      expect(p.pitch).toBeGreaterThanOrEqual(30);
      expect(p.pitch).toBeLessThanOrEqual(100);
      for (const x of [p.mouth, p.throat]) {
        expect(x).toBeGreaterThanOrEqual(100);
        expect(x).toBeLessThanOrEqual(200);
      }
    }
  });

  it('speaks "yes" into a 22.05 kHz 8-bit WAV of plausible length', async () => {
    const w = await samToWavFile('yes.', samVoices(6)[5]!);
    try {
      const b = readFileSync(w.file);
      expect(b.subarray(0, 4).toString('latin1')).toBe('RIFF');
      expect(b.readUInt32LE(24)).toBe(22050);
      expect(b.readUInt16LE(34)).toBe(8);
      // One syllable at SAM's default speed: measured 0.3 s; accept 0.1–1 s of samples.
      const seconds = (b.length - 44) / 22050;
      expect(seconds).toBeGreaterThan(0.1);
      expect(seconds).toBeLessThan(1);
    } finally {
      w.done();
    }
  });

  it('refuses text without letters with E_ARGUMENT naming the voice', async () => {
    const p = samVoices(1)[0]!;
    const err = await samToWavFile('123', p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GruStreamError);
    expect((err as GruStreamError).code).toBe('E_ARGUMENT');
    expect((err as Error).message).toContain(samVoiceName(p));
  });

  it('training plans given SAM speakers speak only with them', () => {
    const speakers = samVoices(3).map((params) => ({ engine: 'sam' as const, params }));
    const plans = trainPlans({ streams: 4, streamMs: 20_000, seed: 3, voices: [], noiseOnly: 0, speakers });
    const used = new Set(plans.flatMap((p) => p.utterances.map((u) => synthVoiceName(u.speak.voice))));
    expect([...used].sort()).toEqual(speakers.map((s) => synthVoiceName(s)).sort());
  });
});
