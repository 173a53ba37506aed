/**
 * Turns the synthesized corpus into feature tensors with the same LogMelFrontEnd the worker runs:
 * one [T = 100, F = 40] log-mel array per clip, plus a training weight per frame.
 *
 * Weights follow the streaming task: the model sees a clip frame by frame with its state carried, and
 * can only know a keyword once it has heard it. So a keyword clip's frames count (weight 1) from the
 * first frame whose window reaches the word's offset, and not before (weight `--keyword-before`,
 * default 0). 'unknown' frames before the offset get a small weight (`--unknown-before`, default 0.1):
 * "not a keyword yet" is the right answer there, but noise before the word is also 'silence'.
 * 'silence' frames all count (`--silence`, default 1).
 *
 *   npx tsx models/kws/data/features.ts [--splits train,val,test] [--dir models/kws/.cache]
 *
 * Reads <dir>/corpus/index.json, writes <dir>/features-<split>.{bin,json}; the training split's
 * per-feature mean/std go into every header as `norm`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LogMelFrontEnd } from '../../../src/features/log-mel.js';
import type { FeatureNorm } from '../../../src/features/normalize.js';
import { FeatureStats } from '../../../src/features/normalize.js';
import { parseWav, resample, toMono } from '../../../src/features/wav.js';
import type { CorpusIndex } from './corpus.js';
import { CACHE_DIR, CORPUS_FORMAT } from './corpus.js';
import type { FeatureClip, FeatureHeader } from './feature-file.js';
import { FEATURES_FORMAT, writeFeatureSplit } from './feature-file.js';
import { ProgressLine } from './progress.js';
import type { Split } from './voices.js';
import { SPLITS, voiceName } from './voices.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: CACHE_DIR },
      splits: { type: 'string', default: SPLITS.join(',') },
      'keyword-before': { type: 'string', default: '0' },
      'unknown-before': { type: 'string', default: '0.1' },
      silence: { type: 'string', default: '1' },
    },
  });
  const dir = values.dir;
  const weighting = {
    keywordBefore: Number(values['keyword-before']),
    unknownBefore: Number(values['unknown-before']),
    silence: Number(values.silence),
  };
  const splits = values.splits.split(',') as Split[];
  for (const s of splits) if (!SPLITS.includes(s)) throw new Error(`--splits: unknown split '${s}'`);
  const corpusDir = join(dir, 'corpus');
  const index = JSON.parse(readFileSync(join(corpusDir, 'index.json'), 'utf8')) as CorpusIndex;
  if (index.format !== CORPUS_FORMAT)
    throw new Error(`corpus index format ${index.format}, expected ${CORPUS_FORMAT}`);

  const fe = new LogMelFrontEnd();
  const T = fe.framesFor(index.clipSamples);
  const F = fe.melBins;
  const start = performance.now();
  let norm: FeatureNorm | undefined;
  // Training first: its statistics are the normalisation of every split.
  const order = [...splits].sort((a, b) => SPLITS.indexOf(a) - SPLITS.indexOf(b));
  if (!order.includes('train'))
    throw new Error('--splits must include train (its statistics normalise all splits)');
  for (const split of order) {
    const clips = index.clips.filter((c) => c.split === split);
    const features = new Float32Array(clips.length * T * F);
    const weights = new Float32Array(clips.length * T);
    const meta: FeatureClip[] = [];
    const progress = new ProgressLine(`features ${split}`, clips.length);
    for (const [i, clip] of clips.entries()) {
      const wav = parseWav(readFileSync(join(corpusDir, clip.path)));
      let x = toMono(wav.channels);
      if (wav.sampleRate !== fe.sampleRate) x = resample(x, wav.sampleRate, fe.sampleRate);
      fe.reset();
      const got = fe.push(x);
      if (got !== T)
        throw new Error(`${clip.path}: ${got} frames, expected ${T} (clip of ${x.length} samples)`);
      fe.pull(features.subarray(i * T * F, (i + 1) * T * F));

      const labelIndex = index.labels.indexOf(clip.label);
      const toSample = (ms: number): number => Math.round((ms / 1000) * fe.sampleRate);
      const onsetFrame = clip.onsetMs === null ? null : Math.floor(toSample(clip.onsetMs) / fe.hopLength);
      const offsetFrame =
        clip.offsetMs === null
          ? null
          : Math.max(0, Math.ceil((toSample(clip.offsetMs) - fe.windowLength) / fe.hopLength));
      const before =
        clip.label === 'silence'
          ? weighting.silence
          : clip.label === 'unknown'
            ? weighting.unknownBefore
            : weighting.keywordBefore;
      const after = clip.label === 'silence' ? weighting.silence : 1;
      for (let t = 0; t < T; t++)
        weights[i * T + t] = offsetFrame === null || t >= offsetFrame ? after : before;
      meta.push({
        id: clip.id,
        label: clip.label,
        labelIndex,
        word: clip.word,
        voice: voiceName(clip.voice),
        onsetFrame,
        offsetFrame,
      });
      progress.tick();
    }
    progress.finish();
    if (split === 'train') {
      const stats = new FeatureStats(F);
      stats.add(features);
      norm = stats.finish();
    }
    const featureBytes = features.byteLength;
    const header: FeatureHeader = {
      format: FEATURES_FORMAT,
      split,
      count: clips.length,
      frames: T,
      melBins: F,
      featureSpec: fe.featureSpec(),
      frontEnd: {
        fftSize: fe.fftSize,
        fMin: fe.fMin,
        fMax: fe.fMax,
        logFloor: fe.logFloor,
        preEmphasis: fe.preEmphasis,
      },
      labels: index.labels,
      layout: { features: 0, weights: featureBytes, bytes: featureBytes + weights.byteLength },
      norm: norm!,
      weighting,
      clips: meta,
    };
    writeFeatureSplit(dir, header, features, weights);
  }
  const sec = (performance.now() - start) / 1000;
  process.stdout.write(
    `features: ${order.join(', ')} in ${sec.toFixed(1)} s → ${join(dir, 'features-<split>.{bin,json}')}\n`,
  );
}

await main();
