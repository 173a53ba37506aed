/**
 * The pool against onnxruntime-node with larger batch variants and the full-int8 scheme (issue 11):
 * for H = 64 and 128, a 2-worker pool's end-to-end throughput (1,000 streams × 1 frame per chunk, the
 * driver of `throughput.ts`) on model sets written by our exporter — the default `int8-weights`
 * B ∈ {1, 8, 64}, `int8-weights` with B = 128 and 256 added, and full `int8` with the same batches —
 * and onnxruntime-node's batch-64 and batch-256 step (its default threads) measured before and after
 * the pool runs in the same process; the ratio uses the mean of the two. Each scheme's accuracy is
 * measured beside it (8 streams × 200 free-running steps against the float reference, B = 8 file).
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
}

const VARIANTS: Variant[] = [
  { scheme: 'int8-weights', batches: [1, 8, 64] },
  { scheme: 'int8-weights', batches: [1, 8, 64, 128, 256] },
  { scheme: 'int8', batches: [1, 8, 64, 128, 256] },
];
const LABELS = ['silence', 'unknown', 'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'];
const MODELS_OUT = join(BENCH_WORKERS_DIR, '..', 'models');

export interface VariantRow {
  hidden: number;
  scheme: QuantScheme;
  batches: number[];
  poolStepsPerS: number;
  /** onnxruntime-node batch-64 steps/s, mean of the measurements before and after the pool runs. */
  ortB64StepsPerS: number;
  ortB256StepsPerS: number;
  ratioVsOrtB64: number;
  ratioVsOrtB256: number;
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

/** onnxruntime-node steps/s at batch B: median of `rounds` loops of awaited runs. */
async function ortStepsPerS(r: AsyncModelRunner, rounds: number, calls: number): Promise<number> {
  const xs = randomNormal(16 * r.batch * r.inputSize, 2);
  const once = async (n: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      r.x.set(xs.subarray((i & 15) * r.x.length, ((i & 15) + 1) * r.x.length));
      await r.invokeAsync();
    }
    return (n * r.batch) / ((performance.now() - t0) / 1000);
  };
  await once(calls / 2); // warm-up
  const samples: number[] = [];
  for (let k = 0; k < rounds; k++) samples.push(await once(calls));
  return median(samples);
}

export async function runVariants(quick: boolean, progress: (s: string) => void): Promise<VariantRow[]> {
  const { nodeWorker } = await benchWorkers();
  const tflite = await loadTfliteInNode();
  const rows: VariantRow[] = [];
  for (const H of [64, 128]) {
    const w = testModelWeights(H);
    const ort = { b64: await createOnnxNodeRunner(w, 64), b256: await createOnnxNodeRunner(w, 256) };
    const ortRound = async () => ({
      b64: await ortStepsPerS(ort.b64, quick ? 3 : 5, quick ? 100 : 300),
      b256: await ortStepsPerS(ort.b256, quick ? 3 : 5, quick ? 25 : 75),
    });
    progress(`H = ${H}: onnxruntime-node (before)…`);
    const before = await ortRound();
    const measured: Omit<
      VariantRow,
      'ortB64StepsPerS' | 'ortB256StepsPerS' | 'ratioVsOrtB64' | 'ratioVsOrtB256'
    >[] = [];
    for (const v of VARIANTS) {
      progress(`H = ${H}: pool on ${v.scheme} B = ${v.batches.join('/')}…`);
      const paths = writeVariant(H, v);
      const pool = await createEnginePool({ models: paths, workerUrl: nodeWorker, workers: 2, spares: 0 });
      let poolStepsPerS: number;
      try {
        const r = await measureThroughput(
          pool,
          { streams: 1000, framesPerChunk: 1 },
          { durationMs: quick ? 1500 : 3000, repeats: quick ? 2 : 3 },
        );
        poolStepsPerS = r.stepsPerSecond;
      } finally {
        await pool.dispose();
      }
      const b8 = paths.find((p) => p.endsWith('-b8.tflite'))!;
      const r8 = await createTfliteRunner(tflite, readFileSync(b8));
      const acc = freeRunAgainstReference(r8, w, 8, 200);
      r8.dispose();
      measured.push({
        hidden: H,
        scheme: v.scheme,
        batches: v.batches,
        poolStepsPerS,
        maxErrH: acc.maxErrH,
        argmaxAgreement: acc.argmaxAgreement,
      });
    }
    progress(`H = ${H}: onnxruntime-node (after)…`);
    const after = await ortRound();
    await ort.b64.disposeAsync();
    await ort.b256.disposeAsync();
    const b64 = (before.b64 + after.b64) / 2;
    const b256 = (before.b256 + after.b256) / 2;
    progress(
      `H = ${H}: onnxruntime-node B=64 ${before.b64.toFixed(0)} / ${after.b64.toFixed(0)}, ` +
        `B=256 ${before.b256.toFixed(0)} / ${after.b256.toFixed(0)} steps/s (before / after)`,
    );
    for (const m of measured) {
      rows.push({
        ...m,
        ortB64StepsPerS: b64,
        ortB256StepsPerS: b256,
        ratioVsOrtB64: m.poolStepsPerS / b64,
        ratioVsOrtB256: m.poolStepsPerS / b256,
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
      'scheme',
      'batches',
      'pool steps/s',
      'ORT B=64',
      'ORT B=256',
      'pool/ORT64',
      'pool/ORT256',
      'max |Δh|',
      'argmax',
    ],
    rows.map((r) => [
      r.hidden,
      r.scheme,
      r.batches.join('/'),
      r.poolStepsPerS.toFixed(0),
      r.ortB64StepsPerS.toFixed(0),
      r.ortB256StepsPerS.toFixed(0),
      r.ratioVsOrtB64.toFixed(2),
      r.ratioVsOrtB256.toFixed(2),
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
