/**
 * Peer benchmark: the same GRU step (test family, float32) on other runtimes, µs per call at B=1 and
 * µs per stream at B=64. Peers are measured interleaved, round after round, and the median round is
 * reported, so the noise of a shared machine hits every peer alike. Timing only; correctness is
 * `peers.test.ts`.
 *
 *   npx tsx test/bench/peers/peer-bench.ts [--quick] [--json FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomNormal } from '../../../src/model/random.js';
import { loadTfliteInNode } from '../../../src/runtime/tflite-node-loader.js';
import { TEST_MODEL_HIDDEN_SIZES, testModelWeights } from '../../../models/test-models.js';
import { testModel } from '../../helpers/models.js';
import { median, parseBenchArgs, printTable } from '../bench-util.js';
import { createNaivePredictStepper } from './naive-predict.js';
import { createOnnxNodeRunner, createOnnxWebRunner, type AsyncModelRunner } from './onnx-runner.js';

export type PeerName = 'onnxruntime-node' | 'onnxruntime-web' | 'tfjs-tflite predict()';

export interface PeerResult {
  peer: PeerName;
  /** Hidden size H (I=40, C=12, float32, reset_after, softmax head). */
  hidden: number;
  /** Median µs per call at batch 1. */
  usPerCallB1: number;
  /** Median µs per stream of a batch-64 call (or, when `batched` is false, the B=1 figure). */
  usPerStreamB64: number;
  /**
   * Whether the peer ran a batch-64 model. False for the naive `predict()` path: it steps one stream
   * at a time on a B=1 model, so 64 streams cost 64 B=1 calls and its per-stream cost is `usPerCallB1`.
   */
  batched: boolean;
  /** Interleaved rounds behind each median. */
  rounds: number;
}

/** One peer's timed loops; each returns µs per call (B=1) or per stream (B=64) over `n` calls. */
interface Peer {
  name: PeerName;
  timeB1(n: number): Promise<number>;
  timeB64?(n: number): Promise<number>;
  dispose(): Promise<void>;
}

/**
 * Measures every peer at hidden size `H`.
 * @param opts.quick fewer rounds and calls (for CI or a smoke run)
 */
export async function benchPeers(opts: { H: number; quick: boolean }): Promise<PeerResult[]> {
  const { H, quick } = opts;
  const rounds = quick ? 5 : 15;
  const calls = { b1: quick ? 1000 : 3000, b64: quick ? 100 : 300 };
  const peers = await createPeers(H);
  try {
    const samples = peers.map(() => ({ b1: [] as number[], b64: [] as number[] }));
    // Warm-up: first runs allocate arenas, pack weights and let the JIT settle.
    for (const p of peers) {
      await p.timeB1(calls.b1 / 2);
      await p.timeB64?.(calls.b64 / 2);
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, p] of peers.entries()) {
        samples[i]!.b1.push(await p.timeB1(calls.b1));
        if (p.timeB64) samples[i]!.b64.push(await p.timeB64(calls.b64));
      }
    }
    return peers.map((p, i) => {
      const b1 = median(samples[i]!.b1);
      const batched = p.timeB64 !== undefined;
      return {
        peer: p.name,
        hidden: H,
        usPerCallB1: b1,
        usPerStreamB64: batched ? median(samples[i]!.b64) : b1,
        batched,
        rounds,
      };
    });
  } finally {
    for (const p of peers) await p.dispose();
  }
}

async function createPeers(H: number): Promise<Peer[]> {
  const w = testModelWeights(H);
  const xs1 = randomNormal(16 * w.inputSize, 1);
  const xs64 = randomNormal(16 * 64 * w.inputSize, 2);
  const onnx = async (name: PeerName, create: typeof createOnnxNodeRunner): Promise<Peer> => {
    const r1 = await create(w, 1);
    const r64 = await create(w, 64);
    return {
      name,
      timeB1: (n) => timeAsyncInvokes(r1, n, xs1),
      timeB64: async (n) => (await timeAsyncInvokes(r64, n, xs64)) / 64,
      dispose: async () => {
        await r1.disposeAsync();
        await r64.disposeAsync();
      },
    };
  };
  const stepper = await createNaivePredictStepper(await loadTfliteInNode(), testModel(H, 'float32', 1).bytes);
  const h = new Float32Array(H);
  const naive: Peer = {
    name: 'tfjs-tflite predict()',
    timeB1: (n) => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const x = xs1.subarray((i & 15) * w.inputSize, ((i & 15) + 1) * w.inputSize);
        stepper.step(x, h);
      }
      return Promise.resolve(((performance.now() - t0) * 1000) / n);
    },
    dispose: () => Promise.resolve(stepper.dispose()),
  };
  return [
    await onnx('onnxruntime-node', createOnnxNodeRunner),
    await onnx('onnxruntime-web', createOnnxWebRunner),
    naive,
  ];
}

/** µs per awaited `invokeAsync()` over `n` back-to-back calls, with fresh inputs written each time. */
async function timeAsyncInvokes(r: AsyncModelRunner, n: number, xs: Float32Array): Promise<number> {
  const x = r.x;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    x.set(xs.subarray((i & 15) * x.length, ((i & 15) + 1) * x.length));
    await r.invokeAsync();
  }
  return ((performance.now() - t0) * 1000) / n;
}

/** Prints the results as a table. */
export function printPeerTable(rows: PeerResult[]): void {
  printTable(
    ['H', 'peer', 'µs/call B=1', 'µs/stream B=64', 'B=64 measured as'],
    rows.map((r) => [
      r.hidden,
      r.peer,
      r.usPerCallB1.toFixed(2),
      r.usPerStreamB64.toFixed(3),
      r.batched ? 'one batch-64 call' : '64 × B=1 calls',
    ]),
  );
}

async function main(argv: string[]): Promise<void> {
  const args = parseBenchArgs(argv);
  const rows: PeerResult[] = [];
  for (const H of TEST_MODEL_HIDDEN_SIZES) rows.push(...(await benchPeers({ H, quick: args.quick })));
  printPeerTable(rows);
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    const out = { bench: 'peers', node: process.version, date: new Date().toISOString(), rows };
    writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
    console.log(`\nwrote ${args.json}`);
  }
}

// Run as a script (`npx tsx test/bench/peers/peer-bench.ts`), not when imported by the bench runner.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
