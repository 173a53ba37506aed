/**
 * The text model's data recipe on tiny stand-in word lists: which words are kept, that shared words
 * are dropped, that the split is disjoint and stable, and the shape of the typed-text samples.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LABELS, LANGUAGES, loadWordLists, makeSamples, MAX_CHARS, splitOf } from '../../models/text/data.js';

const LISTS: Record<string, string[]> = {
  en: ['house', "house's", 'Paris', 'NASA', 'e-mail', 'radio', 'walking', 'x2', "'tis"],
  de: ['Haus', 'HAUS', 'gehen', 'Straße', 'radio', 'Fußgängerübergänge'],
  fr: ['maison', 'été', "entr'ouvert", 'Radio', 'ordinateur'],
  es: ['casa', 'niño', 'radio'],
  it: ['casa', "dell'acqua", 'città'],
  pt: ['coração', 'cidade'],
  nl: ['huis', 'ijsje', 'fiets'],
};

function fakeDictDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dict-'));
  for (const l of LANGUAGES) writeFileSync(join(dir, l.list), `${LISTS[l.label]!.join('\n')}\n`);
  return dir;
}

describe('text data recipe', () => {
  const lists = loadWordLists(undefined, fakeDictDir());
  const all = (i: number): string[] => Object.values(lists.words[i]!).flat().sort();

  it('keeps lower-case words (German: also capitalised nouns), with inner or final apostrophes', () => {
    expect(all(0)).toEqual(["house's", 'house', 'radio', 'walking'].sort()); // no names, acronyms, hyphens, digits
    expect(all(1)).toEqual(['Fußgängerübergänge', 'Haus', 'Straße', 'gehen', 'radio'].sort());
    expect(all(2)).toEqual(["entr'ouvert", 'maison', 'ordinateur', 'été'].sort()); // 'Radio' is not lower case
    expect(all(4)).toEqual(['casa', "dell'acqua", 'città'].sort());
  });

  it('keeps words spelled the same in two lists in both, and counts them', () => {
    expect(all(3)).toEqual(['casa', 'niño', 'radio']);
    expect(lists.stats[3]).toEqual({ label: 'es', read: 4, kept: 3, shared: 2 }); // casa (it), radio (en, de)
    expect(lists.stats[2]).toMatchObject({ kept: 4, shared: 0 });
  });

  it('splits by a hash of the word: stable, disjoint, about 80/10/10', () => {
    for (const bySplit of lists.words) {
      for (const [split, words] of Object.entries(bySplit)) {
        for (const w of words) expect(splitOf(w.toLowerCase())).toBe(split);
      }
    }
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 20_000; i++) counts[splitOf(`w${i}`)]++;
    expect(counts.train / 20_000).toBeCloseTo(0.8, 1);
    expect(counts.test / 20_000).toBeCloseTo(0.1, 1);
  });

  it('makes seeded, balanced samples of 1–4 words of one language, at most 40 characters', () => {
    const train = makeSamples(lists, 'train', 200, 5);
    expect(makeSamples(lists, 'train', 200, 5)).toEqual(train);
    expect(train).toHaveLength(200 * LABELS.length);
    for (let k = 0; k < LABELS.length; k++) expect(train.filter((s) => s.label === k)).toHaveLength(200);
    const words = (i: number): Set<string> => new Set(lists.words[i]!.train);
    // Lengths are drawn too: with these tiny lists, short words are picked far more often than 1/n.
    for (const s of train) {
      expect([...s.text].length).toBeLessThanOrEqual(MAX_CHARS);
      const tokens = s.text.split(' ');
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.length).toBeLessThanOrEqual(4);
      // Every token is a word of its language, a number, or one of them with punctuation after it.
      for (const t of tokens) {
        const w = t.replace(/[.,;:!?]$/, '');
        if (!/^\d+$/.test(w)) expect(words(s.label).has(w) || [...w].length === MAX_CHARS).toBe(true);
      }
    }
    expect(train.some((s) => /[.,;:!?]/.test(s.text))).toBe(true);
  });
});
