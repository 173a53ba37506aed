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
/** CPU seconds per thread at each probe (start and end of every repeat). */
const marks: Map<number, number>[] = [];
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  marks.push(threadCpuSnapshot() ?? new Map());
  return u.user + u.system;
};
/**
 * Shares of the process CPU over the repeats (from /proc ticks of 10 ms): the main thread, the
 * engine workers (the `workers` busiest other threads) and the rest (V8's GC and compiler helpers).
 */
const shares = (workers: number): { main: number; workers: number; rest: number } => {
  const per = new Map<number, number>();
  for (let k = 0; k + 1 < marks.length; k += 2) {
    for (const [tid, s] of marks[k + 1]!) per.set(tid, (per.get(tid) ?? 0) + s - (marks[k]!.get(tid) ?? s));
  }
  const total = [...per.values()].reduce((a, b) => a + b, 0);
  const main = per.get(process.pid) ?? 0;
  per.delete(process.pid);
  const busiest = [...per.values()].sort((a, b) => b - a).slice(0, workers);
  const w = busiest.reduce((a, b) => a + b, 0);
  return { main: main / total, workers: w / total, rest: (total - main - w) / total };
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
      ...Object.fromEntries(
        Object.entries(shares(values.engine ? 1 : 2)).map(([k, v]) => [
          `${k}CpuUsPerStep`,
          Number(((r.cpuUsPerStep ?? NaN) * v).toFixed(3)),
        ]),
      ),
      // Counted on `engine.step`, which a pool's batcher does not call (it steps each worker).
      ...(values.engine ? { chunksPerCall: Math.round(r.chunksPerCall) } : {}),
      load: [load0, loadavg()[0]!].map((x) => x.toFixed(2)).join('→'),
    }),
  );
} finally {
  await engine.dispose();
}
