/**
 * The corpus as data: where it lives, what one clip is (its spec, drawn from a seed before any audio
 * is made, so the same seed always gives the same list), and the index written beside the clips.
 */
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../../src/model/random.js';
import type { ChannelName, NoiseKind, SegmentSeconds } from './noise-bank.js';
import { NOISE_KINDS, NON_SPEECH_NOISE } from './noise-bank.js';
import { SAMPLE_RATE } from './tools.js';
import type { Split, Voice, VoiceSplit } from './voices.js';
import { SPLITS } from './voices.js';
import type { KwsLabel } from './words.js';
import { KWS_LABELS, UNKNOWN_WORDS } from './words.js';

/** `models/kws/.cache/`: everything generated (keep it out of git). */
export const CACHE_DIR = fileURLToPath(new URL('../.cache/', import.meta.url));
/** `models/kws/samples/`: the small bundled test audio. */
export const SAMPLES_DIR = fileURLToPath(new URL('../samples/', import.meta.url));

/**
 * Clip length: 1.015 s = 16,240 samples, exactly 100 frames of the 25 ms / 10 ms front end
 * (99 hops + one window), so no frame needs padding.
 */
export const CLIP_SAMPLES = 16240;
export const CLIP_MS = (CLIP_SAMPLES / SAMPLE_RATE) * 1000;

/** sox reverb arguments: reverberance %, HF damping %, room scale %, pre-delay ms. */
export interface ReverbSpec {
  reverberance: number;
  hfDamping: number;
  roomScale: number;
  preDelayMs: number;
}

export interface ClipSpec {
  id: string;
  split: Split;
  label: KwsLabel;
  /** The spoken word (none for silence) and the text given to espeak-ng (with punctuation for intonation). */
  word: string | null;
  text: string | null;
  voice: Voice;
  /** espeak-ng words per minute and pitch 0 … 99. */
  speed: number;
  pitch: number;
  channel: ChannelName;
  reverb: ReverbSpec | null;
  noise: NoiseKind;
  /** First sample of the clip's noise in the bank segment. */
  noiseOffset: number;
  /** Speech-to-noise ratio in dB (active speech RMS over noise RMS); null for silence. */
  snrDb: number | null;
  /** Speech peak in dBFS, or the noise RMS in dBFS for silence. */
  levelDb: number;
  /** Where the word starts in its allowed range, 0 … 1. */
  place: number;
}

/** One clip of the index: its spec plus what was measured on the audio. */
export interface ClipEntry extends ClipSpec {
  /** WAV path relative to the corpus directory. */
  path: string;
  /** Speed actually used (raised when the word did not fit the clip at `speed`). */
  speedUsed: number;
  /** Word onset/offset in the clip in ms, from its energy (null for silence). */
  onsetMs: number | null;
  offsetMs: number | null;
}

export const CORPUS_FORMAT = 'kws-corpus/1';

export interface CorpusIndex {
  format: typeof CORPUS_FORMAT;
  seed: number;
  sampleRate: number;
  clipSamples: number;
  labels: readonly string[];
  voiceSplit: { seed: number; accents: readonly string[]; variants: Record<Split, string[]> };
  counts: Record<Split, Record<string, number>>;
  clips: ClipEntry[];
}

export interface SpecOptions {
  seed: number;
  voices: VoiceSplit;
  /** Clips per keyword in each split. */
  perClass: Record<Split, number>;
  /** 'unknown' and 'silence' clips as a multiple of `perClass`. */
  unknownFactor: number;
  silenceFactor: number;
  /** Noise segment lengths (to draw noise offsets). */
  noiseSeconds: SegmentSeconds;
}

/** Clips per label in each split. */
export function countsFor(o: SpecOptions): Record<Split, Record<string, number>> {
  const counts = {} as Record<Split, Record<string, number>>;
  for (const split of SPLITS) {
    const n = o.perClass[split];
    counts[split] = Object.fromEntries(
      KWS_LABELS.map((l) => [
        l,
        l === 'unknown'
          ? Math.round(n * o.unknownFactor)
          : l === 'silence'
            ? Math.round(n * o.silenceFactor)
            : n,
      ]),
    );
  }
  return counts;
}

/** The seeded list of clip specs: split by split, label by label. */
export function clipSpecs(o: SpecOptions): ClipSpec[] {
  const rand = mulberry32(o.seed);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const int = (lo: number, hi: number): number => Math.floor(uniform(lo, hi + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  const counts = countsFor(o);
  const specs: ClipSpec[] = [];
  for (const split of SPLITS) {
    const segment = o.noiseSeconds[split] * SAMPLE_RATE;
    for (const label of KWS_LABELS) {
      const n = counts[split][label]!;
      for (let i = 0; i < n; i++) {
        const silence = label === 'silence';
        const word = silence ? null : label === 'unknown' ? pick(UNKNOWN_WORDS) : label;
        // Punctuation changes espeak-ng's intonation: statement, exclamation, question, list item.
        const text = word === null ? null : word + pick(['', '.', '!', '?', ',']);
        const channelRoll = rand();
        const channel: ChannelName =
          channelRoll < 0.45
            ? 'wide'
            : channelRoll < 0.65
              ? 'band'
              : channelRoll < 0.8
                ? 'telephone'
                : 'highpass';
        const reverb: ReverbSpec | null =
          rand() < 0.4
            ? {
                reverberance: int(10, 60),
                hfDamping: int(20, 80),
                roomScale: int(10, 70),
                preDelayMs: int(0, 20),
              }
            : null;
        const noise = silence ? pick(NON_SPEECH_NOISE) : pick(NOISE_KINDS);
        // Mostly noisy, some nearly clean (a faint floor always, so no clip is digital silence).
        const snr = rand() < 0.85 ? uniform(3, 30) : uniform(30, 50);
        specs.push({
          id: `${split}-${label}-${String(i).padStart(4, '0')}`,
          split,
          label,
          word,
          text,
          voice: pick(o.voices.voices[split]),
          speed: int(130, 210),
          pitch: int(25, 75),
          channel,
          reverb,
          noise,
          noiseOffset: Math.floor(rand() * (segment - CLIP_SAMPLES)),
          snrDb: silence ? null : round1(snr),
          levelDb: round1(silence ? uniform(-80, -25) : uniform(-32, -3)),
          place: Math.round(rand() * 1000) / 1000,
        });
      }
    }
  }
  return specs;
}
