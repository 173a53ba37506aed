/** Turns one clip spec into audio: speak, place in a 1.015 s clip, add the channel's noise. */
import { dbToAmp, fadeIn, limitPeak, measureActivity, mixInto, peak, rms } from './audio-ops.js';
import type { ClipSpec, ReverbSpec } from './corpus.js';
import { CLIP_SAMPLES } from './corpus.js';
import type { ChannelName, NoiseBank } from './noise-bank.js';
import { CHANNELS } from './noise-bank.js';
import { SAMPLE_RATE, soxFilter, speak } from './tools.js';
import type { Voice } from './voices.js';
import { voiceName } from './voices.js';

const ms = (samples: number): number => Math.round((samples / SAMPLE_RATE) * 1000);
const samples = (milliseconds: number): number => Math.round((milliseconds / 1000) * SAMPLE_RATE);

/** Earliest word onset in a clip (ms): leaves a little noise before every word. */
const MIN_ONSET_MS = 30;
/** Audio kept after a word's offset (ms): at least 15 frames labelled "keyword heard". */
const MIN_TAIL_MS = 150;
/** Audio kept before the measured onset (ms), so the soft start of the word is not cut. */
const LEAD_MS = 20;
/**
 * Frames within this many dB of the loudest count as the word. Measured on the dry, noise-free
 * signal, so it can be wide: 30 dB misses the weak fricatives ("off", "yes") of some voices.
 */
const ACTIVITY_RANGE_DB = 45;

/** sox effects for a reverb spec; the pad leaves room for the tail. */
export function reverbEffects(r: ReverbSpec): string[] {
  const { reverberance, hfDamping, roomScale, preDelayMs } = r;
  return [
    'pad',
    '0',
    '0.6',
    'reverb',
    ...[reverberance, hfDamping, roomScale, 100, preDelayMs, 0].map(String),
  ];
}

export interface WordAudio {
  voice: Voice;
  speed: number;
  pitch: number;
  channel: ChannelName;
  reverb: ReverbSpec | null;
}

/** A word through its room and channel, at 16 kHz. */
export function speakWord(text: string, o: WordAudio): Promise<Float32Array> {
  const effects = [...CHANNELS[o.channel], ...(o.reverb ? reverbEffects(o.reverb) : [])];
  return speak(text, { voice: o.voice, speed: o.speed, pitch: o.pitch, effects });
}

export interface RenderedClip {
  samples: Float32Array;
  speedUsed: number;
  onsetMs: number | null;
  offsetMs: number | null;
}

/**
 * The clip of `spec`. A word too long for the clip (slow speed, long reverb) is spoken again up to
 * three times, 25% faster each time; deterministic, so the same spec still gives the same clip.
 * @throws when espeak-ng gives silence, or the word still does not fit
 */
export async function renderClip(spec: ClipSpec, bank: NoiseBank): Promise<RenderedClip> {
  const noise = bank
    .get(spec.noise, spec.channel, spec.split)
    .subarray(spec.noiseOffset, spec.noiseOffset + CLIP_SAMPLES);
  const noiseRms = rms(noise);
  const out = new Float32Array(CLIP_SAMPLES);
  if (spec.text === null) {
    mixInto(out, noise, 0, dbToAmp(spec.levelDb) / noiseRms);
    limitPeak(out);
    return { samples: out, speedUsed: spec.speed, onsetMs: null, offsetMs: null };
  }
  let speed = spec.speed;
  for (let attempt = 0; attempt < 4; attempt++, speed = Math.round(speed * 1.25)) {
    // Where the word is comes from the dry signal: a reverb tail stays within 30 dB of the peak for
    // most of a second and would push the offset far past the end of the speech.
    const dry = await speakWord(spec.text, { ...spec, speed, reverb: null });
    const act = measureActivity(dry, SAMPLE_RATE, ACTIVITY_RANGE_DB);
    if (!act)
      throw new Error(`${spec.id}: espeak-ng gave silence for '${spec.text}' (${voiceName(spec.voice)})`);
    const length = act.offset - act.onset;
    const minStart = samples(MIN_ONSET_MS);
    const maxStart = CLIP_SAMPLES - length - samples(MIN_TAIL_MS);
    if (maxStart < minStart) continue;
    const start = minStart + Math.round(spec.place * (maxStart - minStart));
    const lead = Math.min(act.onset, samples(LEAD_MS));
    // Room and channel are linear and time-invariant, so reverb after the channel is the same as before.
    const wet = spec.reverb ? await soxFilter(dry, reverbEffects(spec.reverb)) : dry;
    const gain = dbToAmp(spec.levelDb) / peak(wet);
    const word = wet.slice(act.onset - lead);
    fadeIn(word, lead);
    mixInto(out, word, start - lead, gain);
    const noiseGain = (act.activeRms * gain) / dbToAmp(spec.snrDb ?? 50) / noiseRms;
    mixInto(out, noise, 0, noiseGain);
    limitPeak(out);
    return { samples: out, speedUsed: speed, onsetMs: ms(start), offsetMs: ms(start + length) };
  }
  throw new Error(`${spec.id}: '${spec.text}' does not fit in ${ms(CLIP_SAMPLES)} ms even at ${speed} wpm`);
}
