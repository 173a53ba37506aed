/**
 * Builds the training streams (espeak-ng training voices of models/kws's split, augmented) in
 * models/kws-embed/.cache/train/, or with `--synth sam` the same recipe spoken by SAM voices
 * (sam-voices.ts) in models/kws-embed/.cache/train-sam/.
 *
 *   npx tsx models/kws-embed/make-train.ts [--streams 220] [--stream-seconds 60] [--seed 1] [--concurrency 2]
 *     [--synth espeak|sam] [--sam-voices 48] [--out DIR]
 */
import { parseArgs } from 'node:util';
import { ProgressLine } from '../kws/data/progress.js';
import { checkAccents, listVariants, splitVoices } from '../kws/data/voices.js';
import { EMBED_CACHE, TRAIN_DIR } from './eval-data.js';
import { trainPlans } from './plan.js';
import { samVoices } from './sam-voices.js';
import { buildStreams } from './streams.js';

/** models/kws's voice split seed: the same espeak-ng training variants. */
const SPLIT_SEED = 7;

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '220' },
    'stream-seconds': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '2' },
    out: { type: 'string' },
    synth: { type: 'string', default: 'espeak' },
    'sam-voices': { type: 'string', default: '48' },
  },
});
if (values.synth !== 'espeak' && values.synth !== 'sam')
  throw new Error(`--synth: expected espeak or sam, got ${values.synth}`);
const sam = values.synth === 'sam';
const out = values.out ?? (sam ? `${EMBED_CACHE}train-sam` : TRAIN_DIR);
checkAccents();
// Training voices only: models/kws's validation and test espeak-ng variants stay unheard here too.
const voices = splitVoices(listVariants(), SPLIT_SEED).voices.train;
const plans = trainPlans({
  streams: Number(values.streams),
  streamMs: 1000 * Number(values['stream-seconds']),
  seed: Number(values.seed),
  voices,
  noiseOnly: sam ? 0 : 0.06,
  speakers: sam
    ? samVoices(Number(values['sam-voices'])).map((params) => ({ engine: 'sam' as const, params }))
    : undefined,
});
const progress = new ProgressLine(
  'train utterances',
  plans.reduce((s, p) => s + p.utterances.length, 0),
);
const truths = await buildStreams(plans, out, {
  concurrency: Number(values.concurrency),
  onUtterance: () => progress.tick(),
});
progress.finish();
const minutes = truths.reduce((s, t) => s + t.durationMs, 0) / 60000;
const kw = truths.reduce(
  (s, t) => s + t.events.filter((e) => e.label !== 'unknown' && e.label !== 'speech').length,
  0,
);
process.stdout.write(
  `train: ${truths.length} streams, ${minutes.toFixed(1)} min, ${kw} keyword utterances\n`,
);
