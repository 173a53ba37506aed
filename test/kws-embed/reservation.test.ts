/**
 * The reserved test voices (every flite voice, festival kal) must never reach training, selection or
 * calibration: checked on the import graph of those scripts, on the set loader they use, and on the
 * voice lists and training plans.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VALIDATION_VOICES, loadEvalSet } from '../../models/kws-embed/eval-data.js';
import { trainPlans } from '../../models/kws-embed/plan.js';
import { synthVoiceName } from '../../models/kws-embed/synth.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EMBED = resolve(ROOT, 'models/kws-embed');
const RESERVED = resolve(EMBED, 'reserved');

/** Every repository file reachable by relative static or dynamic imports from `entry`. */
function importClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      stack.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
    }
  }
  return seen;
}

const reaches = (entry: string): string[] =>
  [...importClosure(resolve(EMBED, entry))].filter((f) => f.startsWith(RESERVED + '/'));

describe('reserved test set', () => {
  it.each([
    'train.ts',
    'head-trainer.ts',
    'make-train.ts',
    'make-val.ts',
    'embed-dir.ts',
    'data-load.ts',
    'lib.ts',
    'custom-train.ts',
    'custom-words.ts',
    'probe.ts',
    'sam-voices.ts',
    'front-end.ts',
  ])('%s cannot reach models/kws-embed/reserved/', (entry) => {
    expect(reaches(entry)).toEqual([]);
  });

  it('the import check sees evaluate.ts reach it (so the check above can fail)', () => {
    expect(reaches('evaluate.ts')).toEqual([resolve(RESERVED, 'test-set.ts')]);
  });

  it('the loader of training and calibration refuses any split but val', () => {
    expect(() => loadEvalSet('test' as 'val')).toThrow(/expected split 'val', got 'test'/);
  });

  it('validation voices are festival kd and slt, and no flite or kal voice', () => {
    const names = VALIDATION_VOICES.map(synthVoiceName);
    expect(names).toEqual(['festival:ked_diphone', 'festival:cmu_us_slt_arctic_hts']);
    expect(names.some((n) => n.startsWith('flite:') || n.includes('kal'))).toBe(false);
  });

  it('training plans speak only with the espeak-ng voices they are given', () => {
    const voices = [
      { accent: 'en-us', variant: 'm1' },
      { accent: 'en-gb', variant: 'f2' },
    ];
    const plans = trainPlans({ streams: 6, streamMs: 20_000, seed: 3, voices, noiseOnly: 0.2 });
    const used = new Set(plans.flatMap((p) => p.utterances.map((u) => synthVoiceName(u.speak.voice))));
    expect([...used].sort()).toEqual(['espeak:en-gb+f2', 'espeak:en-us+m1']);
  });
});
