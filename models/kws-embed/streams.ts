/**
 * Continuous audio from a plan: utterances (any synthesizer) laid one after another with pauses over
 * background noise, through one channel, with the ground truth of where each utterance is (from the
 * energy of its dry signal, as models/kws does) in models/kws's `kws-stream/1` format, so its scoring
 * (kws-lib `scoreStream`) applies unchanged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeWav } from '../../src/features/wav.js';
import { dbToAmp, fadeIn, limitPeak, measureActivity, mixInto, peak } from '../kws/data/audio-ops.js';
import type { ReverbSpec } from '../kws/data/corpus.js';
import type { ChannelName } from '../kws/data/noise-bank.js';
import { CHANNELS } from '../kws/data/noise-bank.js';
import { reverbEffects } from '../kws/data/render.js';
import type { StreamEvent, StreamTruth } from '../kws/data/stream.js';
import { soxFilter } from '../kws/data/tools.js';
import type { NoiseKind } from './noise.js';
import { makeNoise } from './noise.js';
import type { SpeakSpec } from './synth.js';
import { SAMPLE_RATE, speakMany, synthVoiceName } from './synth.js';

export interface PlannedUtterance {
  /** A keyword, 'unknown' (a single other word) or 'speech' (a sentence). */
  label: string;
  /** What to say and how (the channel's effects are added when the stream is built). */
  speak: SpeakSpec;
  reverb: ReverbSpec | null;
  /** Pause before this utterance (ms, from the previous one's end). */
  gapMs: number;
  /** Speech peak in dBFS. */
  levelDb: number;
}

export interface StreamPlan {
  /** File name (without extension) in the output directory. */
  name: string;
  channel: ChannelName;
  /** Background layers, each at its own RMS level; `seed` makes each layer's samples. */
  background: { kind: NoiseKind; levelDb: number; seed: number }[];
  utterances: PlannedUtterance[];
  /** Length of a stream without utterances (noise only), in ms. */
  noiseOnlyMs?: number;
}

/** Trailing pause after the last utterance (ms). */
const TAIL_MS = 800;
const toSamples = (ms: number): number => Math.round((ms / 1000) * SAMPLE_RATE);
const toMs = (s: number): number => Math.round((s / SAMPLE_RATE) * 1000);

/**
 * Builds the streams of `plans` into `dir` (`<name>.wav` 16-bit + `<name>.json` truth), speaking
 * `group` streams' utterances at a time (bounded memory); `onUtterance` ticks a progress line.
 */
export async function buildStreams(
  plans: readonly StreamPlan[],
  dir: string,
  o: { concurrency?: number; group?: number; onUtterance?: () => void } = {},
): Promise<StreamTruth[]> {
  mkdirSync(dir, { recursive: true });
  const truths: StreamTruth[] = [];
  const group = o.group ?? 8;
  for (let g = 0; g < plans.length; g += group) {
    const part = plans.slice(g, g + group);
    const specs = part.flatMap((p) =>
      p.utterances.map((u) => ({
        ...u.speak,
        effects: [...(u.speak.effects ?? []), ...CHANNELS[p.channel]],
      })),
    );
    const spoken = await speakMany(specs, o.concurrency ?? 2, o.onUtterance);
    let at = 0;
    for (const p of part) {
      const audio = spoken.slice(at, at + p.utterances.length);
      at += p.utterances.length;
      const { samples, truth } = await assemble(p, audio);
      writeFileSync(join(dir, `${p.name}.wav`), writeWav(samples, SAMPLE_RATE));
      writeFileSync(join(dir, `${p.name}.json`), JSON.stringify(truth));
      truths.push(truth);
    }
  }
  return truths;
}

/** One stream's audio and truth from its plan and its utterances' audio (channel applied). */
async function assemble(
  p: StreamPlan,
  spoken: Float32Array[],
): Promise<{ samples: Float32Array; truth: StreamTruth }> {
  const placed: { start: number; onset: number; length: number; wet: Float32Array }[] = [];
  let cursor = 0;
  for (const [i, u] of p.utterances.entries()) {
    const dry = spoken[i]!;
    const act = measureActivity(dry, SAMPLE_RATE, 45);
    if (!act)
      throw new Error(`${p.name}: ${synthVoiceName(u.speak.voice)} gave silence for '${u.speak.text}'`);
    const wet = u.reverb ? await soxFilter(dry, reverbEffects(u.reverb)) : dry;
    const start = cursor + toSamples(u.gapMs);
    cursor = start + (act.offset - act.onset);
    placed.push({ start, onset: act.onset, length: act.offset - act.onset, wet });
  }
  const length = p.utterances.length > 0 ? cursor + toSamples(TAIL_MS) : toSamples(p.noiseOnlyMs ?? 10_000);
  const samples = new Float32Array(length);
  for (const b of p.background) {
    const noise = makeNoise(b.kind, length, b.levelDb, b.seed);
    // Band-limit the noise like the speech: the whole recording goes through one channel.
    mixInto(samples, await soxFilter(noise, [...CHANNELS[p.channel]]), 0);
  }
  const events: StreamEvent[] = [];
  placed.forEach(({ start, onset, length: len, wet }, i) => {
    const u = p.utterances[i]!;
    const lead = Math.min(onset, toSamples(20));
    const word = wet.slice(onset - lead);
    fadeIn(word, lead);
    mixInto(samples, word, start - lead, dbToAmp(u.levelDb) / peak(wet));
    events.push({
      label: u.label,
      text: u.speak.text,
      voice: synthVoiceName(u.speak.voice),
      startMs: toMs(start),
      endMs: toMs(start + len),
    });
  });
  limitPeak(samples);
  const noise = p.background.map((b) => `${b.kind} ${b.levelDb} dBFS`).join(' + ') || 'none';
  return {
    samples,
    truth: {
      format: 'kws-stream/1',
      sampleRate: SAMPLE_RATE,
      durationMs: toMs(length),
      channel: p.channel,
      noise,
      events,
    },
  };
}
