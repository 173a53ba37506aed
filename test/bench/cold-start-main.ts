/**
 * Only the cold-start part of `npm run bench`: Node (fresh process, prebuilt dist worker) and
 * Chromium (fresh page, the built classic worker), createEngine() → ready → first prediction, with
 * the targets of issue 10 (≤ 300 ms Node, ≤ 500 ms Chromium, medians). Prints the two tables.
 *
 *   npm run bench:cold-start [-- --runs N]   (default 7 Node, 5 Chromium)
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { HIDDEN_SIZES } from './bench-models.js';
import { startChromiumBench } from './browser/chromium.js';
import { summarizeColdStart } from './cold-start.js';
import type { ColdStartSample } from './cold-start.js';
import { benchWorkers, nodeColdStarts } from './node-engines.js';
import { printColdStart } from './report.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const runs = values.runs === undefined ? undefined : Number(values.runs);
const H = HIDDEN_SIZES[0];

console.error(`cold start: building the workers (load average ${loadavg()[0]!.toFixed(1)})`);
const { nodeWorker } = await benchWorkers();
console.error(`cold start: Node, ${runs ?? 7} fresh processes`);
const node = summarizeColdStart(
  'prebuilt dist node-worker.js, fresh process',
  await nodeColdStarts(H, nodeWorker, runs ?? 7),
);
printColdStart('Cold start, Node', [{ hidden: H, ...node }]);

console.error(`cold start: Chromium, ${runs ?? 5} fresh pages`);
const bench = await startChromiumBench();
const samples: ColdStartSample[] = [];
try {
  for (let k = 0; k < (runs ?? 5); k++) {
    await bench.reload();
    samples.push(await bench.call('coldStart', bench.setup(H)));
  }
} finally {
  await bench.close();
}
const chromium = summarizeColdStart(`classic Web Worker, fresh page (Chromium ${bench.version})`, samples);
printColdStart('Cold start, Chromium', [{ hidden: H, ...chromium }]);
console.log(
  `\nload average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
);
console.log(
  `targets: Node ≤ 300 ms: ${node.totalMs.toFixed(0)} ms (${node.totalMs <= 300 ? 'met' : 'MISSED'}); ` +
    `Chromium ≤ 500 ms: ${chromium.totalMs.toFixed(0)} ms (${chromium.totalMs <= 500 ? 'met' : 'MISSED'})`,
);
