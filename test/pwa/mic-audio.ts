/**
 * The audio the Chromium keyword tests play as the microphone, and what it contains: the held-out
 * keyword recording, padded with its own noise floor, at 48 kHz (a phone's usual audio-graph rate,
 * so the apps' worklet resamples it to 16 kHz as on a phone). Its length is a whole number of render
 * quanta (128) and of 3-sample resampler steps, so the page hears every sample of it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWav, toMono, writeWav } from '../../src/features/wav.js';
import { resample } from '../../src/features/resample.js';
import { StreamingResampler } from '../../src/features/streaming-resampler.js';
import { readHeldoutTruth } from '../helpers/kws-sample.js';
import type { SpokenEvent } from '../helpers/kws-sample.js';
import { MODELS_DIR } from '../helpers/models.js';

/** The audio graph's rate the tests run at, Hz. */
export const GRAPH_RATE = 48_000;

export interface MicRecording {
  /** Mono samples at {@link GRAPH_RATE}. */
  samples: Float32Array;
  /** Length of the original recording (the padding follows it), ms. */
  durationMs: number;
  events: SpokenEvent[];
}

const SAMPLES = join(MODELS_DIR, 'kws', 'samples');
/** Noise floor appended: longer than the tests listen past the recording's end. */
const PAD_MS = 3000;
/** The recording opens with this much noise floor before its first word. */
const LEAD_IN_MS = 800;
/** Render quantum (128) × resampler step (3 input samples per output at 48 → 16 kHz). */
const WHOLE = 384;

/** The held-out keyword recording, padded with its own noise floor, at {@link GRAPH_RATE}. */
export async function micRecording(): Promise<MicRecording> {
  const { padded, rate, truth } = await paddedRecording();
  const up = resample(padded, rate, GRAPH_RATE);
  return {
    samples: up.subarray(0, up.length - (up.length % WHOLE)),
    durationMs: truth.durationMs,
    events: truth.events,
  };
}

/**
 * The same recording (at its own 16 kHz) as a WAV in `dir`, for Chromium's real-time fake capture
 * device (`--use-file-for-fake-audio-capture`, which plays it from the start for every capture, looped).
 */
export async function writeMicRecording(
  dir: string,
): Promise<{ wav: string; durationMs: number; events: SpokenEvent[] }> {
  const { padded, rate, truth } = await paddedRecording();
  const wav = join(dir, 'mic.wav');
  await writeFile(wav, writeWav(padded, rate));
  return { wav, durationMs: truth.durationMs, events: truth.events };
}

async function paddedRecording(): Promise<{
  padded: Float32Array;
  rate: number;
  truth: ReturnType<typeof readHeldoutTruth>;
}> {
  const truth = readHeldoutTruth();
  const audio = parseWav(new Uint8Array(await readFile(join(SAMPLES, 'keywords-heldout.wav'))));
  const samples = toMono(audio.channels);
  const rate = audio.sampleRate;
  const floor = samples.subarray(0, (rate * LEAD_IN_MS) / 1000);
  const padded = new Float32Array(samples.length + (rate * PAD_MS) / 1000);
  padded.set(samples);
  for (let at = samples.length; at < padded.length; at += floor.length) {
    padded.set(floor.subarray(0, Math.min(floor.length, padded.length - at)), at);
  }
  return { padded, rate, truth };
}

/** What the apps' worklet makes of `samples` at {@link GRAPH_RATE}: the same 16 kHz audio, in Node. */
export function heardAt16k(samples: Float32Array): Float32Array {
  const resampler = new StreamingResampler(GRAPH_RATE, 16_000);
  const out = new Float32Array(resampler.maxOutput(samples.length));
  return out.slice(0, resampler.process(samples, out));
}
