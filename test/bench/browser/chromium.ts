/**
 * Runs the benchmark in headless Chromium: builds the classic engine worker (with tfjs-tflite's WASM
 * files beside it), a raw-invoke worker and the bench page, serves them and the test models on
 * 127.0.0.1 (random port; nothing else is reachable), and drives the page with playwright-core.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, servePage } from '../../helpers/chromium.js';
import { MODELS_DIR } from '../../helpers/models.js';
import { BATCHES, modelFileName } from '../bench-models.js';
import { benchWorkers, BENCH_WORKERS_DIR } from '../node-engines.js';
import type { BenchPageApi, PageSetup } from './page.js';

const BENCH_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  // gc() in workers, for the memory readings.
  '--js-flags=--expose-gc',
];
const PAGE_DIR = fileURLToPath(new URL('../../../dist/bench/page/', import.meta.url));

/** A running Chromium with the bench page loaded. */
export interface ChromiumBench {
  /** Calls one page function; the page's console is attached to a failure. */
  call<K extends keyof BenchPageApi>(
    name: K,
    ...args: Parameters<BenchPageApi[K]>
  ): Promise<Awaited<ReturnType<BenchPageApi[K]>>>;
  /** URLs the page needs for hidden size H. */
  setup(H: number): PageSetup;
  /** Reloads the page (a fresh realm, e.g. between cold starts). */
  reload(): Promise<void>;
  version: string;
  close(): Promise<void>;
}

/** Builds, serves and launches; the caller closes. */
export async function startChromiumBench(): Promise<ChromiumBench> {
  requireChromium('The Chromium benchmark');
  await benchWorkers();
  await mkdir(PAGE_DIR, { recursive: true });
  const tfliteFesm = fileURLToPath(
    new URL('../../../node_modules/@tensorflow/tfjs-tflite/dist/tf-tflite.fesm.js', import.meta.url),
  );
  const common = {
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    logLevel: 'warning',
    // The page passes workerUrl, so the package's own asset URLs (import.meta.url) are never used.
    logOverride: { 'empty-import-meta': 'silent' },
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
      outfile: join(PAGE_DIR, 'page.js'),
    }),
    // Beside the engine worker, so tfjs-tflite finds its WASM files the same way.
    build({
      ...common,
      entryPoints: [fileURLToPath(new URL('./raw-invoke-worker.ts', import.meta.url))],
      outfile: join(BENCH_WORKERS_DIR, 'raw-invoke-worker.js'),
      alias: { '@tensorflow/tfjs-tflite': tfliteFesm },
    }),
  ]);
  const server = await serve();
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BENCH_CHROMIUM_ARGS });
    const page: Page = await browser.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    const load = async (): Promise<void> => {
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => 'gruBench' in globalThis);
    };
    await load();
    const b = browser;
    return {
      version: b.version(),
      setup: (H) => ({
        workerUrl: `${origin}/worker/browser-worker.js`,
        rawWorkerUrl: `${origin}/worker/raw-invoke-worker.js`,
        models: BATCHES.map((batch) => `${origin}/models/${modelFileName(H, batch)}`),
      }),
      call: async (name, ...args) => {
        try {
          return (await page.evaluate(
            ([n, a]) => {
              const api = (
                globalThis as unknown as { gruBench: Record<string, (...x: unknown[]) => unknown> }
              ).gruBench;
              return api[n]!(...a);
            },
            [name, args] as [string, unknown[]],
          )) as never;
        } catch (e) {
          throw new Error(`${String(e)}\npage log:\n${log.join('\n')}`);
        }
      },
      reload: load,
      close: async () => {
        await b.close();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  } catch (e) {
    await browser?.close();
    server.close();
    throw e;
  }
}

/** Serves the page, the built workers and the test models on 127.0.0.1; nothing else. */
function serve(): Promise<Server> {
  const routes: Record<string, string> = {
    '/worker/': BENCH_WORKERS_DIR,
    '/models/': join(MODELS_DIR, 'test'),
  };
  return servePage('gru-stream bench', PAGE_DIR, routes);
}
