/**
 * Model benchmark: µs per invoke at B=1 and per stream at B=64 for every quantization scheme and
 * hidden size of the test family, on the real tfjs-tflite WASM interpreter (direct tensor views).
 * Models are measured interleaved, round after round, and the median round is reported, so that
 * the noise of a shared machine hits every scheme alike.
 *
 *   npm run bench:model [-- --quick] [-- --json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { QUANT_SCHEMES, type QuantScheme } from '../../src/model/gru-graph.js';
import { randomNormal } from '../../src/model/random.js';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner, type TfliteRunner } from '../../src/runtime/tflite-runner.js';
import { TEST_MODEL_HIDDEN_SIZES, testModelWeights } from '../../models/test-models.js';
import { freeRunAgainstReference } from '../helpers/free-run.js';
import { testModel } from '../helpers/models.js';
import { median, parseBenchArgs, printTable } from './bench-util.js';

interface Row {
  hidden: number;
  scheme: QuantScheme;
  fileBytes: number;
  sizeVsFloat32: number;
  usPerCallB1: number;
  usPerStreamB64: number;
  timeVsFloat32B1: number;
  timeVsFloat32B64: number;
  /** Max abs error of h, 8 streams × 200 free-running steps vs the reference (B=8 file). */
  maxErrH: number;
  /** Share of steps whose argmax of y agrees with the reference. */
  argmaxAgreement: number;
}

const args = parseBenchArgs(process.argv.slice(2));
const rounds = args.quick ? 7 : 21;
const tflite = await loadTfliteInNode();

/** µs per invoke over `n` back-to-back invokes with fresh random inputs written each time. */
function timeInvokes(r: TfliteRunner, n: number, xs: Float32Array): number {
  const x = r.x;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    x.set(xs.subarray((i & 15) * x.length, ((i & 15) + 1) * x.length));
    r.invoke();
  }
  return ((performance.now() - t0) * 1000) / n;
}

const rows: Row[] = [];
for (const H of TEST_MODEL_HIDDEN_SIZES) {
  const models = await Promise.all(
    QUANT_SCHEMES.map(async (scheme) => {
      const b1 = testModel(H, scheme, 1);
      const b64 = testModel(H, scheme, 64);
      return {
        scheme,
        bytes: b1.bytes.length,
        r1: await createTfliteRunner(tflite, b1.bytes),
        r64: await createTfliteRunner(tflite, b64.bytes),
      };
    }),
  );
  const xs1 = randomNormal(16 * 40, 1);
  const xs64 = randomNormal(16 * 64 * 40, 2);
  const samples = new Map<QuantScheme, { b1: number[]; b64: number[] }>();
  for (const m of models) {
    samples.set(m.scheme, { b1: [], b64: [] });
    timeInvokes(m.r1, 2000, xs1); // warm-up: first invokes prepare XNNPACK's packed weights
    timeInvokes(m.r64, 200, xs64);
  }
  for (let round = 0; round < rounds; round++) {
    for (const m of models) {
      const s = samples.get(m.scheme)!;
      s.b1.push(timeInvokes(m.r1, args.quick ? 2000 : 5000, xs1));
      s.b64.push(timeInvokes(m.r64, args.quick ? 200 : 500, xs64) / 64);
    }
  }
  const accuracy = new Map<QuantScheme, ReturnType<typeof freeRunAgainstReference>>();
  for (const m of models) {
    const r8 = await createTfliteRunner(tflite, testModel(H, m.scheme, 8).bytes);
    accuracy.set(m.scheme, freeRunAgainstReference(r8, testModelWeights(H), 8, 200));
    r8.dispose();
  }
  const f32 = models.find((m) => m.scheme === 'float32')!;
  const f32s = samples.get('float32')!;
  for (const m of models) {
    const s = samples.get(m.scheme)!;
    rows.push({
      hidden: H,
      scheme: m.scheme,
      fileBytes: m.bytes,
      sizeVsFloat32: m.bytes / f32.bytes,
      usPerCallB1: median(s.b1),
      usPerStreamB64: median(s.b64),
      timeVsFloat32B1: median(s.b1) / median(f32s.b1),
      timeVsFloat32B64: median(s.b64) / median(f32s.b64),
      maxErrH: accuracy.get(m.scheme)!.maxErrH,
      argmaxAgreement: accuracy.get(m.scheme)!.argmaxAgreement,
    });
    m.r1.dispose();
    m.r64.dispose();
  }
}

printTable(
  [
    'H',
    'scheme',
    'file (B=1)',
    'size vs f32',
    'µs/call B=1',
    'µs/stream B=64',
    'time vs f32 B=1',
    'time vs f32 B=64',
    'max |Δh|',
    'argmax agree',
  ],
  rows.map((r) => [
    r.hidden,
    r.scheme,
    `${(r.fileBytes / 1024).toFixed(1)} KiB`,
    r.sizeVsFloat32.toFixed(2),
    r.usPerCallB1.toFixed(2),
    r.usPerStreamB64.toFixed(3),
    r.timeVsFloat32B1.toFixed(2),
    r.timeVsFloat32B64.toFixed(2),
    r.maxErrH.toExponential(1),
    `${(100 * r.argmaxAgreement).toFixed(1)}%`,
  ]),
);

const targets = TEST_MODEL_HIDDEN_SIZES.flatMap((H) => {
  const d = rows.find((r) => r.hidden === H && r.scheme === 'int8-weights')!;
  const q = rows.find((r) => r.hidden === H && r.scheme === 'int8')!;
  return [
    {
      target: `H=${H} default (int8-weights) file ≤ 0.40× float32`,
      value: d.sizeVsFloat32,
      ok: d.sizeVsFloat32 <= 0.4,
    },
    {
      target: `H=${H} default (int8-weights) time ≤ 1.05× float32 (B=64)`,
      value: d.timeVsFloat32B64,
      ok: d.timeVsFloat32B64 <= 1.05,
    },
    {
      target: `H=${H} full int8 time ≤ 0.75× float32 (B=64)`,
      value: q.timeVsFloat32B64,
      ok: q.timeVsFloat32B64 <= 0.75,
    },
  ];
});
console.log();
printTable(
  ['target', 'measured', 'met'],
  targets.map((t) => [t.target, t.value.toFixed(2), t.ok ? 'yes' : 'NO']),
);

if (args.json) {
  mkdirSync(dirname(args.json), { recursive: true });
  const out = {
    bench: 'model',
    node: process.version,
    date: new Date().toISOString(),
    rounds,
    rows,
    targets,
  };
  writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${args.json}`);
}
