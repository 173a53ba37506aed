/**
 * The Chromium bench page: runs the platform-free parts of the benchmark (throughput, latency, cold
 * start, memory by the engine's own account) against the built classic engine worker through the
 * public browser client, and the raw-invoke floor in a worker of its own. Results go back to Node as
 * plain data (`chromium.ts` drives this page).
 */
import { createEngine } from '../../../src/client/index.js';
import type { WorkerEngineClient } from '../../../src/client/index.js';
import { coldStartOnce } from '../cold-start.js';
import type { ColdStartSample } from '../cold-start.js';
import { measureEcho } from '../echo.js';
import type { EchoResult } from '../echo.js';
import { measureLatency } from '../latency.js';
import type { LatencyCase, LatencyResult } from '../latency.js';
import { measureMemory } from '../memory.js';
import type { MemoryResult } from '../memory.js';
import type { RawInvokeResult } from '../raw-invoke.js';
import { measureThroughput } from '../throughput.js';
import type { ThroughputCase, ThroughputOptions, ThroughputResult } from '../throughput.js';
import type { RawInvokeRequest } from './raw-invoke-worker.js';

/** Where the page finds the built workers and the models. */
export interface PageSetup {
  workerUrl: string;
  rawWorkerUrl: string;
  /** Model URLs of one hidden size, by batch (1, 8, 64). */
  models: string[];
}

async function withEngine<T>(
  setup: PageSetup,
  extra: { maxStreams?: number },
  run: (engine: WorkerEngineClient) => Promise<T>,
): Promise<T> {
  const engine = await createEngine({ workerUrl: setup.workerUrl, models: setup.models, ...extra });
  try {
    return await run(engine);
  } finally {
    await engine.dispose();
  }
}

const api = {
  environment: (): { userAgent: string; hardwareConcurrency: number } => ({
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
  }),

  coldStart: (setup: PageSetup): Promise<ColdStartSample> =>
    coldStartOnce(() => createEngine({ workerUrl: setup.workerUrl, models: setup.models })),

  throughput: (
    setup: PageSetup,
    cases: ThroughputCase[],
    options: ThroughputOptions,
  ): Promise<ThroughputResult[]> =>
    withEngine(setup, {}, async (engine) => {
      const out: ThroughputResult[] = [];
      for (const c of cases) out.push(await measureThroughput(engine, c, options));
      return out;
    }),

  latency: (setup: PageSetup, cases: LatencyCase[]): Promise<LatencyResult[]> =>
    withEngine(setup, {}, async (engine) => {
      const out: LatencyResult[] = [];
      for (const c of cases) out.push(await measureLatency(engine, c));
      return out;
    }),

  /** The bare message round trip to an idle Web Worker, at 100/s. */
  echo: async (durationMs: number): Promise<EchoResult> => {
    const source = 'onmessage = (e) => postMessage(e.data);';
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    try {
      const echo = (): Promise<void> =>
        new Promise((resolve) => {
          worker.onmessage = () => resolve();
          worker.postMessage(0);
        });
      return await measureEcho(echo, 100, durationMs);
    } finally {
      worker.terminate();
    }
  },

  memory: (setup: PageSetup, counts: number[]): Promise<MemoryResult[]> =>
    withEngine(setup, { maxStreams: Math.max(...counts) }, (engine) =>
      measureMemory(engine, counts, { heap: true }),
    ),

  rawInvoke: (setup: PageSetup, request: RawInvokeRequest): Promise<RawInvokeResult> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(setup.rawWorkerUrl, { type: 'classic', name: 'raw-invoke' });
      worker.onmessage = (e: MessageEvent<{ result?: RawInvokeResult; error?: string }>) => {
        worker.terminate();
        if (e.data.result) resolve(e.data.result);
        else reject(new Error(e.data.error ?? 'raw-invoke worker failed'));
      };
      worker.onerror = (e) => {
        worker.terminate();
        reject(new Error(`raw-invoke worker error: ${e.message}`));
      };
      worker.postMessage(request);
    }),
};

export type BenchPageApi = typeof api;
(globalThis as unknown as { gruBench: BenchPageApi }).gruBench = api;
