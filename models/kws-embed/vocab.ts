/**
 * Vocabulary of the speech-embedding keyword model's corpus: near misses beyond models/kws's list, and
 * a seeded generator of keyword-free sentences (many more than the 48 fixed ones), so ≥ 30 min of
 * non-keyword speech does not repeat a handful of sentences.
 */
import { mulberry32 } from '../../src/model/random.js';
import { UNKNOWN_WORDS, containsKeyword } from '../kws/data/words.js';

/** Near misses the issue names that models/kws lacks, and a few more of the same kind. */
// prettier-ignore
const EXTRA_NEAR_MISSES = [
  'often', 'dog', 'toad', 'doe', 'tow', 'gnome', 'nod', 'yelp', 'dune', 'done',
  'rife', 'ripe', 'raft', 'honk', 'awn', 'of', 'scoff', 'stoop', 'stub', 'sob', 'goat', 'ghost',
  'oak', 'ox', 'hope', 'yup', 'pope', 'dime', 'loud', 'lofty', 'rift', 'riot', 'stove',
] as const;

/** Every single non-keyword word (near misses and ordinary words), without keyword homophones. */
export const NEGATIVE_WORDS: readonly string[] = [
  ...new Set([...UNKNOWN_WORDS, ...EXTRA_NEAR_MISSES]),
].filter((w) => !containsKeyword(w));

// prettier-ignore
const SUBJECTS = ['the teacher', 'my sister', 'our neighbour', 'a young boy', 'the old man', 'my friend', 'the doctor',
  'his mother', 'the driver', 'everyone', 'the farmer', 'her cousin', 'the manager', 'a tall woman', 'the baker',
  'my uncle', 'the students', 'the children', 'this company', 'the captain', 'the singer', 'a small dog'];
// prettier-ignore
const VERBS = ['bought', 'painted', 'found', 'cleaned', 'carried', 'visited', 'watched', 'cooked', 'borrowed', 'fixed',
  'sold', 'wanted', 'opened', 'described', 'remembered', 'forgot', 'liked', 'mentioned', 'delivered', 'ordered',
  'built', 'collected', 'measured', 'repaired', 'explained'];
// prettier-ignore
const OBJECTS = ['a red bicycle', 'the kitchen table', 'three green apples', 'an old piano', 'the garden fence',
  'a heavy suitcase', 'some fresh bread', 'the broken window', 'a long letter', 'the yellow car', 'two small boxes',
  'the library book', 'a wooden chair', 'the winter coat', 'a bag of rice', 'the little boat', 'a warm blanket',
  'the silver spoon', 'a bunch of flowers', 'the museum tickets', 'a cup of coffee', 'the family photo'];
// prettier-ignore
const TAILS = ['yesterday', 'last summer', 'this morning', 'before lunch', 'after the meeting', 'at the market',
  'in the city', 'near the station', 'with great care', 'for the party', 'every weekend', 'at midnight',
  'in the rain', 'during the holidays', 'without a word', 'for his brother', 'at the weekend', 'in a hurry', ''];
// prettier-ignore
const QUESTIONS = ['where is the nearest bakery', 'what time does the museum open', 'who painted this picture',
  'how much is a ticket to the city', 'why is the bus so late today', 'when does the concert begin',
  'which road leads to the harbour', 'can you pass me the salt', 'would you like some tea', 'is this seat free',
  'have you seen my glasses', 'could you tell me the way to the library'];

/**
 * `n` keyword-free sentences drawn with `seed`: statements (subject, verb, object, optional tail) and
 * questions, with varied punctuation (it changes the synthesizers' intonation).
 */
export function makeSentences(n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rand() * l.length)]!;
  const out: string[] = [];
  while (out.length < n) {
    let s: string;
    if (rand() < 0.2) s = `${pick(QUESTIONS)}?`;
    else {
      const tail = pick(TAILS);
      s = `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}${tail ? ` ${tail}` : ''}${pick(['.', '.', '!', ','])}`;
    }
    s = s[0]!.toUpperCase() + s.slice(1);
    // Guard an edit of the lists: a keyword in a "non-keyword" sentence would be a false "false accept".
    if (containsKeyword(s)) throw new Error(`makeSentences: '${s}' contains a keyword`);
    out.push(s);
  }
  return out;
}
