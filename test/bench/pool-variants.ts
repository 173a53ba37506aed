/**
 * The pool against onnxruntime-node with larger batch variants and the full-int8 scheme (issue 11):
 * for H = 64 and 128, a 2-worker pool's end-to-end throughput (1,000 streams × 1 frame per chunk, the
 * driver of `throughput.ts`) on model sets written by our exporter — the default `int8-weights`
 * B ∈ {1, 8, 64}, `int8-weights` with B = 128 and 256 added, and full `int8` with the same batches —
 * and onnxruntime-node's batch-64 and batch-256 step (its default threads, awaited runs back to
 * back on this thread), all measured in interleaved rounds in one process (medians). Each scheme's
 * accuracy is measured beside it (8 streams × 200 free-running steps against the float reference,
 * B = 8 file).
 *
 *   npx tsx test/bench/pool-variants.ts [--quick] [--json FILE]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { exportGruModel } from '../../src/model/export.js';
import type { QuantScheme } from '../../src/model/gru-graph.js';
import { randomNormal } from '../../src/model/random.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createEnginePool } from '../../src/client/pool-node.js';
import { createEngine } from '../../src/node.js';
import { writeExport } from '../../models/model-files.js';
import { testCalibrationSequences, testModelName, testModelWeights } from '../../models/test-models.js';
import { freeRunAgainstReference } from '../helpers/free-run.js';
import { median, parseBenchArgs, printTable } from './bench-util.js';
import { BENCH_WORKERS_DIR, benchWorkers } from './node-engines.js';
import { createOnnxNodeRunner } from './peers/onnx-runner.js';
import type { AsyncModelRunner } from './peers/onnx-runner.js';
import { measureThroughput } from './throughput.js';

interface Variant {
  scheme: QuantScheme;
  batches: number[];
  /** 2: a pool of two workers; 1: one plain engine (no pool), to show what the pool adds. */
  workers: 1 | 2;
}

const VARIANTS: Variant[] = [
  { scheme: 'int8-weights', batches: [1, 8, 64], workers: 1 },
  { scheme: 'int8-weights', batches: [1, 8, 64], workers: 2 },
  { scheme: 'int8-weights', batches: [1, 8, 64, 128, 256], workers: 2 },
  { scheme: 'int8', batches: [1, 8, 64, 128, 256], workers: 2 },
];
const LABELS = ['silence', 'unknown', 'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const MODELS_OUT = join(BENCH_WORKERS_DIR, '..', 'models');

export interface VariantRow {
  hidden: number;
  /** 2: the pool; 1: one engine without a pool. */
  workers: number;
  scheme: QuantScheme;
  batches: number[];
  poolStepsPerS: number;
  /** onnxruntime-node batch-64 steps/s, median of the interleaved rounds. */
  ortB64StepsPerS: number;
  ortB256StepsPerS: number;
  ratioVsOrtB64: number;
  ratioVsOrtB256: number;
  /**
   * Process CPU µs per stream-step (all threads), medians: what each costs whatever share of the
   * machine it got. On an idle 2-core machine a contender's ceiling is ≈ 2 / this (in steps per µs).
   */
  poolCpuUsPerStep: number;
  ortB64CpuUsPerStep: number;
  ortB256CpuUsPerStep: number;
  /** Free-running accuracy of the scheme against the float reference. */
  maxErrH: number;
  argmaxAgreement: number;
}

/** Writes the variant's files (all batches) and returns their paths. */
function writeVariant(H: number, v: Variant): string[] {
  const dir = join(MODELS_OUT, `h${H}-${v.scheme}`);
  mkdirSync(dir, { recursive: true });
  const files = exportGruModel(testModelWeights(H), {
    name: testModelName(H),
    scheme: v.scheme,
    batches: v.batches,
    calibration: testCalibrationSequences(),
    labels: LABELS,
    features: { kind: 'raw', description: 'seeded random test model: any 40 floats per frame' },
  });
  return writeExport(dir, files).map((f) => join(dir, f));
}

/** CPU time of the whole process (every thread: ours, ORT's, the workers'), in µs. */
const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** onnxruntime-node steps/s and process CPU µs per step at batch B over `calls` awaited runs. */
async function ortStepsPerS(
  r: AsyncModelRunner,
  xs: Float32Array,
  calls: number,
): Promise<{ perS: number; cpuUs: number }> {
  const c0 = cpuMicros();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    r.x.set(xs.subarray((i & 15) * r.x.length, ((i & 15) + 1) * r.x.length));
    await r.invokeAsync();
  }
  const steps = calls * r.batch;
  return { perS: steps / ((performance.now() - t0) / 1000), cpuUs: (cpuMicros() - c0) / steps };
}

/**
 * Every contender is started first, then measured in interleaved rounds (ORT B=64, ORT B=256, each
 * pool), and the median round is reported: the other jobs' load then hits every contender alike,
 * where back-to-back phases drifted by 2-3x on this machine.
 */
export async function runVariants(quick: boolean, progress: (s: string) => void): Promise<VariantRow[]> {
  const { nodeWorker } = await benchWorkers();
  const tflite = await loadTfliteInNode();
  const rounds = quick ? 3 : 7;
  const rows: VariantRow[] = [];
  for (const H of [64, 128]) {
    const w = testModelWeights(H);
    const ort = [await createOnnxNodeRunner(w, 64), await createOnnxNodeRunner(w, 256)];
    const xs = ort.map((r) => randomNormal(16 * r.batch * r.inputSize, 2));
    // About 1 s of ORT per round at ~150k steps/s.
    const ortCalls = (r: AsyncModelRunner): number => Math.round((quick ? 60_000 : 150_000) / r.batch);
    progress(`H = ${H}: writing the variants and starting ${VARIANTS.length} pools of 2 workers…`);
    const pools = [];
    for (const v of VARIANTS) {
      const paths = writeVariant(H, v);
      pools.push({
        v,
        paths,
        pool:
          v.workers === 1
            ? await createEngine({ models: paths, workerUrl: nodeWorker })
            : await createEnginePool({ models: paths, workerUrl: nodeWorker, workers: 2, spares: 0 }),
      });
    }
    const samples = { ort: ort.map(() => [] as number[]), pools: pools.map(() => [] as number[]) };
    const cpu = { ort: ort.map(() => [] as number[]), pools: pools.map(() => [] as number[]) };
    try {
      for (const [k, r] of ort.entries()) await ortStepsPerS(r, xs[k]!, ortCalls(r) / 2); // warm-up
      for (let round = 0; round < rounds; round++) {
        progress(`H = ${H}: round ${round + 1} of ${rounds}…`);
        for (const [k, r] of ort.entries()) {
          const o = await ortStepsPerS(r, xs[k]!, ortCalls(r));
          samples.ort[k]!.push(o.perS);
          cpu.ort[k]!.push(o.cpuUs);
        }
        for (const [k, p] of pools.entries()) {
          const t = await measureThroughput(
            p.pool,
            { streams: 1000, framesPerChunk: 1 },
            { durationMs: quick ? 700 : 1000, repeats: 1 },
            { cpuMicros },
          );
          samples.pools[k]!.push(t.stepsPerSecond);
          cpu.pools[k]!.push(t.cpuUsPerStep ?? NaN);
        }
      }
    } finally {
      for (const r of ort) await r.disposeAsync();
      for (const p of pools) await p.pool.dispose();
    }
    const [b64, b256] = samples.ort.map(median) as [number, number];
    const [cpu64, cpu256] = cpu.ort.map(median) as [number, number];
    for (const [k, p] of pools.entries()) {
      const b8 = p.paths.find((f) => f.endsWith('-b8.tflite'))!;
      const r8 = await createTfliteRunner(tflite, readFileSync(b8));
      const acc = freeRunAgainstReference(r8, w, 8, 200);
      r8.dispose();
      const poolStepsPerS = median(samples.pools[k]!);
      rows.push({
        hidden: H,
        workers: p.v.workers,
        scheme: p.v.scheme,
        batches: p.v.batches,
        poolStepsPerS,
        ortB64StepsPerS: b64,
        ortB256StepsPerS: b256,
        ratioVsOrtB64: poolStepsPerS / b64,
        ratioVsOrtB256: poolStepsPerS / b256,
        poolCpuUsPerStep: median(cpu.pools[k]!),
        ortB64CpuUsPerStep: cpu64,
        ortB256CpuUsPerStep: cpu256,
        maxErrH: acc.maxErrH,
        argmaxAgreement: acc.argmaxAgreement,
      });
    }
  }
  return rows;
}

if (process.argv[1]?.endsWith('pool-variants.ts')) {
  const args = parseBenchArgs(process.argv.slice(2));
  const t0 = performance.now();
  const loadStart = loadavg();
  const rows = await runVariants(args.quick, (s) =>
    console.error(`[variants ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`),
  );
  const loadEnd = loadavg();
  console.log('\n## Pool (2 workers) on batch and scheme variants against onnxruntime-node, same run\n');
  printTable(
    [
      'H',
      'workers',
      'scheme',
      'batches',
      'pool steps/s',
      'ORT B=64',
      'ORT B=256',
      'pool/ORT64',
      'pool/ORT256',
      'CPU µs/step pool | ORT64 | ORT256',
      'max |Δh|',
      'argmax',
    ],
    rows.map((r) => [
      r.hidden,
      r.workers,
      r.scheme,
      r.batches.join('/'),
      r.poolStepsPerS.toFixed(0),
      r.ortB64StepsPerS.toFixed(0),
      r.ortB256StepsPerS.toFixed(0),
      r.ratioVsOrtB64.toFixed(2),
      r.ratioVsOrtB256.toFixed(2),
      `${r.poolCpuUsPerStep.toFixed(2)} | ${r.ortB64CpuUsPerStep.toFixed(2)} | ${r.ortB256CpuUsPerStep.toFixed(2)}`,
      r.maxErrH.toExponential(1),
      `${(100 * r.argmaxAgreement).toFixed(1)}%`,
    ]),
  );
  console.log(
    `\nload average at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadEnd.map((x) => x.toFixed(2)).join(' ')}`,
  );
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(
      args.json,
      JSON.stringify({ bench: 'pool-variants', quick: args.quick, loadStart, loadEnd, rows }, null, 2) + '\n',
    );
    console.log(`wrote ${args.json}`);
  }
}
