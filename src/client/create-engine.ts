/**
 * `createEngine` for browsers (and any host with Web Workers): the engine runs in a classic Web Worker
 * started from the prebuilt bundle at `workerUrl`. Node code gets the `worker_threads` flavour of the
 * same function from the package's `node` entry.
 */
import { GruStreamError } from '../errors.js';
import { createEngineOn } from './engine-client.js';
import type { EngineOptions, WorkerEngineClient } from './engine-client.js';
import { browserPlatform } from './platform-browser.js';
import type { Platform } from './platform.js';

export interface BrowserEngineOptions extends EngineOptions {
  /** URL of `browser-worker.js` (built by `npm run build:workers`, served beside tfjs-tflite's WASM files). */
  workerUrl?: string | URL;
  /** Overrides how the worker is started (tests, other hosts). Default: a classic Web Worker at `workerUrl`. */
  platform?: Platform;
}

/**
 * Starts an engine in a Web Worker and loads the models (URLs or bytes) into it.
 *
 * @example
 * const engine = await createEngine({
 *   workerUrl: '/gru/browser-worker.js',
 *   models: ['/models/kws-b1.tflite', '/models/kws-b8.tflite'],
 * });
 * mic$.pipe(infer(engine, { stream: 'mic' })).subscribe((p) => console.log(p.label, p.score));
 */
export function createEngine(options: BrowserEngineOptions): Promise<WorkerEngineClient> {
  if (options.platform !== undefined) return createEngineOn(options.platform, options);
  if (options.workerUrl === undefined) {
    return Promise.reject(
      new GruStreamError(
        'E_ARGUMENT',
        "workerUrl: required in browsers (the URL of dist/workers/browser-worker.js); in Node import from 'gru-stream/node'",
      ),
    );
  }
  return createEngineOn(browserPlatform({ workerUrl: options.workerUrl }), options);
}
