/**
 * The keyword task's labels and vocabularies: the ten keywords, the words that make up 'unknown', and
 * keyword-free sentences for false-accept measurement.
 */

/** The ten keywords, in label order. */
export const KEYWORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'] as const;

/**
 * The 12 labels: the ten keywords, then 'silence' and 'unknown'. Not the model's output order:
 * OUTPUT_LABELS (kws-lib.ts) puts 'silence' and 'unknown' first.
 */
export const KWS_LABELS = [...KEYWORDS, 'silence', 'unknown'] as const;

export type KwsLabel = (typeof KWS_LABELS)[number];

/**
 * Near misses: words that share most of their sound with a keyword. Words that *start* with a
 * keyword's full sound ("going", "nobody", "upper", "offer", "stopped") are left out on purpose: a
 * streaming detector may rightly fire on their first syllable, so they would be label noise.
 */
// prettier-ignore
const NEAR_MISS_WORDS = [
  // yes
  'yet', 'yell', 'yeah', 'less', 'guess', 'mess', 'chess', 'dress',
  // no
  'knot', 'now', 'note', 'nose', 'snow', 'new', 'knee',
  // up
  'cup', 'pup', 'hop', 'cut', 'shut', 'hope',
  // down
  'town', 'brown', 'done', 'gown', 'clown', 'dawn', 'crown',
  // left
  'lift', 'loft', 'lest', 'laughed', 'theft', 'felt',
  // right
  'wrote', 'light', 'bright', 'night', 'ride', 'white', 'fight', 'rice',
  // on
  'in', 'an', 'own', 'one', 'gone', 'john',
  // off
  'of', 'cough', 'if', 'golf', 'oft',
  // stop
  'top', 'shop', 'step', 'stock', 'spot', 'drop', 'stomp', 'start',
  // go
  'goal', 'gold', 'low', 'show', 'so', 'toe', 'grow', 'though',
] as const;

/** Ordinary words: the Speech Commands auxiliary words and everyday vocabulary. */
// prettier-ignore
const OTHER_WORDS = [
  'bed', 'bird', 'cat', 'dog', 'happy', 'house', 'marvin', 'sheila', 'tree', 'wow',
  'zero', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'backward', 'forward', 'follow', 'learn', 'visual',
  'apple', 'water', 'window', 'table', 'music', 'paper', 'morning', 'green', 'blue', 'red',
  'orange', 'chair', 'phone', 'computer', 'river', 'mountain', 'sugar', 'garden', 'yellow', 'purple',
  'kitchen', 'doctor', 'pencil', 'coffee', 'family', 'number', 'monkey', 'banana', 'weather', 'little',
  'thank', 'please', 'hello', 'maybe', 'never', 'always', 'something', 'open', 'close', 'slow',
  'fast', 'big', 'small', 'friend', 'summer', 'winter', 'bottle', 'camera', 'dinner', 'letter',
  'minute', 'people', 'question', 'station', 'travel', 'umbrella', 'village', 'wonderful', 'zebra', 'basket',
] as const;

/** Every word of the 'unknown' class. */
export const UNKNOWN_WORDS: readonly string[] = [...NEAR_MISS_WORDS, ...OTHER_WORDS];

/**
 * Keyword-free sentences for long false-accept audio. {@link containsKeyword} checks them in a test of
 * the scripts (run at start-up), so an edit cannot slip a keyword in.
 */
export const SENTENCES = [
  'The weather looks nice this afternoon.',
  'Please bring me a glass of water.',
  'My brother bought a new bicycle last week.',
  'The train to the city leaves at seven.',
  'We had pasta and salad for dinner.',
  'Can you tell me the way to the station?',
  'The children are playing in the garden.',
  'I think the meeting starts at nine.',
  'She reads a book every evening.',
  'The coffee in this place is very good.',
  'Put the blue box next to the window.',
  'Our neighbours have a small brown dog.',
  'The museum is closed for repairs.',
  'He forgot his umbrella at the office.',
  'Tell me when you are ready.',
  'The river was cold and very clear.',
  'They painted the kitchen yellow.',
  'It rained all night in the mountains.',
  'The doctor will see you in a minute.',
  'Thank you for the lovely flowers.',
  'I would like a cup of tea, please.',
  'The music was too loud for the baby.',
  'We walked along the beach at sunset.',
  'The shop sells fresh bread and cheese.',
  'My phone battery is almost empty.',
  'The library has thousands of old maps.',
  'Turn the page and read the question.',
  'A bird was singing outside the window.',
  'The bus was late again this morning.',
  'Everyone enjoyed the concert in the park.',
  'She wrote a letter to her grandmother.',
  'The computer needs a new keyboard.',
  'Seven people came to the party.',
  'The cat is sleeping under the table.',
  'We need more paper for the printer.',
  'The kitchen smells of fresh cinnamon.',
  'His garden is full of tomatoes.',
  'This winter was longer than the last.',
  'The pilot spoke to the passengers.',
  'The village has a small bakery.',
  'Tomorrow we visit the zoo with the kids.',
  'The price of milk is higher this year.',
  'I lost my keys somewhere in the house.',
  'The teacher asked a difficult question.',
  'There is a festival in the city this weekend.',
  'He plays the piano every Sunday.',
  'The bridge was built a century ago.',
  'Fresh fruit is good for your health.',
] as const;

/**
 * Words that espeak-ng speaks exactly as a keyword (same phonemes: `espeak-ng -x know` and `no` both
 * give n'oU, `write` and `right` r'aIt): the same audio cannot be 'unknown' in one clip and a keyword
 * in another, nor a false accept in keyword-free speech.
 */
const KEYWORD_HOMOPHONES = ['know', 'write', 'rite', 'wright'] as const;

/** True when `text` contains one of the keywords, or a word spoken exactly like one, as a whole word. */
export function containsKeyword(text: string): boolean {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  return words.some(
    (w) =>
      (KEYWORDS as readonly string[]).includes(w) || (KEYWORD_HOMOPHONES as readonly string[]).includes(w),
  );
}
