/**
 * Overload check: the engine's capacity is measured (1,000 streams × 1 frame per chunk, H = 64),
 * then chunks are offered at 2× that rate for 60 s (`--quick`: 10 s), then capacity is measured
 * again. Goodput (chunks predicted per second while overloaded) is compared with the mean of the two
 * capacities: on a shared machine capacity drifts with the other jobs' load, and bracketing the
 * overload window keeps one measurement's luck out of the ratio (both are printed). Also prints the
 * main heap, the longest main-thread stall, and the accounting: every chunk predicted or refused with
 * a code, none unaccounted.
 *
 *   npm run bench:overload [-- --quick] [-- --json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseBenchArgs, printTable } from './bench-util.js';
import { startNodeEngine } from './node-engines.js';
import { runOverload } from './overload-run.js';
import { cpuDelta, threadCpuSnapshot } from './thread-cpu.js';
import type { CpuDelta, ThreadCpu } from './thread-cpu.js';
import { measureThroughput } from './throughput.js';

const args = parseBenchArgs(process.argv.slice(2));
const seconds = args.quick ? 10 : 60;
const started = performance.now();
const progress = (what: string): void =>
  console.error(`[overload ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}`);

/** CPU seconds per wall second of each thread kind. */
type CpuShare = CpuDelta;
const share = (d: CpuDelta | undefined, wallMs: number): CpuShare | undefined =>
  d === undefined
    ? undefined
    : {
        main: d.main / (wallMs / 1000),
        worker: d.worker / (wallMs / 1000),
        total: d.total / (wallMs / 1000),
      };

const engine = await startNodeEngine(64);
try {
  /** Capacity, and the CPU the threads had meanwhile (per wall second). */
  const measureCapacity = async (): Promise<{ perS: number; cpu: CpuShare | undefined }> => {
    const a = threadCpuSnapshot();
    const t = performance.now();
    const r = await measureThroughput(
      engine,
      { streams: 1000, framesPerChunk: 1 },
      { durationMs: 3000, repeats: 3 },
    );
    return { perS: r.stepsPerSecond, cpu: share(cpuDelta(a, threadCpuSnapshot()), performance.now() - t) };
  };
  progress('measuring capacity (1,000 streams × 1 frame per chunk)…');
  const before = await measureCapacity();
  const capacityBefore = before.perS;
  let windowCpu: ThreadCpu | undefined;
  let windowStart = 0;
  let overloadCpu: CpuShare | undefined;
  progress(
    `capacity ${capacityBefore.toFixed(0)} chunks/s; offering ${(2 * capacityBefore).toFixed(0)} chunks/s for ${seconds} s`,
  );
  const r = await runOverload(engine, {
    capacity: capacityBefore,
    factor: 2,
    seconds,
    streams: 1000,
    progress,
    onWindow: (edge) => {
      if (edge === 'open') {
        windowCpu = threadCpuSnapshot();
        windowStart = performance.now();
      } else overloadCpu = share(cpuDelta(windowCpu, threadCpuSnapshot()), performance.now() - windowStart);
    },
  });
  progress('measuring capacity again…');
  const after = await measureCapacity();
  const capacityAfter = after.perS;
  const capacity = (capacityBefore + capacityAfter) / 2;
  const goodputRatio = r.goodputPerS / capacity;
  // Per second of the worker's CPU: what the engine makes of the CPU it gets, whatever other jobs
  // leave it. Capacity per worker-CPU-second comes from both capacity phases.
  const perWorkerCpuS = (perS: number, cpu: CpuShare | undefined): number =>
    cpu === undefined ? NaN : perS / cpu.worker;
  const capacityPerCpuS =
    (perWorkerCpuS(capacityBefore, before.cpu) + perWorkerCpuS(capacityAfter, after.cpu)) / 2;
  const goodputPerCpuS = perWorkerCpuS(r.goodputPerS, overloadCpu);
  console.log(`\n## Overload: 2× capacity for ${seconds} s (H = 64, 1,000 streams)\n`);
  printTable(
    [
      'capacity before / after (chunks/s)',
      'offered',
      'predicted',
      'refused (by code)',
      'unaccounted',
      'goodput (chunks/s)',
      'goodput / mean capacity',
    ],
    [
      [
        `${capacityBefore.toFixed(0)} / ${capacityAfter.toFixed(0)}`,
        r.offered,
        r.predicted,
        Object.entries(r.failed)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ') || '0',
        r.unaccounted,
        r.goodputPerS.toFixed(0),
        goodputRatio.toFixed(3),
      ],
    ],
  );
  console.log(
    `main heap ${r.heapStartMb.toFixed(0)} → max ${r.heapMaxMb.toFixed(0)} MB; longest main-thread stall ${r.maxTickGapMs.toFixed(0)} ms`,
  );
  const pct = (c: CpuShare | undefined): string =>
    c === undefined ? '–' : `worker ${(100 * c.worker).toFixed(0)} %, main ${(100 * c.main).toFixed(0)} %`;
  console.log(
    `CPU per wall second: capacity before ${pct(before.cpu)}; overload ${pct(overloadCpu)}; capacity after ${pct(after.cpu)}`,
  );
  console.log(
    `per worker-CPU-second: capacity ${capacityPerCpuS.toFixed(0)} chunks, goodput ${goodputPerCpuS.toFixed(0)} chunks, ` +
      `ratio ${(goodputPerCpuS / capacityPerCpuS).toFixed(3)}`,
  );
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          bench: 'overload',
          seconds,
          ...r,
          capacityBefore,
          capacityAfter,
          capacity,
          goodputRatio,
          cpu: { capacityBefore: before.cpu, overload: overloadCpu, capacityAfter: after.cpu },
          capacityPerWorkerCpuS: capacityPerCpuS,
          goodputPerWorkerCpuS: goodputPerCpuS,
          goodputRatioPerWorkerCpu: goodputPerCpuS / capacityPerCpuS,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`wrote ${args.json}`);
  }
} finally {
  await engine.dispose();
}
