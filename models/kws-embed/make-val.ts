/**
 * Builds the validation set (festival kd and HTS slt): a keyword stream, ≥ 30 min of keyword-free
 * speech with near misses, 60 min of noise, in models/kws-embed/.cache/val/.
 *
 *   npx tsx models/kws-embed/make-val.ts [--concurrency 2]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ProgressLine } from '../kws/data/progress.js';
import { VAL_DIR, VAL_PLAN, VALIDATION_VOICES } from './eval-data.js';
import { evalPlans } from './plan.js';
import { buildStreams } from './streams.js';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '2' } } });
const plans = evalPlans({ ...VAL_PLAN, voices: [...VALIDATION_VOICES] });
rmSync(VAL_DIR, { recursive: true, force: true });
const progress = new ProgressLine(
  'val utterances',
  plans.reduce((s, p) => s + p.utterances.length, 0),
);
const truths = await buildStreams(plans, VAL_DIR, {
  concurrency: Number(values.concurrency),
  onUtterance: () => progress.tick(),
});
progress.finish();
for (const [i, t] of truths.entries())
  process.stdout.write(
    `${plans[i]!.name}: ${(t.durationMs / 60000).toFixed(1)} min, ${t.events.length} utterances\n`,
  );
