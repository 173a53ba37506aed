/**
 * Overload check: the engine's capacity is measured (1,000 streams × 1 frame per chunk, H = 64),
 * then chunks are offered at 2× that rate for 60 s (`--quick`: 10 s). Prints goodput (chunks
 * predicted per second while overloaded) against capacity, the main heap, the longest main-thread
 * stall, and the accounting: every chunk predicted or refused with a code, none unaccounted.
 *
 *   npm run bench:overload [-- --quick] [-- --json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseBenchArgs, printTable } from './bench-util.js';
import { startNodeEngine } from './node-engines.js';
import { runOverload } from './overload-run.js';
import { measureThroughput } from './throughput.js';

const args = parseBenchArgs(process.argv.slice(2));
const seconds = args.quick ? 10 : 60;
const started = performance.now();
const progress = (what: string): void =>
  console.error(`[overload ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}`);

const engine = await startNodeEngine(64);
try {
  progress('measuring capacity (1,000 streams × 1 frame per chunk)…');
  const tp = await measureThroughput(
    engine,
    { streams: 1000, framesPerChunk: 1 },
    { durationMs: 3000, repeats: 3 },
  );
  const capacity = tp.stepsPerSecond;
  progress(
    `capacity ${capacity.toFixed(0)} chunks/s; offering ${(2 * capacity).toFixed(0)} chunks/s for ${seconds} s`,
  );
  const r = await runOverload(engine, { capacity, factor: 2, seconds, streams: 1000, progress });
  console.log(`\n## Overload: 2× capacity for ${seconds} s (H = 64, 1,000 streams)\n`);
  printTable(
    ['capacity (chunks/s)', 'offered', 'predicted', 'refused (by code)', 'unaccounted', 'goodput / capacity'],
    [
      [
        capacity.toFixed(0),
        r.offered,
        r.predicted,
        Object.entries(r.failed)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ') || '0',
        r.unaccounted,
        r.goodputRatio.toFixed(3),
      ],
    ],
  );
  console.log(
    `main heap ${r.heapStartMb.toFixed(0)} → max ${r.heapMaxMb.toFixed(0)} MB; longest main-thread stall ${r.maxTickGapMs.toFixed(0)} ms`,
  );
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ bench: 'overload', seconds, capacity, ...r }, null, 2) + '\n');
    console.log(`wrote ${args.json}`);
  }
} finally {
  await engine.dispose();
}
