/**
 * Where the speech-embedding keyword model's data lives, the validation voices and the validation set
 * (festival kd and HTS slt). The reserved test voices (every flite voice, festival kal) are NOT here:
 * they live in reserved/, which only the final evaluation script imports (a test checks this), and
 * {@link loadEvalSet} refuses anything but the validation set.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GruStreamError } from '../../src/errors.js';
import type { StreamAudio } from '../kws/kws-lib.js';
import { readStream } from '../kws/kws-lib.js';
import type { EvalPlanOptions } from './plan.js';
import type { SynthVoice } from './synth.js';

/** `models/kws-embed/.cache/` (git-ignored): every generated corpus, feature file and set. */
export const EMBED_CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));
export const TRAIN_DIR = join(EMBED_CACHE, 'train');
export const VAL_DIR = join(EMBED_CACHE, 'val');

/** Validation, selection and calibration voices: synthesizers the model is never trained on. */
export const VALIDATION_VOICES: readonly SynthVoice[] = [
  { engine: 'festival', fn: 'voice_ked_diphone' },
  { engine: 'festival', fn: 'voice_cmu_us_slt_arctic_hts' },
];

/** The validation set's recipe (seeds differ from the test set's). */
export const VAL_PLAN: Omit<EvalPlanOptions, 'voices'> = {
  keywordRepeats: 10,
  nonKeywordMs: 32 * 60_000,
  noiseMs: 60 * 60_000,
  seed: 5001,
};

/** One stream of an evaluation set: its name, audio and truth. */
export interface EvalStream extends StreamAudio {
  name: string;
}

/** The kinds of streams an evaluation set has (see plan.ts `evalPlans`). */
export type StreamKind = 'keyword' | 'non-keyword' | 'noise';

export function streamKind(name: string): StreamKind {
  return name === 'keyword-stream' ? 'keyword' : name.startsWith('noise-') ? 'noise' : 'non-keyword';
}

/** Reads every stream (`*.wav` + `.json`) of an evaluation set directory, sorted by name. */
export function readEvalDir(dir: string): EvalStream[] {
  if (!existsSync(join(dir, 'keyword-stream.wav')))
    throw new GruStreamError(
      'E_ARGUMENT',
      `evaluation set ${dir}: expected keyword-stream.wav, found none (build it first)`,
    );
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => ({ name: f.replace(/\.wav$/, ''), ...readStream(join(dir, f)) }));
}

/**
 * The validation set (make-val.ts builds it). Only 'val' exists for training, selection and
 * calibration code: the reserved test set has its own reader in reserved/.
 * @throws GruStreamError E_ARGUMENT for any other split
 */
export function loadEvalSet(split: 'val'): EvalStream[] {
  if (split !== 'val')
    throw new GruStreamError(
      'E_ARGUMENT',
      `loadEvalSet: expected split 'val', got '${String(split)}' (the test set is reserved for evaluate.ts)`,
    );
  return readEvalDir(VAL_DIR);
}
