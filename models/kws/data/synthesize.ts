/**
 * Synthesizes the keyword corpus: 1.015 s clips at 16 kHz of the ten keywords, 'unknown' words and
 * 'silence' (noise), spoken by espeak-ng voices split by variant into train / val / test, through sox
 * rooms and channels, with noise; then an index with each clip's label, voice and measured word
 * onset/offset.
 *
 *   npx tsx models/kws/data/synthesize.ts [--quick] [--force] [--seed 1] [--per-class 250] [--per-class-eval 40]
 *     [--unknown-factor 2] [--silence-factor 1] [--concurrency 2] [--out models/kws/.cache]
 *
 * Output: <out>/corpus/index.json and <out>/corpus/clips/<split>/<label>/<id>.wav; the noise bank in
 * <out>/noise/. Re-running reuses clips whose spec is unchanged
 * (`--force` remakes them, e.g. after a change to the rendering code). `--quick` makes a tiny corpus
 * (8 clips per keyword for train, 3 for val/test) for smoke tests.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeWav } from '../../../src/features/wav.js';
import type { ClipEntry, ClipSpec, CorpusIndex } from './corpus.js';
import { CACHE_DIR, CLIP_SAMPLES, CORPUS_FORMAT, clipSpecs, countsFor } from './corpus.js';
import { loadNoiseBank, QUICK_SEGMENT_SECONDS, SEGMENT_SECONDS } from './noise-bank.js';
import { mapPool, ProgressLine } from './progress.js';
import { renderClip } from './render.js';
import { SAMPLE_RATE } from './tools.js';
import { ACCENTS, checkAccents, listVariants, splitVoices } from './voices.js';
import { KWS_LABELS, UNKNOWN_WORDS, containsKeyword } from './words.js';

/** Fixed, so the voice split does not move when the clip seed changes. */
const SPLIT_SEED = 7;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      'per-class': { type: 'string' },
      'per-class-eval': { type: 'string' },
      'unknown-factor': { type: 'string', default: '2' },
      'silence-factor': { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '2' },
      out: { type: 'string', default: CACHE_DIR },
    },
  });
  const num = (name: string, v: string | undefined, fallback: number): number => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number ≥ 0, got ${v}`);
    return n;
  };
  const quick = values.quick;
  const seed = num('seed', values.seed, 1);
  const perTrain = num('per-class', values['per-class'], quick ? 8 : 250);
  const perEval = num('per-class-eval', values['per-class-eval'], quick ? 3 : 40);
  const concurrency = Math.max(1, num('concurrency', values.concurrency, 2));
  const out = values.out;
  const corpusDir = join(out, 'corpus');
  if (UNKNOWN_WORDS.some(containsKeyword)) throw new Error('a keyword slipped into UNKNOWN_WORDS');

  checkAccents();
  const voices = splitVoices(listVariants(), SPLIT_SEED);
  const noiseSeconds = quick ? QUICK_SEGMENT_SECONDS : SEGMENT_SECONDS;
  const specOptions = {
    seed,
    voices,
    perClass: { train: perTrain, val: perEval, test: perEval },
    unknownFactor: num('unknown-factor', values['unknown-factor'], 2),
    silenceFactor: num('silence-factor', values['silence-factor'], 1),
    noiseSeconds,
  };
  const specs = clipSpecs(specOptions);
  const start = performance.now();
  const bank = await loadNoiseBank(join(out, 'noise'), voices, seed, noiseSeconds, concurrency);

  const indexFile = join(corpusDir, 'index.json');
  const previous = new Map<string, ClipEntry>();
  if (existsSync(indexFile)) {
    for (const c of (JSON.parse(readFileSync(indexFile, 'utf8')) as CorpusIndex).clips) previous.set(c.id, c);
  }
  let reused = 0;
  const progress = new ProgressLine('clips', specs.length);
  const clips = await mapPool(specs, concurrency, async (spec): Promise<ClipEntry> => {
    const path = `clips/${spec.split}/${spec.label}/${spec.id}.wav`;
    const file = join(corpusDir, path);
    const old = previous.get(spec.id);
    if (old && !values.force && sameSpec(old, spec) && existsSync(file)) {
      reused++;
      progress.tick();
      return old;
    }
    const clip = await renderClip(spec, bank);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, writeWav(clip.samples, SAMPLE_RATE));
    progress.tick();
    return { ...spec, path, speedUsed: clip.speedUsed, onsetMs: clip.onsetMs, offsetMs: clip.offsetMs };
  });
  progress.finish();

  const index: CorpusIndex = {
    format: CORPUS_FORMAT,
    seed,
    sampleRate: SAMPLE_RATE,
    clipSamples: CLIP_SAMPLES,
    labels: KWS_LABELS,
    voiceSplit: { seed: SPLIT_SEED, accents: ACCENTS, variants: voices.variants },
    counts: countsFor(specOptions),
    clips,
  };
  mkdirSync(corpusDir, { recursive: true });
  writeFileSync(indexFile, JSON.stringify(index, null, 1));
  const bytes = clips.reduce((s, c) => s + statSync(join(corpusDir, c.path)).size, 0);
  const sec = (performance.now() - start) / 1000;
  const bySplit = Object.entries(index.counts).map(
    ([split, c]) => `${split} ${Object.values(c).reduce((a, b) => a + b, 0)}`,
  );
  const { train, val, test } = voices.variants;
  process.stdout.write(
    [
      `corpus: ${clips.length} clips (${bySplit.join(', ')}), ${(bytes / 1e6).toFixed(1)} MB, ` +
        `${sec.toFixed(1)} s with ${concurrency} at a time (${reused} reused)`,
      `voices: ${ACCENTS.length} accents × variants — train ${train.length}, val ${val.length}, test ${test.length}`,
      `  val variants: ${val.join(' ')}`,
      `  test variants: ${test.join(' ')}`,
      `index: ${indexFile}`,
    ].join('\n') + '\n',
  );
}

/** True when an index entry was made from exactly this spec. */
function sameSpec(entry: ClipEntry, spec: ClipSpec): boolean {
  return (Object.keys(spec) as (keyof ClipSpec)[]).every(
    (k) => JSON.stringify(entry[k]) === JSON.stringify(spec[k]),
  );
}

await main();
