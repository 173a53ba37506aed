/**
 * `createEngine` for browsers (and any host with Web Workers): the engine runs in a classic Web Worker
 * started from the prebuilt bundle the package ships. Node code gets the `worker_threads` flavour of
 * the same function from the package's `node` entry.
 */
import { createEngineOn } from './engine-client.js';
import type { EngineOptions, WorkerEngineClient } from './engine-client.js';
import { browserPlatform } from './platform-browser.js';
import type { BrowserPlatformOptions, WasmPaths } from './platform-browser.js';
import type { Platform } from './platform.js';

export interface BrowserEngineOptions extends Omit<EngineOptions, 'wasmPath'> {
  /**
   * URL of the engine worker bundle. Default: the package's `dist/workers/browser-worker.js`,
   * referenced as `new URL(…, import.meta.url)` so that bundlers copy it into the app.
   */
  workerUrl?: string | URL;
  /**
   * Where tfjs-tflite's WASM glue and binary are served: a folder URL holding
   * `tflite_web_api_cc_simd.js` and `.wasm`, or `{ glue, wasm }` URLs. Default: the package's own
   * copies (or, when only `workerUrl` is given, the folder of `workerUrl`).
   */
  wasmPaths?: WasmPaths;
  /** Overrides how the worker is started (tests, other hosts). Default: a classic Web Worker. */
  platform?: Platform;
}

/**
 * Starts an engine in a Web Worker and loads the models (URLs or bytes) into it.
 *
 * @example
 * const engine = await createEngine({ models: ['/models/kws-b1.tflite', '/models/kws-b8.tflite'] });
 * mic$.pipe(infer(engine, { stream: 'mic' })).subscribe((p) => console.log(p.label, p.score));
 */
export async function createEngine(options: BrowserEngineOptions): Promise<WorkerEngineClient> {
  if (options.platform !== undefined) return createEngineOn(options.platform, options);
  const where: BrowserPlatformOptions = {};
  if (options.workerUrl !== undefined) where.workerUrl = options.workerUrl;
  if (options.wasmPaths !== undefined) where.wasmPaths = options.wasmPaths;
  return createEngineOn(browserPlatform(where), options);
}
