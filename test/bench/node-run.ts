/** The Node half of the end-to-end benchmark (see `main.ts`). */
import { Worker } from 'node:worker_threads';
import { loadTfliteInNode } from '../../src/runtime/tflite-node-loader.js';
import { createTfliteRunner } from '../../src/runtime/tflite-runner.js';
import { testModel } from '../helpers/models.js';
import { HIDDEN_SIZES, SCHEME } from './bench-models.js';
import { summarizeColdStart } from './cold-start.js';
import { measureEcho } from './echo.js';
import type { EchoResult } from './echo.js';
import { measureLatency } from './latency.js';
import { measureMemory } from './memory.js';
import { benchWorkers, nodeColdStarts, startNodeEngine } from './node-engines.js';
import { benchPeers } from './peers/peer-bench.js';
import type { Plan } from './plan.js';
import { measureRawInvoke, poolRawInvoke } from './raw-invoke.js';
import type { RawInvokeResult } from './raw-invoke.js';
import { emptyResults } from './report.js';
import type { PlatformResults } from './report.js';
import { measureThroughput } from './throughput.js';

/** Runs the plan in Node: engines in `worker_threads` workers, floor and peers on this thread. */
export async function runNode(
  p: Plan,
  quick: boolean,
  progress: (what: string) => void,
): Promise<PlatformResults> {
  const out: PlatformResults = emptyResults();
  await benchWorkers();
  const tflite = await loadTfliteInNode();
  for (const H of HIDDEN_SIZES) {
    const r1 = await createTfliteRunner(tflite, testModel(H, SCHEME, 1).bytes);
    const r64 = await createTfliteRunner(tflite, testModel(H, SCHEME, 64).bytes);
    // The floor before and after the end-to-end runs, the peers in between: one run's conditions.
    progress(`Node H=${H}: raw invoke, peers`);
    const raw: RawInvokeResult[] = [measureRawInvoke(H, r1, r64, p.rawInvoke, cpuMicros)];
    out.peers.push(...(await quietly(() => benchPeers({ H, quick }))));

    progress(`Node H=${H}: throughput`);
    const engine = await startNodeEngine(H);
    try {
      for (const c of p.throughput[H] ?? []) {
        out.throughput.push({
          hidden: H,
          ...(await measureThroughput(engine, c, p.throughputOptions, { cpuMicros })),
        });
      }
      raw.push(measureRawInvoke(H, r1, r64, p.rawInvoke, cpuMicros));
      if (H === HIDDEN_SIZES[0]) {
        progress(`Node H=${H}: latency`);
        out.echo = await nodeEcho(p.latency[0]!.durationMs);
        for (const c of p.latency)
          out.latency.push({ hidden: H, ...(await measureLatency(engine, c, { cpuMicros })) });
      }
    } finally {
      await engine.dispose();
    }
    out.rawInvoke.push(poolRawInvoke(raw));
    r1.dispose();
    r64.dispose();

    const counts = p.memory[H];
    if (counts !== undefined) {
      progress(`Node H=${H}: memory`);
      const fresh = await startNodeEngine(H, { maxStreams: Math.max(...counts) });
      try {
        for (const m of await measureMemory(fresh, counts, { heap: true }))
          out.memory.push({ hidden: H, ...m });
      } finally {
        await fresh.dispose();
      }
    }
  }
  progress('Node: cold starts');
  const H = HIDDEN_SIZES[0];
  const { nodeWorker } = await benchWorkers();
  out.coldStart.push({
    hidden: H,
    ...summarizeColdStart(
      'prebuilt dist node-worker.js, fresh process',
      await nodeColdStarts(H, nodeWorker, p.coldStarts.prebuilt),
    ),
  });
  out.coldStart.push({
    hidden: H,
    ...summarizeColdStart(
      'tsx dev boot (default), fresh process',
      await nodeColdStarts(H, undefined, p.coldStarts.tsxBoot),
    ),
  });
  return out;
}

/** The bare message round trip to an idle `worker_threads` worker, at 100/s. */
async function nodeEcho(durationMs: number): Promise<EchoResult> {
  const worker = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));",
    { eval: true },
  );
  try {
    const echo = (): Promise<void> =>
      new Promise((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage(0);
      });
    return await measureEcho(echo, 100, durationMs);
  } finally {
    await worker.terminate();
  }
}

/** CPU time of this process so far (all threads), µs. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Runs `f` with console.log sent to stderr (tfjs prints a banner), so stdout stays the report. */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...a: unknown[]) => console.error(...a);
  try {
    return await f();
  } finally {
    console.log = log;
  }
}
