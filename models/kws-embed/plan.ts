/**
 * Seeded plans of continuous audio for the speech-embedding keyword model: training streams spoken by
 * espeak-ng training voices with augmentation, and evaluation sets (a keyword stream, keyword-free
 * speech with near misses, noise) for any list of voices: the validation voices here, the reserved
 * test voices in reserved/.
 */
import { mulberry32 } from '../../src/model/random.js';
import type { ReverbSpec } from '../kws/data/corpus.js';
import type { ChannelName } from '../kws/data/noise-bank.js';
import type { Voice } from '../kws/data/voices.js';
import { KEYWORDS } from '../kws/data/words.js';
import type { NoiseKind } from './noise.js';
import { NOISE_KINDS } from './noise.js';
import type { PlannedUtterance, StreamPlan } from './streams.js';
import type { SynthVoice } from './synth.js';
import { prosodyEffects } from './synth.js';
import { NEGATIVE_WORDS, makeSentences } from './vocab.js';

class Draw {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  u(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.r();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.u(lo, hi + 1));
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(l: readonly T[]): T {
    return l[Math.floor(this.r() * l.length)]!;
  }
  shuffle<T>(l: readonly T[]): T[] {
    const out = [...l];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.r() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  reverb(p: number): ReverbSpec | null {
    return this.chance(p)
      ? {
          reverberance: this.int(10, 60),
          hfDamping: this.int(20, 80),
          roomScale: this.int(10, 70),
          preDelayMs: this.int(0, 20),
        }
      : null;
  }
  channel(): ChannelName {
    const x = this.r();
    return x < 0.45 ? 'wide' : x < 0.65 ? 'band' : x < 0.8 ? 'telephone' : 'highpass';
  }
}

/** Keyword texts with punctuation: it changes every synthesizer's intonation. */
function keywordText(d: Draw, kw: string): string {
  return kw + d.pick(['', '.', '!', '?', ',']);
}

/** True when `text` contains `phrase` as whole words (case-insensitive). */
export function containsPhrase(text: string, phrase: string): boolean {
  const words = (t: string): string => ` ${(t.toLowerCase().match(/[a-z']+/g) ?? []).join(' ')} `;
  return words(text).includes(words(phrase));
}

/** `list` without the entries that contain one of `phrases`. */
function without(list: readonly string[], phrases: readonly string[]): string[] {
  return list.filter((t) => !phrases.some((p) => containsPhrase(t, p)));
}

export interface TrainPlanOptions {
  /** The words to spot (default the ten keywords); negatives and sentences that contain one are dropped. */
  keywords?: readonly string[];
  streams: number;
  /** Length of each stream (ms, approximate). */
  streamMs: number;
  seed: number;
  voices: Voice[];
  /**
   * Other training synthesizers' voices to speak with instead of `voices` (SAM, sam-voices.ts); the
   * espeak-ng rate and pitch draws are then ignored. Never a validation or reserved voice.
   */
  speakers?: SynthVoice[];
  /** Share of streams that are noise only (no speech). */
  noiseOnly: number;
}

/**
 * Training streams: keywords (45 %), single non-keyword words (35 %, near misses included) and
 * keyword-free sentences (20 %) by random training voices, each with its own rate, pitch, sox
 * speed/tempo/pitch change, reverb (30 %) and level, over 1–2 layers of background noise through one
 * channel per stream; some streams are noise (or tones) only.
 */
export function trainPlans(o: TrainPlanOptions): StreamPlan[] {
  const d = new Draw(o.seed);
  const keywords = o.keywords ?? KEYWORDS;
  const sentences = o.keywords
    ? without(makeSentences(2000, o.seed + 17), keywords)
    : makeSentences(2000, o.seed + 17);
  const negatives = o.keywords ? without(NEGATIVE_WORDS, keywords) : NEGATIVE_WORDS;
  const plans: StreamPlan[] = [];
  for (let s = 0; s < o.streams; s++) {
    const channel = d.channel();
    const layers = d.chance(0.4) ? 2 : 1;
    const background = Array.from({ length: layers }, () => ({
      kind: d.pick(NOISE_KINDS) as NoiseKind,
      levelDb: Math.round(d.u(-70, -30)),
      seed: o.seed * 100_003 + s * 7 + d.int(0, 1e6),
    }));
    const name = `train-${String(s).padStart(4, '0')}`;
    if (d.chance(o.noiseOnly)) {
      plans.push({
        name,
        channel,
        background: background.map((b) => ({ ...b, levelDb: Math.round(d.u(-65, -20)) })),
        utterances: [],
        noiseOnlyMs: o.streamMs,
      });
      continue;
    }
    const utterances: PlannedUtterance[] = [];
    for (let ms = 0; ms < o.streamMs;) {
      const roll = d.u();
      const label = roll < 0.45 ? d.pick(keywords) : roll < 0.8 ? 'unknown' : 'speech';
      const text =
        label === 'unknown'
          ? d.pick(negatives) + d.pick(['', '.', '!', '?'])
          : label === 'speech'
            ? d.pick(sentences)
            : keywordText(d, label);
      const prosody = {
        speed: d.chance(0.5) ? d.u(0.88, 1.12) : 1,
        tempo: d.chance(0.3) ? d.u(0.85, 1.2) : 1,
        cents: d.chance(0.3) ? d.u(-250, 250) : 0,
      };
      const gapMs = d.int(200, 1300);
      utterances.push({
        label,
        speak: {
          text,
          voice: o.speakers ? d.pick(o.speakers) : { engine: 'espeak', voice: d.pick(o.voices) },
          wpm: d.int(120, 220),
          pitch: d.int(20, 80),
          effects: prosodyEffects(prosody),
        },
        reverb: d.reverb(0.3),
        gapMs,
        levelDb: Math.round(d.u(-28, -3)),
      });
      ms += gapMs + (label === 'speech' ? 2000 : 500);
    }
    plans.push({ name, channel, background, utterances });
  }
  return plans;
}

export interface EvalPlanOptions {
  /** The words of the keyword stream (default the ten keywords); negatives containing one are dropped. */
  keywords?: readonly string[];
  voices: SynthVoice[];
  /** Times each keyword is said by each voice in the keyword stream. */
  keywordRepeats: number;
  /** Keyword-free speech (ms, approximate; the built length is measured). */
  nonKeywordMs: number;
  /** Noise-only audio (ms), in 5-minute files. */
  noiseMs: number;
  seed: number;
}

/** Mild prosody changes for evaluation speech (rate ±10 %, pitch ±1 semitone half the time). */
function evalUtterance(
  d: Draw,
  label: string,
  text: string,
  voice: SynthVoice,
  gapMs: number,
): PlannedUtterance {
  return {
    label,
    speak: {
      text,
      voice,
      effects: prosodyEffects({
        tempo: d.chance(0.5) ? d.u(0.9, 1.1) : 1,
        cents: d.chance(0.5) ? d.u(-100, 100) : 0,
      }),
    },
    reverb: d.chance(0.3)
      ? { reverberance: d.int(10, 50), hfDamping: 50, roomScale: d.int(10, 60), preDelayMs: 5 }
      : null,
    gapMs,
    levelDb: d.int(-16, -4),
  };
}

/**
 * An evaluation set: `keyword-stream` (every keyword `keywordRepeats` times per voice, shuffled, a
 * non-keyword word after 70 % of them, pink noise at −45 dBFS, wide band), `non-keyword-<i>`
 * (sentences 65 %, single near-miss/other words 35 %, brown noise at −42 dBFS, 100 Hz – 4 kHz, in
 * ~10-minute files) and `noise-<i>` (5 minutes each of white/pink/brown/hum/tones at −60 … −25 dBFS
 * through the four channels).
 */
export function evalPlans(o: EvalPlanOptions): StreamPlan[] {
  const d = new Draw(o.seed);
  const plans: StreamPlan[] = [];
  const keywords = o.keywords ?? KEYWORDS;
  const negatives = o.keywords ? without(NEGATIVE_WORDS, keywords) : NEGATIVE_WORDS;
  const kws = d.shuffle(
    o.voices.flatMap((v) =>
      Array.from({ length: o.keywordRepeats }, () => keywords.map((k) => ({ k, v }))).flat(),
    ),
  );
  plans.push({
    name: 'keyword-stream',
    channel: 'wide',
    background: [{ kind: 'pink', levelDb: -45, seed: o.seed + 1 }],
    utterances: kws.flatMap(({ k, v }) => {
      const u = [evalUtterance(d, k, keywordText(d, k), v, d.int(900, 2400))];
      if (d.chance(0.7)) u.push(evalUtterance(d, 'unknown', d.pick(negatives), v, d.int(700, 1800)));
      return u;
    }),
  });
  const sentences = makeSentences(4000, o.seed + 2);
  const fileMs = 600_000;
  for (let f = 0; f * fileMs < o.nonKeywordMs; f++) {
    const utterances: PlannedUtterance[] = [];
    for (let ms = 0; ms < Math.min(fileMs, o.nonKeywordMs - f * fileMs);) {
      const sentence = d.chance(0.65);
      const gap = d.int(300, 1500);
      const v = d.pick(o.voices);
      utterances.push(
        sentence
          ? evalUtterance(d, 'speech', d.pick(sentences), v, gap)
          : evalUtterance(d, 'unknown', d.pick(negatives), v, gap),
      );
      ms += gap + (sentence ? 2300 : 550);
    }
    plans.push({
      name: `non-keyword-${f}`,
      channel: 'band',
      background: [{ kind: 'brown', levelDb: -42, seed: o.seed + 10 + f }],
      utterances,
    });
  }
  const channels: ChannelName[] = ['wide', 'band', 'telephone', 'highpass'];
  for (let f = 0; f * 300_000 < o.noiseMs; f++) {
    plans.push({
      name: `noise-${f}`,
      channel: channels[f % channels.length]!,
      background: [
        {
          kind: NOISE_KINDS[f % NOISE_KINDS.length]!,
          levelDb: Math.round(d.u(-60, -25)),
          seed: o.seed + 100 + f,
        },
      ],
      utterances: [],
      noiseOnlyMs: 300_000,
    });
  }
  return plans;
}
