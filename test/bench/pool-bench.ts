/**
 * The pool's figures for the bench summary (H = 64 and 128, default int8-weights model, Node):
 * end-to-end throughput of a 2-worker pool (1,000 streams × 1 frame per chunk, the same driver as
 * `throughput.ts`) against onnxruntime-node's batch-64 step with its default threads, in the same
 * run; and the recovery of a worker killed while 10,000 streams are open (time, chunks lost).
 *
 *   npm run bench:pool [-- --quick] [-- --json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { createEnginePool } from '../../src/client/pool-node.js';
import type { EnginePool } from '../../src/client/pool.js';
import type { RecoveredEvent } from '../../src/client/supervisor.js';
import { withTestHooks, workerHooksOf } from '../../src/client/test-hooks.js';
import type { StepRequest } from '../../src/protocol/engine.js';
import { chunkFrames, parseBenchArgs, printTable } from './bench-util.js';
import { benchWorkers, modelPaths } from './node-engines.js';
import { benchPeers } from './peers/peer-bench.js';
import { measureThroughput } from './throughput.js';

export interface PoolBenchRow {
  hidden: number;
  workers: number;
  poolStepsPerS: number;
  onnxruntimeNodeStepsPerS: number;
  ratioVsOnnxruntimeNode: number;
  /** The pool's process CPU (all threads) per stream-step, µs, median over repeats. */
  poolCpuUsPerStep: number;
  /** 1-minute load average before the pool was measured and after onnxruntime-node was. */
  loadavg: [number, number];
}

/** CPU time of this process, all threads, in µs. */
function processCpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export interface RecoveryResult {
  streams: number;
  /** True: a warm spare replaced the worker; false: a cold start (spares: 0). */
  warm: boolean;
  recoveryMs: number;
  startMs: number;
  restoreMs: number;
  replayMs: number;
  replayedChunks: number;
  restoredStreams: number;
  lostChunks: number;
}

async function startPool(H: number, extra: object = {}): Promise<EnginePool> {
  const { nodeWorker } = await benchWorkers();
  return createEnginePool({ models: modelPaths(H), workerUrl: nodeWorker, workers: 2, ...extra });
}

/** Pool throughput and onnxruntime-node at hidden size H, measured back to back. */
export async function poolThroughput(H: number, quick: boolean): Promise<PoolBenchRow> {
  const pool = await startPool(H);
  let poolStepsPerS: number;
  let poolCpuUsPerStep: number;
  const load = loadavg()[0]!;
  try {
    // The warm spare starts with the pool and loads its models: measure after that, as a service
    // running for more than a few seconds would see it.
    await pool.sparesReady();
    const r = await measureThroughput(
      pool,
      { streams: 1000, framesPerChunk: 1 },
      { durationMs: quick ? 1500 : 4000, repeats: quick ? 2 : 3 },
      { cpuMicros: processCpuMicros },
    );
    poolStepsPerS = r.stepsPerSecond;
    poolCpuUsPerStep = r.cpuUsPerStep ?? NaN;
  } finally {
    await pool.dispose();
  }
  const ort = (await benchPeers({ H, quick })).find((p) => p.peer === 'onnxruntime-node');
  const ortStepsPerS = ort === undefined ? NaN : 1e6 / ort.usPerStreamB64;
  return {
    hidden: H,
    workers: 2,
    poolStepsPerS,
    onnxruntimeNodeStepsPerS: ortStepsPerS,
    ratioVsOnnxruntimeNode: poolStepsPerS / ortStepsPerS,
    poolCpuUsPerStep,
    loadavg: [load, loadavg()[0]!],
  };
}

/**
 * Opens `streams` streams (one frame each), checkpoints, steps them once more (so the journal holds
 * a round to replay), then kills worker 0 with another round in flight. Lost chunks: chunks of the
 * in-flight and later rounds that were not answered with outputs.
 */
export async function recovery(streams: number, spares: number): Promise<RecoveryResult> {
  const pool = await startPool(
    64,
    withTestHooks({ snapshots: { everyChunks: 10 * streams, everyMs: Infinity }, spares }),
  );
  try {
    // A spare is started with the pool; a service has it long before its first failure.
    await pool.sparesReady();
    const I = pool.model.inputSize;
    const round = (seed: number): StepRequest => {
      const frames = new Float32Array(streams * I);
      const x = chunkFrames(I * 61, seed);
      for (let s = 0; s < streams; s++) frames.set(x.subarray((s % 61) * I, (s % 61) * I + I), s * I);
      return {
        streams: Array.from({ length: streams }, (_, s) => `rec-${s}`),
        frameCounts: new Int32Array(streams).fill(1),
        frames,
      };
    };
    await pool.step(round(1));
    await pool.saveCheckpoints();
    await pool.step(round(2));
    const events: RecoveredEvent[] = [];
    pool.recovered$.subscribe((e) => events.push(e));
    const inFlight = [pool.step(round(3)), pool.step(round(4))];
    await workerHooksOf(pool, 0)
      .crash(3)
      .catch(() => undefined);
    inFlight.push(pool.step(round(5)));
    let lost = 0;
    for (const r of await Promise.allSettled(inFlight)) {
      if (r.status === 'rejected') lost += streams;
      else lost += r.value.errors.length;
    }
    const e = events[0];
    return {
      streams,
      warm: e?.warm ?? false,
      recoveryMs: e?.ms ?? NaN,
      startMs: e?.startMs ?? NaN,
      restoreMs: e?.restoreMs ?? NaN,
      replayMs: e?.replayMs ?? NaN,
      replayedChunks: e?.replayedChunks ?? NaN,
      restoredStreams: e?.restoredStreams ?? NaN,
      lostChunks: lost,
    };
  } finally {
    await pool.dispose();
  }
}

export async function runPoolBench(
  quick: boolean,
  progress: (s: string) => void,
  only?: 'throughput' | 'recovery',
) {
  const rows: PoolBenchRow[] = [];
  if (only !== 'recovery') {
    for (const H of [64, 128]) {
      progress(`pool throughput, H = ${H} (2 workers) and onnxruntime-node…`);
      rows.push(await poolThroughput(H, quick));
    }
  }
  const recoveries: RecoveryResult[] = [];
  if (only !== 'throughput') {
    for (const spares of [1, 0]) {
      progress(`recovery of a killed worker with 10,000 streams open (${spares} warm spare)…`);
      recoveries.push(await recovery(10_000, spares));
    }
  }
  // The headline recovery is the default pool's (one warm spare).
  return { rows, recovery: recoveries[0], recoveries };
}

/** Prints the tables. */
export function printPoolBench(r: Awaited<ReturnType<typeof runPoolBench>>): void {
  console.log('\n## Pool (2 workers) against onnxruntime-node (default threads), same run\n');
  printTable(
    [
      'H',
      'pool steps/s',
      'pool CPU µs/step',
      'onnxruntime-node steps/s (B=64)',
      'pool / ORT',
      'load average',
    ],
    r.rows.map((x) => [
      x.hidden,
      x.poolStepsPerS.toFixed(0),
      x.poolCpuUsPerStep.toFixed(2),
      x.onnxruntimeNodeStepsPerS.toFixed(0),
      x.ratioVsOnnxruntimeNode.toFixed(2),
      x.loadavg.map((l) => l.toFixed(2)).join(' → '),
    ]),
  );
  if (r.recoveries.length === 0) return;
  console.log('\n## Recovery of a killed worker (H = 64)\n');
  printTable(
    [
      'streams',
      'replacement',
      'recovery ms',
      'start ms',
      'restore ms',
      'replay ms',
      'restored',
      'replayed chunks',
      'lost chunks',
    ],
    r.recoveries.map((v) => [
      v.streams,
      v.warm ? 'warm spare' : 'cold start',
      v.recoveryMs.toFixed(0),
      v.startMs.toFixed(0),
      v.restoreMs.toFixed(0),
      v.replayMs.toFixed(0),
      v.restoredStreams,
      v.replayedChunks,
      v.lostChunks,
    ]),
  );
}

if (process.argv[1]?.endsWith('pool-bench.ts')) {
  // `--only throughput|recovery` runs one half (the shared parser knows --quick and --json only).
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--only');
  const only = at < 0 ? undefined : argv.splice(at, 2)[1];
  if (only !== undefined && only !== 'throughput' && only !== 'recovery') {
    throw new Error(`--only: expected throughput or recovery, got '${only}'`);
  }
  const args = parseBenchArgs(argv);
  const t0 = performance.now();
  const result = await runPoolBench(
    args.quick,
    (s) => console.error(`[pool ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`),
    only,
  );
  printPoolBench(result);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify({ bench: 'pool', quick: args.quick, ...result }, null, 2) + '\n');
    console.log(`wrote ${args.json}`);
  }
}
