/**
 * Keyword-free continuous speech by TRAINING voices, for training the streaming model not to fire in
 * running speech (the 1-s clips only ever show one word at a time). Its sentences are its own: none of
 * them is in `SENTENCES` (data/words.ts), which make the validation and test false-accept audio, so the
 * false-accept numbers are measured on sentences the model never heard.
 *
 *   npx tsx models/kws/train-speech.ts [--seed 21] [--streams 8] [--seconds 360] [--out models/kws/.cache]
 *
 * Writes <out>/train-speech/speech-<k>.wav + .json (the kws-stream/1 ground truth: every utterance's
 * start and end): `--streams` streams of about `--seconds` each, 75% sentences and 25% single 'unknown'
 * words, each stream through one of the four channels over its own white / pink / brown noise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeWav } from '../../src/features/wav.js';
import { mulberry32 } from '../../src/model/random.js';
import { CACHE_DIR } from './data/corpus.js';
import type { ChannelName } from './data/noise-bank.js';
import { CHANNEL_NAMES } from './data/noise-bank.js';
import type { Utterance } from './data/stream.js';
import { buildStream, streamNoise } from './data/stream.js';
import { SAMPLE_RATE } from './data/tools.js';
import { checkAccents, listVariants, splitVoices } from './data/voices.js';
import { SENTENCES, UNKNOWN_WORDS, containsKeyword } from './data/words.js';

/** Same as the corpus scripts: which voices are training voices. */
const SPLIT_SEED = 7;
/**
 * Where in sox's repeatable noise sequence this audio's noise starts (s): past everything the corpus
 * (0–60), the evaluation streams (120–700) and evaluate.ts's noise (1000–1600) use.
 */
const NOISE_SKIP_SECONDS = 2000;

// prettier-ignore
export const TRAIN_SENTENCES = [
  'The market opens early every Saturday.',
  'My sister works at the hospital in town.',
  'We should paint the fence before winter.',
  'The kettle is boiling in the kitchen.',
  'A small boat was sailing across the lake.',
  'He keeps his bicycle in the garage.',
  'The soup needs a little more salt.',
  'They moved to a bigger house last year.',
  'Her grandfather tells wonderful stories.',
  'The printer in the hall is broken again.',
  'I bought fresh apples from the farmer.',
  'The baby was sleeping in the pram.',
  'Our teacher gave us homework for Monday.',
  'The lamp in the corner is very bright.',
  'Many tourists visit the castle in summer.',
  'The dentist said my teeth are fine.',
  'We watched a film about penguins.',
  'The bakery sells warm bread at seven.',
  'Please close the window when it rains.',
  'The garden is full of roses and tulips.',
  'My uncle repairs old clocks and watches.',
  'The library closes at six in the evening.',
  'She plays the violin in an orchestra.',
  'The children built a castle of sand.',
  'This road leads to the old harbour.',
  'I need a new battery for the remote.',
  'The cat chased a mouse around the barn.',
  'We had pancakes with honey for breakfast.',
  'The plane landed safely after the storm.',
  'His jacket was hanging behind the door.',
  'The museum has a famous painting of a horse.',
  'A cold wind was blowing from the north.',
  'The students are reading in the classroom.',
  'My neighbour grows potatoes and carrots.',
  'The concert tickets were very expensive.',
  'We walked through the forest for hours.',
  'The soup at this cafe is delicious.',
  'Her brother is studying medicine abroad.',
  'The tea was too hot to drink.',
  'I will call you after the meeting.',
  'The river flows past the little church.',
  'Somebody forgot an umbrella at the station.',
  'The farmer feeds the chickens every morning.',
  'This shop sells shoes and handbags.',
  'The lecture was about ancient Rome.',
  'We need eggs, butter and flour for the cake.',
  'The hotel room had a view of the sea.',
  'The dog was barking at the postman.',
  'My phone is charging in the bedroom.',
  'The weather will be sunny this weekend.',
  'A famous singer lives in that street.',
  'The bridge was closed for repairs all week.',
  'He wrote his name at the bottom of the page.',
  'The oranges in this bowl are very sweet.',
  'The mechanic fixed the brakes of my car.',
  'Our class visited a chocolate factory.',
  'The moon was shining over the hills.',
  'I usually walk to work when it is dry.',
  'The guests arrived just before dinner.',
  'There are seven days in a week.',
  'The painter mixed blue and yellow paint.',
  'My grandmother knits warm woollen socks.',
  'The bus driver waved to the children.',
  'We planted three trees in the garden.',
  'The singer thanked the audience warmly.',
  'The coffee machine makes a strange noise.',
  'A tall giraffe was eating leaves.',
  'The pharmacy is next to the bank.',
  'She keeps her diary in a drawer.',
  'The football match ended in a draw.',
  'My father cooks rice with vegetables.',
  'The train was full of happy travellers.',
  'The farmer sold us a basket of pears.',
  'The office is quiet in the afternoon.',
  'The nurse checked the patient carefully.',
  'We bought a map of the mountains.',
  'I like the smell of fresh coffee.',
  'The carpenter made a beautiful table.',
  'The lake freezes in the middle of winter.',
  'The waiter brought us a jug of water.',
  'His cousin lives near the airport.',
  'The flowers need water every day.',
  'The firemen rescued a kitten from a tree.',
  'We celebrated her birthday in the park.',
  'The shelves are full of old books.',
  'The president gave a long speech.',
  'The sheep were grazing in the field.',
  'I lost my glasses at the beach.',
  'The restaurant serves fish and chips.',
  'The sky was grey and full of clouds.',
] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '21' },
      streams: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '360' },
      out: { type: 'string', default: CACHE_DIR },
      concurrency: { type: 'string', default: '2' },
    },
  });
  const seed = Number(values.seed);
  const streams = Number(values.streams);
  const seconds = Number(values.seconds);
  const concurrency = Math.max(1, Number(values.concurrency));
  const overlap = TRAIN_SENTENCES.filter((s) => (SENTENCES as readonly string[]).includes(s));
  if (overlap.length > 0)
    throw new Error(`training sentences also in the evaluation set: ${overlap.join(' | ')}`);
  const withKeyword = TRAIN_SENTENCES.filter(containsKeyword);
  if (withKeyword.length > 0)
    throw new Error(`training sentences with a keyword: ${withKeyword.join(' | ')}`);
  checkAccents();
  const voices = splitVoices(listVariants(), SPLIT_SEED).voices.train;
  const dir = join(String(values.out), 'train-speech');
  mkdirSync(dir, { recursive: true });
  const start = performance.now();
  const kinds = ['white', 'pink', 'brown'] as const;
  for (let k = 0; k < streams; k++) {
    const rand = mulberry32(seed * 1000 + k);
    const between = (lo: number, hi: number): number => Math.round(lo + (hi - lo) * rand());
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const channel: ChannelName = CHANNEL_NAMES[k % CHANNEL_NAMES.length]!;
    const plan: Utterance[] = [];
    for (let ms = 0; ms < seconds * 1000;) {
      const sentence = rand() < 0.75;
      const u: Utterance = {
        label: sentence ? 'speech' : 'unknown',
        text: sentence ? pick(TRAIN_SENTENCES) : pick(UNKNOWN_WORDS),
        voice: pick(voices),
        speed: between(130, 210),
        pitch: between(25, 75),
        reverb:
          rand() < 0.3
            ? { reverberance: between(10, 50), hfDamping: 50, roomScale: between(10, 60), preDelayMs: 5 }
            : null,
        gapMs: between(150, 1500),
        levelDb: between(-30, -4),
      };
      plan.push(u);
      ms += u.gapMs + (sentence ? 1900 : 450);
    }
    const noiseDb = between(-60, -35);
    const kind = kinds[k % kinds.length]!;
    const noise = await streamNoise(kind, 60, noiseDb, channel, NOISE_SKIP_SECONDS + 60 * k);
    const s = await buildStream(plan, channel, noise, `${kind} noise at ${noiseDb} dBFS RMS`, concurrency);
    const path = join(dir, `speech-${k}`);
    writeFileSync(`${path}.wav`, writeWav(s.audio, SAMPLE_RATE));
    writeFileSync(`${path}.json`, JSON.stringify(s.truth, null, 1));
    process.stderr.write(
      `${path}.wav: ${(s.truth.durationMs / 1000).toFixed(0)} s, ${plan.length} utterances, ${channel}, ${s.truth.noise}\n`,
    );
  }
  process.stdout.write(
    `train-speech: ${streams} streams in ${((performance.now() - start) / 1000).toFixed(1)} s\n`,
  );
}

await main();
