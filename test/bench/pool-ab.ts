/**
 * A/B helper for the pool's end-to-end cost (issue 11): one short measurement of a 2-worker pool
 * (or one engine with `--engine`) at hidden size H, 1,000 streams × 1 frame per chunk (the driver of
 * `throughput.ts`), printing one JSON line: steps/s, process CPU µs per stream-step (all threads),
 * and the load average. Run it alternately from two checkouts to compare code versions in
 * interleaved rounds on a shared machine.
 *
 *   npx tsx test/bench/pool-ab.ts [--h 64] [--engine] [--ms 2000] [--repeats 3] [--label NAME]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createEnginePool } from '../../src/client/pool-node.js';
import { benchWorkers, modelPaths, startNodeEngine } from './node-engines.js';
import { threadCpuSnapshot } from './thread-cpu.js';
import { measureThroughput } from './throughput.js';

const { values } = parseArgs({
  options: {
    h: { type: 'string', default: '64' },
    engine: { type: 'boolean', default: false },
    ms: { type: 'string', default: '2000' },
    repeats: { type: 'string', default: '3' },
    label: { type: 'string', default: '' },
    pool: { type: 'string', default: '{}' },
  },
});
const H = Number(values.h);
const { nodeWorker } = await benchWorkers();
const engine = values.engine
  ? await startNodeEngine(H)
  : await createEnginePool({
      models: modelPaths(H),
      workerUrl: nodeWorker,
      workers: 2,
      ...(JSON.parse(values.pool) as object),
    });
/** Main thread and whole-process CPU seconds at each probe (start and end of every repeat). */
const marks: { main: number; total: number }[] = [];
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  const threads = threadCpuSnapshot();
  marks.push({
    main: threads?.get(process.pid) ?? NaN,
    total: Array.from(threads?.values() ?? []).reduce((a, b) => a + b, 0),
  });
  return u.user + u.system;
};
/** The main thread's share of the process CPU over the repeats (from /proc ticks of 10 ms). */
const mainShare = (): number => {
  let main = 0;
  let total = 0;
  for (let k = 0; k + 1 < marks.length; k += 2) {
    main += marks[k + 1]!.main - marks[k]!.main;
    total += marks[k + 1]!.total - marks[k]!.total;
  }
  return main / total;
};
try {
  const load0 = loadavg()[0]!;
  const r = await measureThroughput(
    engine,
    { streams: 1000, framesPerChunk: 1 },
    { durationMs: Number(values.ms), repeats: Number(values.repeats) },
    { cpuMicros },
  );
  console.log(
    JSON.stringify({
      label: values.label,
      H,
      what: values.engine ? 'engine' : 'pool',
      stepsPerS: Math.round(r.stepsPerSecond),
      cpuUsPerStep: Number(r.cpuUsPerStep?.toFixed(3)),
      mainCpuUsPerStep: Number(((r.cpuUsPerStep ?? NaN) * mainShare()).toFixed(3)),
      chunksPerCall: Math.round(r.chunksPerCall),
      load: [load0, loadavg()[0]!].map((x) => x.toFixed(2)).join('→'),
    }),
  );
} finally {
  await engine.dispose();
}
