/**
 * Long evaluation audio: utterances laid one after another with pauses over a background noise, and
 * the ground truth of where each one is (from the energy of the dry utterance, as in the clips).
 */
import { dbToAmp, fadeIn, limitPeak, measureActivity, mixInto, peak, rms } from './audio-ops.js';
import { mapPool } from './progress.js';
import type { ChannelName } from './noise-bank.js';
import { CHANNELS } from './noise-bank.js';
import type { ReverbSpec } from './corpus.js';
import { reverbEffects } from './render.js';
import { SAMPLE_RATE, soxFilter, speak, synthNoise } from './tools.js';
import type { Voice } from './voices.js';
import { voiceName } from './voices.js';

export interface Utterance {
  /** 'yes' … 'go', 'unknown' or 'speech' (a sentence). */
  label: string;
  text: string;
  voice: Voice;
  speed: number;
  pitch: number;
  reverb: ReverbSpec | null;
  /** Pause before this utterance in ms (from the previous one's end). */
  gapMs: number;
  /** Speech peak in dBFS. */
  levelDb: number;
}

export interface StreamEvent {
  label: string;
  text: string;
  voice: string;
  startMs: number;
  endMs: number;
}

export interface StreamTruth {
  format: 'kws-stream/1';
  sampleRate: number;
  durationMs: number;
  channel: ChannelName;
  noise: string;
  events: StreamEvent[];
}

/** Trailing pause after the last utterance (ms). */
const TAIL_MS = 800;

/**
 * Speaks `utterances` (`concurrency` at a time), lays them out in order with their pauses, and adds
 * `background` (repeated if shorter than the stream).
 */
export async function buildStream(
  utterances: Utterance[],
  channel: ChannelName,
  background: Float32Array,
  noiseDescription: string,
  concurrency = 2,
): Promise<{ audio: Float32Array; truth: StreamTruth }> {
  const spoken = await mapPool(utterances, concurrency, async (u) => {
    const dry = await speak(u.text, {
      voice: u.voice,
      speed: u.speed,
      pitch: u.pitch,
      effects: [...CHANNELS[channel]],
    });
    const act = measureActivity(dry, SAMPLE_RATE, 45);
    if (!act) throw new Error(`espeak-ng gave silence for '${u.text}' (${voiceName(u.voice)})`);
    const wet = u.reverb ? await soxFilter(dry, reverbEffects(u.reverb)) : dry;
    return { dry: act, wet };
  });
  const toSamples = (ms: number): number => Math.round((ms / 1000) * SAMPLE_RATE);
  const toMs = (s: number): number => Math.round((s / SAMPLE_RATE) * 1000);
  let cursor = 0;
  const placed = utterances.map((u, i) => {
    const { dry, wet } = spoken[i]!;
    const start = cursor + toSamples(u.gapMs);
    cursor = start + (dry.offset - dry.onset);
    return { start, dry, wet };
  });
  const length = cursor + toSamples(TAIL_MS);
  const audio = new Float32Array(length);
  for (let at = 0; at < length; at += background.length) mixInto(audio, background, at);
  const events: StreamEvent[] = [];
  placed.forEach(({ start, dry, wet }, i) => {
    const u = utterances[i]!;
    const lead = Math.min(dry.onset, toSamples(20));
    const word = wet.slice(dry.onset - lead);
    fadeIn(word, lead);
    mixInto(audio, word, start - lead, dbToAmp(u.levelDb) / peak(wet));
    events.push({
      label: u.label,
      text: u.text,
      voice: voiceName(u.voice),
      startMs: toMs(start),
      endMs: toMs(start + dry.offset - dry.onset),
    });
  });
  limitPeak(audio);
  return {
    audio,
    truth: {
      format: 'kws-stream/1',
      sampleRate: SAMPLE_RATE,
      durationMs: toMs(length),
      channel,
      noise: noiseDescription,
      events,
    },
  };
}

/**
 * `seconds` of sox noise of `kind` at RMS `levelDb` dBFS, through `channel`. `skipSeconds` of the
 * generator's output are dropped first: sox `-R` always starts the same sequence, and the noise bank
 * uses its beginning for training noise.
 */
export async function streamNoise(
  kind: 'white' | 'pink' | 'brown',
  seconds: number,
  levelDb: number,
  channel: ChannelName,
  skipSeconds: number,
): Promise<Float32Array> {
  const x = await synthNoise(`${kind}noise`, skipSeconds + seconds, [
    'trim',
    String(skipSeconds),
    ...CHANNELS[channel],
  ]);
  const g = dbToAmp(levelDb) / rms(x);
  for (let i = 0; i < x.length; i++) x[i]! *= g;
  return x;
}
