/**
 * `createEngine` for Node: the engine runs in a `worker_threads` Worker. Node only; browsers use
 * `create-engine.ts`. The package's `node` export condition picks this one automatically.
 */
import { createEngineOn } from './engine-client.js';
import type { EngineOptions, WorkerEngineClient } from './engine-client.js';
import { nodePlatform } from './platform-node.js';
import type { Platform } from './platform.js';

export interface NodeEngineOptions extends EngineOptions {
  /**
   * The worker entry file. Default: the package's `dist/workers/node-worker.js` (plain Node), or the
   * tsx boot `workers/node-worker.boot.mjs` when the library runs from its TypeScript source.
   */
  workerUrl?: string | URL;
  /** Overrides how the worker is started (tests). Default: a `worker_threads` Worker at `workerUrl`. */
  platform?: Platform;
}

/**
 * Starts an engine in a `worker_threads` Worker and loads the models (paths or bytes) into it.
 *
 * @example
 * const engine = await createEngine({ models: ['models/kws-b1.tflite', 'models/kws-b64.tflite'] });
 * chunks$.pipe(inferMany(engine)).subscribe((p) => handle(p));
 * // …
 * await engine.dispose();
 */
export function createEngine(options: NodeEngineOptions): Promise<WorkerEngineClient> {
  const platform =
    options.platform ?? nodePlatform(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl });
  return createEngineOn(platform, options);
}
