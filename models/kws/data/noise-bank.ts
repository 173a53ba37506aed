/**
 * Background noise for the corpus, made once and cached: sox-synthesized white, pink and brown noise,
 * and speech babble (four overlapping streams of keyword-free sentences by the split's own voices).
 * Each kind exists once per channel (the band-limiting every clip of that channel goes through), and
 * is cut into disjoint train / val / test segments, so held-out clips never reuse training noise.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../../src/model/random.js';
import { measureActivity, mixInto } from './audio-ops.js';
import { mapPool } from './progress.js';
import { SAMPLE_RATE, soxFilter, speak, synthNoise } from './tools.js';
import type { Split, VoiceSplit } from './voices.js';
import { SPLITS } from './voices.js';
import { SENTENCES } from './words.js';

export const NOISE_KINDS = ['white', 'pink', 'brown', 'babble'] as const;
export type NoiseKind = (typeof NOISE_KINDS)[number];

/** Kinds that contain no speech: the only ones 'silence' clips are made of. */
export const NON_SPEECH_NOISE: readonly NoiseKind[] = ['white', 'pink', 'brown'];

/** Recording channels as sox effects, applied to the word and to its noise alike. */
export const CHANNELS = {
  /** Full band, as a decent microphone. */
  wide: [] as string[],
  /** 100 Hz – 4 kHz: a cheap headset or a laptop microphone. */
  band: ['sinc', '100-4000'],
  /** 300 Hz – 3.4 kHz: narrow-band telephone. */
  telephone: ['sinc', '300-3400'],
  /** High-pass at 250 Hz: a small device with no bass. */
  highpass: ['sinc', '250'],
} as const;
export type ChannelName = keyof typeof CHANNELS;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as ChannelName[];

/** Seconds of noise per split. */
export type SegmentSeconds = Record<Split, number>;
export const SEGMENT_SECONDS: SegmentSeconds = { train: 40, val: 10, test: 10 };
export const QUICK_SEGMENT_SECONDS: SegmentSeconds = { train: 4, val: 2, test: 2 };

export interface NoiseBank {
  seconds: SegmentSeconds;
  /** The segment of `kind` through `channel` reserved for `split`. */
  get(kind: NoiseKind, channel: ChannelName, split: Split): Float32Array;
}

const BANK_FORMAT = 'kws-noise-bank/1';

/**
 * Loads the bank from `dir`, or makes and saves it when missing or made with other settings.
 * @param seed drives the babble (sentences, voices, gaps)
 */
export async function loadNoiseBank(
  dir: string,
  voices: VoiceSplit,
  seed: number,
  seconds: SegmentSeconds = SEGMENT_SECONDS,
  concurrency = 2,
): Promise<NoiseBank> {
  const key = JSON.stringify({ format: BANK_FORMAT, seed, seconds, variants: voices.variants });
  const keyFile = join(dir, 'bank.json');
  const file = (kind: NoiseKind, channel: ChannelName, split: Split): string =>
    join(dir, `${kind}-${channel}-${split}.f32`);
  const segments = new Map<string, Float32Array>();
  const id = (kind: NoiseKind, channel: ChannelName, split: Split): string => `${kind}/${channel}/${split}`;

  if (existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
    for (const kind of NOISE_KINDS) {
      for (const channel of CHANNEL_NAMES) {
        for (const split of SPLITS) {
          const b = readFileSync(file(kind, channel, split));
          const x = new Float32Array(b.length / 4);
          new Uint8Array(x.buffer).set(b);
          segments.set(id(kind, channel, split), x);
        }
      }
    }
  } else {
    mkdirSync(dir, { recursive: true });
    const start = performance.now();
    const total = SPLITS.reduce((s, sp) => s + seconds[sp], 0);
    const raw = new Map<string, Float32Array>();
    for (const kind of ['white', 'pink', 'brown'] as const) {
      // One long repeatable run, cut into splits, so the splits never share samples.
      const all = await synthNoise(`${kind}noise`, total);
      let at = 0;
      for (const split of SPLITS) {
        const n = seconds[split] * SAMPLE_RATE;
        raw.set(`${kind}/${split}`, all.slice(at, at + n));
        at += n;
      }
    }
    for (const [i, split] of SPLITS.entries()) {
      raw.set(
        `babble/${split}`,
        await makeBabble(voices, split, seconds[split], seed + 101 * i, concurrency),
      );
    }
    const jobs = NOISE_KINDS.flatMap((kind) =>
      CHANNEL_NAMES.flatMap((channel) => SPLITS.map((split) => ({ kind, channel, split }))),
    );
    await mapPool(jobs, concurrency, async ({ kind, channel, split }) => {
      const x = await soxFilter(raw.get(`${kind}/${split}`)!, [...CHANNELS[channel]]);
      segments.set(id(kind, channel, split), x);
      writeFileSync(file(kind, channel, split), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    });
    writeFileSync(keyFile, key);
    process.stderr.write(`noise bank: made in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  return {
    seconds,
    get: (kind, channel, split) => segments.get(id(kind, channel, split))!,
  };
}

/** Four overlapping streams of sentences by voices of `split`, each utterance at one level. */
async function makeBabble(
  voices: VoiceSplit,
  split: Split,
  seconds: number,
  seed: number,
  concurrency: number,
): Promise<Float32Array> {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const n = seconds * SAMPLE_RATE;
  const out = new Float32Array(n);
  // Plan utterances first (seeded), speak them in parallel, then place them.
  const plan: {
    text: string;
    voice: (typeof voices.voices)[Split][number];
    speed: number;
    pitch: number;
    at: number;
  }[] = [];
  for (let stream = 0; stream < 4; stream++) {
    let at = Math.floor(rand() * SAMPLE_RATE);
    while (at < n) {
      plan.push({
        text: pick(SENTENCES),
        voice: pick(voices.voices[split]),
        speed: 150 + Math.floor(rand() * 60),
        pitch: 30 + Math.floor(rand() * 40),
        at,
      });
      // Sentences last about 2–3 s at these speeds; the next starts after it plus a short pause.
      at += Math.floor((2.2 + rand()) * SAMPLE_RATE);
    }
  }
  const audio = await mapPool(plan, concurrency, (p) => speak(p.text, p));
  audio.forEach((x, i) => {
    const a = measureActivity(x, SAMPLE_RATE);
    if (a) mixInto(out, x, plan[i]!.at, 0.1 / a.activeRms);
  });
  return out;
}
