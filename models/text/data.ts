/**
 * The text model's data recipe: Debian word lists → disjoint train / validation / test words → "typed
 * text" samples of 1–4 words of one language.
 *
 * - Lists (Debian packages): wamerican, wngerman, wfrench, wspanish, witalian, wportuguese, wdutch,
 *   read from /usr/share/dict.
 * - A word is kept when it is one token of letters, with apostrophes inside or at the end allowed
 *   (English and Dutch `'s`, Italian `dell'acqua`, French `entr'ouvert`) but no digits, hyphens or
 *   spaces, whose every letter has its own slot in the encoder's alphabet, and it is lower case,
 *   except in German, where a capital first letter is kept (nouns; in the other lists capitals are
 *   names and abbreviations). The encoder folds case, so the model sees lower case either way.
 * - Words spelled the same (case-folded) in two or more of the lists (`de`, `que`, `in`, `radio` …)
 *   stay in each of them: typed text is full of them, and the model must learn that they leave the
 *   language open until a more telling word comes. Their share is in the stats.
 * - Split by a hash of the case-folded word (not by list position): 80 % train, 10 % validation,
 *   10 % test. No test word is ever seen in training.
 * - A sample is 1–4 words of one language's split joined by single spaces, at most
 *   {@link MAX_CHARS} characters (whole words are dropped from the end to fit; a single longer word is
 *   cut). Half the words are drawn uniformly from the list, which is dominated by long inflected
 *   forms (`surédifieriez`); the other half first draws a length from {@link TEXT_WORD_LENGTHS}, a
 *   rough distribution of word lengths in running text, then a word of that length, so the short,
 *   frequent words of real text (`je`, `und`, `het`) are common in training as they are in typing.
 *   Now and then a word is followed by punctuation (p = 0.08) or a number is typed as a word
 *   (p = 0.03), so the encoder's "other" slot is trained too. Languages are balanced: the same number
 *   of samples each.
 */
import { readFileSync } from 'node:fs';
import { mulberry32 } from '../../src/model/random.js';
import { CharEncoder } from '../../src/features/text.js';

/** Model labels, in output order, and the Debian list each is read from. */
export const LANGUAGES = [
  { label: 'en', list: 'american-english', pkg: 'wamerican' },
  { label: 'de', list: 'ngerman', pkg: 'wngerman' },
  { label: 'fr', list: 'french', pkg: 'wfrench' },
  { label: 'es', list: 'spanish', pkg: 'wspanish' },
  { label: 'it', list: 'italian', pkg: 'witalian' },
  { label: 'pt', list: 'portuguese', pkg: 'wportuguese' },
  { label: 'nl', list: 'dutch', pkg: 'wdutch' },
] as const;
export const LABELS = LANGUAGES.map((l) => l.label);
export const MAX_CHARS = 40;
export const MAX_WORDS = 4;
const PUNCTUATION = '.,;:!?';
const PUNCTUATION_RATE = 0.08;
const NUMBER_RATE = 0.03;
/**
 * Relative frequency of word lengths 1, 2, … in running text (rounded, about right for the seven
 * languages; longer words share the last entry's weight).
 */
export const TEXT_WORD_LENGTHS = [4, 16, 17, 14, 11, 9, 8, 6, 5, 4, 3, 2, 1];
const DICT_DIR = '/usr/share/dict';

export type Split = 'train' | 'validation' | 'test';

export interface WordLists {
  /** Per language (in {@link LANGUAGES} order), per split: the words. */
  words: Record<Split, string[]>[];
  /** Per language: lines read, words kept, and how many of those are in another list too. */
  stats: { label: string; read: number; kept: number; shared: number }[];
}

/** FNV-1a over the UTF-16 code units: a stable hash for the split. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The split of a (case-folded) word. */
export function splitOf(word: string): Split {
  const r = fnv1a(word) % 10;
  return r === 0 ? 'test' : r === 1 ? 'validation' : 'train';
}

/** Reads, filters, de-duplicates and splits the lists. */
export function loadWordLists(encoder = new CharEncoder(), dictDir = DICT_DIR): WordLists {
  // Lower-case words spelled only with the alphabet's letters (its space and apostrophe excluded).
  const letters = [...encoder.alphabet].filter((ch) => /\p{L}/u.test(ch)).join('');
  const spelledOk = new RegExp(`^[${letters}]+(?:'[${letters}]*)*$`, 'u');
  const perLang = LANGUAGES.map((lang) => {
    const raw = readFileSync(`${dictDir}/${lang.list}`, 'utf8').split('\n');
    const kept = new Map<string, string>(); // folded → as listed
    for (const line of raw) {
      const w = line.trim().normalize('NFC');
      const lower = w.toLowerCase();
      if (!spelledOk.test(lower)) continue;
      const caseOk = w === lower || (lang.label === 'de' && w === lower[0]!.toUpperCase() + lower.slice(1));
      if (!caseOk) continue;
      if (!kept.has(lower)) kept.set(lower, w);
    }
    return { label: lang.label, read: raw.length, kept };
  });
  const seen = new Map<string, number>();
  for (const l of perLang) for (const w of l.kept.keys()) seen.set(w, (seen.get(w) ?? 0) + 1);
  const words: Record<Split, string[]>[] = [];
  const stats: WordLists['stats'] = [];
  for (const l of perLang) {
    const bySplit: Record<Split, string[]> = { train: [], validation: [], test: [] };
    let shared = 0;
    for (const [folded, w] of l.kept) {
      if (seen.get(folded)! > 1) shared++;
      bySplit[splitOf(folded)].push(w);
    }
    words.push(bySplit);
    stats.push({ label: l.label, read: l.read, kept: l.kept.size, shared });
  }
  return { words, stats };
}

export interface TextSample {
  text: string;
  /** Index into {@link LABELS}. */
  label: number;
}

/**
 * `perLanguage` samples of each language from one split, seeded, languages interleaved.
 */
export function makeSamples(lists: WordLists, split: Split, perLanguage: number, seed: number): TextSample[] {
  const rand = mulberry32(seed);
  const byLength = lists.words.map((bySplit) => groupByLength(bySplit[split]));
  const out: TextSample[] = [];
  for (let i = 0; i < perLanguage; i++) {
    lists.words.forEach((bySplit, label) => {
      const pool = bySplit[split];
      const n = 1 + Math.floor(rand() * MAX_WORDS);
      const words: string[] = [];
      for (let k = 0; k < n; k++) {
        let w =
          rand() < 0.5
            ? pool[Math.floor(rand() * pool.length)]!
            : pick(byLength[label]!, drawLength(rand), rand);
        if (rand() < NUMBER_RATE) w = String(Math.floor(10 ** (1 + 3 * rand())));
        if (rand() < PUNCTUATION_RATE) w += PUNCTUATION[Math.floor(rand() * PUNCTUATION.length)]!;
        words.push(w);
      }
      let text = words.join(' ');
      while (text.length > MAX_CHARS && words.length > 1) {
        words.pop();
        text = words.join(' ');
      }
      out.push({ text: [...text].slice(0, MAX_CHARS).join(''), label });
    });
  }
  return out;
}

/** Words grouped by length in characters (index = length). */
function groupByLength(words: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const w of words) (out[[...w].length] ??= []).push(w);
  return out;
}

/** A length from {@link TEXT_WORD_LENGTHS} (the last entry: 13 or longer, as 13..20). */
function drawLength(rand: () => number): number {
  const total = TEXT_WORD_LENGTHS.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < TEXT_WORD_LENGTHS.length - 1; i++) {
    r -= TEXT_WORD_LENGTHS[i]!;
    if (r < 0) return i + 1;
  }
  return TEXT_WORD_LENGTHS.length + Math.floor(rand() * 8);
}

/** A random word of `length`, or of the nearest length that has words. */
function pick(byLength: readonly (string[] | undefined)[], length: number, rand: () => number): string {
  for (let d = 0; ; d++) {
    for (const l of [length - d, length + d]) {
      const words = byLength[l];
      if (words?.length) return words[Math.floor(rand() * words.length)]!;
    }
    if (d > Math.max(length, byLength.length)) throw new Error('pick: no words');
  }
}
