/**
 * Your own keywords on the frozen speech embedding: the words, their label set and file names, and
 * how reused speech is relabelled for them. Shared by custom-train.ts and custom-evaluate.ts.
 */
import { join } from 'node:path';
import { GruStreamError } from '../../src/errors.js';
import type { StreamTruth } from '../kws/data/stream.js';
import type { EmbeddedStream } from './data-load.js';
import { EMBED_CACHE } from './eval-data.js';
import { MASKED } from './lib.js';
import { containsPhrase } from './plan.js';

/**
 * The words of `--words` ("lights on,coffee"): trimmed, lower-case, letters/apostrophes/spaces only.
 * @throws GruStreamError E_ARGUMENT naming the bad entry
 */
export function parseWords(arg: string | undefined): string[] {
  const words = (arg ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase().replace(/\s+/g, ' '))
    .filter((w) => w.length > 0);
  if (words.length === 0)
    throw new GruStreamError(
      'E_ARGUMENT',
      `--words: expected a comma-separated list such as "lights on,coffee", got '${arg ?? ''}'`,
    );
  for (const w of words) {
    if (!/^[a-z' ]+$/.test(w))
      throw new GruStreamError(
        'E_ARGUMENT',
        `--words: '${w}' has characters other than letters, spaces and apostrophes`,
      );
    if (w === 'silence' || w === 'unknown' || w === MASKED)
      throw new GruStreamError('E_ARGUMENT', `--words: '${w}' is a reserved label`);
  }
  if (new Set(words).size !== words.length)
    throw new GruStreamError('E_ARGUMENT', `--words: '${arg}' repeats a word`);
  return words;
}

/** File-name slug of a word list ("lights-on_coffee"). */
export function wordsSlug(words: readonly string[]): string {
  return words.map((w) => w.replace(/[^a-z]+/g, '-')).join('_');
}

/** Cache directory of a word list's synthesized audio. */
export function customCacheDir(words: readonly string[]): string {
  return join(EMBED_CACHE, 'custom', wordsSlug(words));
}

/**
 * A reused stream's truth for a custom word list: every utterance that says one of `words` becomes
 * {@link MASKED} (neither trained nor scored: it may be the word itself), every other keyword of the
 * ten-keyword corpus becomes 'unknown' (a non-keyword for this model).
 */
export function relabelForWords(truth: StreamTruth, words: readonly string[]): StreamTruth {
  return {
    ...truth,
    events: truth.events.map((e) => ({
      ...e,
      label: words.some((w) => containsPhrase(e.text, w))
        ? MASKED
        : e.label === 'speech'
          ? 'speech'
          : 'unknown',
    })),
  };
}

/** Reused embedded streams relabelled with {@link relabelForWords}. */
export function reuseForWords(streams: EmbeddedStream[], words: readonly string[]): EmbeddedStream[] {
  return streams.map((s) => ({ ...s, truth: relabelForWords(s.truth, words) }));
}
