/**
 * The RESERVED independent test set: every flite voice and festival's kal voice. Never train,
 * calibrate or select on it. Only models/kws-embed/evaluate.ts imports this module (the test
 * test/kws-embed/reservation.test.ts checks that no training, calibration or selection script
 * reaches it); it is built and read by that script alone, after the model and its detector are fixed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { EMBED_CACHE, readEvalDir, type EvalStream } from '../eval-data.js';
import type { EvalPlanOptions } from '../plan.js';
import type { SynthVoice } from '../synth.js';

export const TEST_DIR = join(EMBED_CACHE, 'reserved-test');

/** Every voice `flite -lv` lists (checked against the list at build time), and festival kal. */
export function testVoices(): SynthVoice[] {
  const text = execFileSync('flite', ['-lv'], { encoding: 'utf8' });
  const names = text
    .replace(/^Voices available:/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (names.length === 0) throw new Error(`flite -lv listed no voices: ${text}`);
  return [
    ...names.map((name): SynthVoice => ({ engine: 'flite', name })),
    { engine: 'festival', fn: 'voice_kal_diphone' },
  ];
}

export const TEST_PLAN: Omit<EvalPlanOptions, 'voices'> = {
  keywordRepeats: 4,
  nonKeywordMs: 32 * 60_000,
  noiseMs: 60 * 60_000,
  seed: 9001,
};

export function readTestSet(): EvalStream[] {
  return readEvalDir(TEST_DIR);
}
