/**
 * Builds the training streams (espeak-ng training voices of models/kws's split, augmented) in
 * models/kws-embed/.cache/train/.
 *
 *   npx tsx models/kws-embed/make-train.ts [--streams 220] [--stream-seconds 60] [--seed 1] [--concurrency 2]
 */
import { parseArgs } from 'node:util';
import { ProgressLine } from '../kws/data/progress.js';
import { checkAccents, listVariants, splitVoices } from '../kws/data/voices.js';
import { TRAIN_DIR } from './eval-data.js';
import { trainPlans } from './plan.js';
import { buildStreams } from './streams.js';

/** models/kws's voice split seed: the same espeak-ng training variants. */
const SPLIT_SEED = 7;

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '220' },
    'stream-seconds': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '2' },
    out: { type: 'string', default: TRAIN_DIR },
  },
});
checkAccents();
// Training voices only: models/kws's validation and test espeak-ng variants stay unheard here too.
const voices = splitVoices(listVariants(), SPLIT_SEED).voices.train;
const plans = trainPlans({
  streams: Number(values.streams),
  streamMs: 1000 * Number(values['stream-seconds']),
  seed: Number(values.seed),
  voices,
  noiseOnly: 0.06,
});
const progress = new ProgressLine(
  'train utterances',
  plans.reduce((s, p) => s + p.utterances.length, 0),
);
const truths = await buildStreams(plans, values.out, {
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
