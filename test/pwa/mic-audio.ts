/**
 * The audio the PWA test plays as the microphone, and what it contains. Chromium's fake capture
 * plays its file from the start for every new capture and loops it, so the recording gets a tail of
 * its own noise floor: one pass lasts longer than any span the test checks. (A session kept open
 * longer does hear the loop start over; the test only checks spans within one pass.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseWav, toMono, writeWav } from '../../src/features/wav.js';
import { readHeldoutTruth } from '../helpers/kws-sample.js';
import type { SpokenEvent } from '../helpers/kws-sample.js';
import { MODELS_DIR } from '../helpers/models.js';

export interface MicRecording {
  /** The WAV to pass to `--use-file-for-fake-audio-capture`. */
  wav: string;
  /** Length of the original recording (the padding follows it), ms. */
  durationMs: number;
  events: SpokenEvent[];
}

const SAMPLES = join(MODELS_DIR, 'kws', 'samples');
/** Noise floor appended: longer than the test listens past the recording's end. */
const PAD_MS = 3000;
/** The recording opens with this much noise floor before its first word. */
const LEAD_IN_MS = 800;

/** Writes the held-out keyword recording, padded with its own noise floor, into `dir`. */
export async function writeMicRecording(dir: string): Promise<MicRecording> {
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
  const wav = join(dir, 'mic.wav');
  await writeFile(wav, writeWav(padded, rate));
  return { wav, durationMs: truth.durationMs, events: truth.events };
}
