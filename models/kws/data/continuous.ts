/**
 * Long evaluation audio spoken only by held-out voices (test split; `--split val` makes the same kind
 * of audio from validation voices in <out>/continuous-val/, for calibrating the detector):
 *   (a) keyword-stream.wav: ~5 min, every keyword 10 times among 'unknown' words and pauses over noise,
 *       with keyword-stream.json (label, text, voice, start/end ms of every utterance);
 *   (b) non-keyword.wav: ~10 min of keyword-free sentences and 'unknown' words (near misses included)
 *       over brown noise through a 100 Hz – 4 kHz channel, for false accepts per hour, with non-keyword.json.
 * With `--samples`, also the small bundled test audio in models/kws/samples/:
 *   keywords-heldout.wav (+ .json): ~10 s, five keywords and two other words by one held-out voice;
 *   noise.wav: 5 s of noise.
 *
 *   npx tsx models/kws/data/continuous.ts [--samples] [--quick] [--seed 11] [--out models/kws/.cache]
 *     [--split test|val] [--keyword-repeats N] [--non-keyword-seconds S]
 *
 * `--quick` shortens (b) to 30 s. Defaults: test 10 repeats of each keyword and 600 s of (b); val 6
 * repeats and 1,200 s, drawn with seed + 1000. Everything is seeded; the voices come from the same split as the corpus.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeWav } from '../../../src/features/wav.js';
import { mulberry32 } from '../../../src/model/random.js';
import { CACHE_DIR, SAMPLES_DIR } from './corpus.js';
import type { StreamTruth, Utterance } from './stream.js';
import { buildStream, streamNoise } from './stream.js';
import { SAMPLE_RATE } from './tools.js';
import type { Voice } from './voices.js';
import { checkAccents, listVariants, splitVoices } from './voices.js';
import { KEYWORDS, SENTENCES, UNKNOWN_WORDS, containsKeyword } from './words.js';

/** Same as synthesize.ts: the corpus and these streams must agree on which voices are held out. */
const SPLIT_SEED = 7;
/** Seconds of sox's repeatable noise to skip: past everything the noise bank uses (60 s). */
const NOISE_SKIP_SECONDS = 120;

/** Seeded choices for one plan; each plan has its own, so changing one leaves the others as they were. */
class Draw {
  private readonly rand: () => number;
  constructor(
    seed: number,
    private readonly voices: Voice[],
  ) {
    this.rand = mulberry32(seed);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  between(lo: number, hi: number): number {
    return Math.round(lo + (hi - lo) * this.rand());
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)]!;
  }
  shuffle<T>(list: readonly T[]): T[] {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** An utterance by a random held-out voice (or `voice`), speed, pitch, level, reverb in 30% of cases. */
  utterance(label: string, text: string, gapMs: number, voice?: Voice): Utterance {
    return {
      label,
      text,
      voice: voice ?? this.pick(this.voices),
      speed: this.between(140, 200),
      pitch: this.between(30, 70),
      reverb: this.chance(0.3)
        ? {
            reverberance: this.between(10, 50),
            hfDamping: 50,
            roomScale: this.between(10, 60),
            preDelayMs: 5,
          }
        : null,
      gapMs,
      levelDb: this.between(-16, -4),
    };
  }
}

/** (a) Every keyword `repeats` times (~30 s per repeat), shuffled; an 'unknown' word after most of them. */
function keywordStreamPlan(d: Draw, repeats: number): Utterance[] {
  const all = Array.from({ length: repeats }, () => [...KEYWORDS]).flat();
  return d.shuffle(all).flatMap((kw) => {
    const u = [d.utterance(kw, kw, d.between(900, 2400))];
    if (d.chance(0.7)) u.push(d.utterance('unknown', d.pick(UNKNOWN_WORDS), d.between(700, 1800)));
    return u;
  });
}

/** (b) Keyword-free speech: 70% sentences, 30% single 'unknown' words, about `targetMs` long. */
function nonKeywordPlan(d: Draw, targetMs: number): Utterance[] {
  const plan: Utterance[] = [];
  for (let ms = 0; ms < targetMs;) {
    const sentence = d.chance(0.7);
    const u = sentence
      ? d.utterance('speech', d.pick(SENTENCES), d.between(300, 1500))
      : d.utterance('unknown', d.pick(UNKNOWN_WORDS), d.between(300, 1500));
    plan.push(u);
    // Measured means at these speeds: a sentence about 1.8 s, a word 0.45 s.
    ms += u.gapMs + (sentence ? 1800 : 450);
  }
  return plan;
}

/** The bundled sample: five keywords and two near/other words by one held-out voice, dry, at −6 dBFS. */
function samplePlan(d: Draw, testVoices: Voice[]): Utterance[] {
  // As natural-sounding a held-out voice as the test split has.
  const preferred = ['david', 'ed', 'linda', 'belinda', 'Andy', 'rob', 'm1', 'm2', 'f1', 'f2'];
  const us = testVoices.filter((v) => v.accent === 'en-us');
  const voice = preferred.map((p) => us.find((v) => v.variant === p)).find((v) => v) ?? us[0]!;
  const words = [
    ['yes', 'yes'],
    ['unknown', 'cat'],
    ['left', 'left'],
    ['stop', 'stop'],
    // 'now', not 'know' (spoken exactly as 'no'); same length for this voice, so the file keeps its timing.
    ['unknown', 'now'],
    ['down', 'down'],
    ['go', 'go'],
  ] as const;
  return words.map(([label, text]) => ({
    ...d.utterance(label, text, 900, voice),
    reverb: null,
    levelDb: -6,
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      samples: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '11' },
      out: { type: 'string', default: CACHE_DIR },
      concurrency: { type: 'string', default: '2' },
      split: { type: 'string', default: 'test' },
      'keyword-repeats': { type: 'string' },
      'non-keyword-seconds': { type: 'string' },
    },
  });
  const split = values.split;
  if (split !== 'test' && split !== 'val') throw new Error(`--split: expected test or val, got '${split}'`);
  if (values.samples && split !== 'test')
    throw new Error('--samples: the bundled samples are test voices only');
  // Validation streams draw their own plan (another seed), not the test plan with other voices.
  const seed = Number(values.seed) + (split === 'val' ? 1000 : 0);
  const repeats = Number(values['keyword-repeats'] ?? (split === 'val' ? 6 : 10));
  const nonKeywordMs =
    1000 * Number(values['non-keyword-seconds'] ?? (values.quick ? 30 : split === 'val' ? 1200 : 600));
  if (!(Number.isInteger(repeats) && repeats >= 1 && nonKeywordMs > 0))
    throw new Error('--keyword-repeats: expected an integer ≥ 1; --non-keyword-seconds: expected > 0');
  const concurrency = Math.max(1, Number(values.concurrency));
  if (SENTENCES.some(containsKeyword)) throw new Error('a keyword slipped into SENTENCES');
  checkAccents();
  const voiceSplit = splitVoices(listVariants(), SPLIT_SEED).voices;
  const testVoices = voiceSplit.test;
  const streamVoices = voiceSplit[split];
  const dir = join(values.out, split === 'test' ? 'continuous' : `continuous-${split}`);
  mkdirSync(dir, { recursive: true });
  const save = (path: string, audio: Float32Array, truth: StreamTruth): void => {
    writeFileSync(`${path}.wav`, writeWav(audio, SAMPLE_RATE));
    writeFileSync(`${path}.json`, JSON.stringify(truth, null, 1));
    const keywords = truth.events.filter((e) => (KEYWORDS as readonly string[]).includes(e.label)).length;
    process.stdout.write(
      `${path}.wav: ${(truth.durationMs / 1000).toFixed(1)} s, ${truth.events.length} utterances (${keywords} keywords)\n`,
    );
  };
  const start = performance.now();

  // Validation audio takes its noise from further along sox's sequence: no samples shared with test.
  const skip = NOISE_SKIP_SECONDS + (split === 'val' ? 400 : 0);
  const noiseA = await streamNoise('pink', 90, -45, 'wide', skip);
  const a = await buildStream(
    keywordStreamPlan(new Draw(seed, streamVoices), repeats),
    'wide',
    noiseA,
    'pink noise at −45 dBFS RMS',
    concurrency,
  );
  save(join(dir, 'keyword-stream'), a.audio, a.truth);

  // 60 s of noise, repeated under the 10 minutes.
  const noiseB = await streamNoise('brown', 60, -42, 'band', skip + 90);
  const planB = nonKeywordPlan(new Draw(seed + 1, streamVoices), nonKeywordMs);
  const b = await buildStream(
    planB,
    'band',
    noiseB,
    'brown noise at −42 dBFS RMS, 100 Hz – 4 kHz channel',
    concurrency,
  );
  save(join(dir, 'non-keyword'), b.audio, b.truth);

  if (values.samples) {
    const noiseS = await streamNoise('pink', 10, -45, 'wide', NOISE_SKIP_SECONDS + 150);
    const s = await buildStream(
      samplePlan(new Draw(seed + 2, testVoices), testVoices),
      'wide',
      noiseS,
      'pink noise at −45 dBFS RMS',
      concurrency,
    );
    mkdirSync(SAMPLES_DIR, { recursive: true });
    save(join(SAMPLES_DIR, 'keywords-heldout'), s.audio, s.truth);
    const noise = await streamNoise('pink', 5, -35, 'wide', NOISE_SKIP_SECONDS + 160);
    writeFileSync(join(SAMPLES_DIR, 'noise.wav'), writeWav(noise, SAMPLE_RATE));
    process.stdout.write(`${join(SAMPLES_DIR, 'noise.wav')}: 5.0 s pink noise at −35 dBFS RMS\n`);
  }
  process.stdout.write(`continuous: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
}

await main();
