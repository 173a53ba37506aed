/**
 * espeak-ng voices for the corpus and their split. A "voice" here is an English accent (espeak-ng
 * language voice) combined with a variant (`!v/…`: timbre, pitch range, breathiness). The split is by
 * variant: a validation or test variant is never heard in training, with any accent, so the held-out
 * sets measure generalisation to voices the model has not heard.
 */
import { execFileSync } from 'node:child_process';
import { mulberry32 } from '../../../src/model/random.js';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * English accents that espeak-ng 1.51 ships as its own (gmw) voices. The MBROLA voices it also lists
 * (en-german-1, us-mbrola-2, …) need MBROLA databases that are not installed.
 */
export const ACCENTS = [
  'en-gb',
  'en-us',
  'en-gb-x-rp',
  'en-gb-scotland',
  'en-gb-x-gbclan',
  'en-gb-x-gbcwmd',
  'en-029',
  'en-us-nyc',
] as const;

/** The variant name meaning "no variant" (the accent's own default voice). */
export const DEFAULT_VARIANT = 'default';

export interface Voice {
  accent: string;
  variant: string;
}

/** The `-v` argument of espeak-ng for a voice. */
export function espeakVoiceArg(v: Voice): string {
  return v.variant === DEFAULT_VARIANT ? v.accent : `${v.accent}+${v.variant}`;
}

export function voiceName(v: Voice): string {
  return `${v.accent}+${v.variant}`;
}

/**
 * Variant file names from `espeak-ng --voices=variant`, sorted, plus {@link DEFAULT_VARIANT}. Read from
 * espeak-ng itself because an unknown variant is not an error there: it silently uses the default.
 * @throws when espeak-ng is missing or lists no variants
 */
export function listVariants(): string[] {
  const text = execFileSync('espeak-ng', ['--voices=variant'], { encoding: 'utf8' });
  const variants = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /\s!v\/(\S+)/.exec(line);
    if (m?.[1]) variants.add(m[1]);
  }
  if (variants.size === 0) throw new Error(`espeak-ng --voices=variant listed no variants:\n${text}`);
  return [DEFAULT_VARIANT, ...[...variants].sort()];
}

/** Checks that every accent in {@link ACCENTS} is installed. */
export function checkAccents(): void {
  const text = execFileSync('espeak-ng', ['--voices=en'], { encoding: 'utf8' });
  const installed = new Set(text.split('\n').map((l) => l.trim().split(/\s+/)[1]));
  const missing = ACCENTS.filter((a) => !installed.has(a));
  if (missing.length > 0) throw new Error(`espeak-ng lacks the voices ${missing.join(', ')}`);
}

export interface VoiceSplit {
  /** Variants of each split (disjoint). */
  variants: Record<Split, string[]>;
  /** Every accent × variant combination of each split. */
  voices: Record<Split, Voice[]>;
}

/**
 * Splits the variants (seeded shuffle of the sorted list): `valFraction` and `testFraction` of them
 * go to validation and test, the rest to training; every accent is combined with every variant.
 */
export function splitVoices(
  variants: string[],
  seed: number,
  valFraction = 0.15,
  testFraction = 0.15,
): VoiceSplit {
  const rand = mulberry32(seed);
  const shuffled = [...variants].sort();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const nVal = Math.max(1, Math.round(variants.length * valFraction));
  const nTest = Math.max(1, Math.round(variants.length * testFraction));
  const byName = (list: string[]): string[] => [...list].sort();
  const v: Record<Split, string[]> = {
    test: byName(shuffled.slice(0, nTest)),
    val: byName(shuffled.slice(nTest, nTest + nVal)),
    train: byName(shuffled.slice(nTest + nVal)),
  };
  const combos = (list: string[]): Voice[] =>
    ACCENTS.flatMap((accent) => list.map((variant) => ({ accent, variant })));
  return { variants: v, voices: { train: combos(v.train), val: combos(v.val), test: combos(v.test) } };
}
