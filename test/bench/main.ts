/**
 * End-to-end benchmark of the default quantized model (int8-weights, H = 64 and 128): throughput,
 * latency, memory per idle stream and cold start through the public API (RxJS operator → worker →
 * predictions), the raw batched invoke as the floor and the peers (naive tfjs-tflite predict(),
 * onnxruntime-node, onnxruntime-web) on the same GRU step, in Node and in headless Chromium.
 * Prints Markdown tables and the targets; `--json FILE` writes the results (format in the README).
 *
 *   npm run bench [-- --quick] [-- --json FILE]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { parseBenchArgs } from './bench-util.js';
import { BATCHES, HIDDEN_SIZES, SCHEME } from './bench-models.js';
import { runChromium } from './browser/run.js';
import { runNode } from './node-run.js';
import { startNodeEngine } from './node-engines.js';
import { runOverload } from './overload-run.js';
import { printPoolBench, runPoolBench } from './pool-bench.js';
import { benchPlan } from './plan.js';
import {
  compare,
  evaluateTargets,
  printColdStart,
  printComparison,
  printLatency,
  printMemory,
  printTargets,
  printThroughput,
  summarize,
} from './report.js';
import type { BenchDocument, PlatformResults } from './report.js';

// gc() in every worker started from now on (V8 flags are per process): the memory readings need it.
setFlagsFromString('--expose-gc');

const args = parseBenchArgs(process.argv.slice(2));
const plan = benchPlan(args.quick);
const started = performance.now();
const loadStart = loadavg();
const progress = (what: string): void =>
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${what}`);

const node = await runNode(plan, args.quick, progress);
let chromium: PlatformResults | undefined;
let chromiumVersion: string | undefined;
try {
  const run = await runChromium(plan, progress);
  chromium = run.results;
  chromiumVersion = run.version;
} catch (e) {
  // The Node results stand on their own; say loudly that the browser half is missing.
  console.error(`\nChromium benchmark FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}

// Issue 11: the pool against onnxruntime-node, recovery, and goodput under 2× overload.
const poolBench = await runPoolBench(args.quick, progress);
const summary = summarize(node, chromium);
const pool64 = poolBench.rows.find((r) => r.hidden === 64);
summary.pool_throughput_steps_per_s = pool64?.poolStepsPerS ?? NaN;
summary.ratio_pool_vs_onnxruntime_node = pool64?.ratioVsOnnxruntimeNode ?? NaN;
// The goal holds at both hidden sizes; H = 128 is where the gap is widest.
summary.ratio_pool_vs_onnxruntime_node_h128 =
  poolBench.rows.find((r) => r.hidden === 128)?.ratioVsOnnxruntimeNode ?? NaN;
summary.recovery_ms = poolBench.recovery?.recoveryMs ?? NaN;
summary.lost_chunks_on_crash = poolBench.recovery?.lostChunks ?? NaN;
{
  progress('overload: 2× capacity…');
  const engine = await startNodeEngine(64);
  try {
    const capacity = summary.throughput_steps_per_s;
    const overload = await runOverload(engine, {
      capacity,
      factor: 2,
      seconds: args.quick ? 10 : 30,
      streams: 1000,
    });
    summary.overload_goodput_ratio = overload.goodputRatio;
  } finally {
    await engine.dispose();
  }
}

const targets = evaluateTargets(node, chromium);
const doc: BenchDocument = {
  bench: 'e2e',
  schema: 1,
  date: new Date().toISOString(),
  quick: args.quick,
  environment: {
    node: process.version,
    chromium: chromiumVersion ?? null,
    tfjsTflite: packageVersion('@tensorflow/tfjs-tflite'),
    onnxruntimeNode: packageVersion('onnxruntime-node'),
    onnxruntimeWeb: packageVersion('onnxruntime-web'),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    loadavg: { start: loadStart, end: loadavg() },
    durationS: Math.round((performance.now() - started) / 1000),
  },
  model: {
    family: 'models/test (seeded GRU, reset_after, softmax head)',
    scheme: SCHEME,
    inputSize: 40,
    outputSize: 12,
    hidden: [...HIDDEN_SIZES],
    batches: [...BATCHES],
  },
  summary,
  pool: poolBench,
  targets,
  comparison: { node: compare(node), chromium: chromium ? compare(chromium) : [] },
  node,
  ...(chromium ? { chromium } : {}),
};

console.log(`\n## End-to-end benchmark (${args.quick ? 'quick' : 'full'} run)\n`);
printThroughput('Throughput, Node (stream-steps/s, end to end)', node.throughput);
if (chromium) printThroughput('Throughput, Chromium (stream-steps/s, end to end)', chromium.throughput);
printLatency('Latency, Node (H=64, chunk pushed → prediction emitted)', node.latency, node.echo);
if (chromium) printLatency('Latency, Chromium (H=64)', chromium.latency, chromium.echo);
printMemory('Memory per idle stream, Node worker', node.memory);
if (chromium) printMemory('Memory per idle stream, Chromium worker (engine account only)', chromium.memory);
printColdStart('Cold start, Node', node.coldStart);
if (chromium) printColdStart('Cold start, Chromium', chromium.coldStart);
printComparison('Against the floor and the peers, Node (same GRU step)', node);
if (chromium) printComparison('Against the floor, Chromium', chromium);
printPoolBench(poolBench);
printTargets(targets);
if (Math.max(loadStart[0]!, loadavg()[0]!) > cpus().length / 2) {
  console.log(
    '**The machine was busy** (load average above half the cores): wall-clock figures, end-to-end ones ' +
      'most (they need two free cores), are low; CPU-time figures are not.\n',
  );
}
console.log(
  `load average ${loadStart.map((x) => x.toFixed(1)).join(' ')} → ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${cpus().length} cores; ${doc.environment.durationS} s`,
);

if (args.json) {
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote ${args.json}`);
}

function packageVersion(name: string): string | null {
  try {
    const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}
