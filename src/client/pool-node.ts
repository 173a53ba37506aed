/**
 * `createEnginePool` for Node: the workers are `worker_threads`, one per available core by default
 * (`os.availableParallelism()`). The package's `node` entry exports this one.
 */
import { availableParallelism } from 'node:os';
import { createEnginePoolOn } from './pool.js';
import type { EnginePool, PoolOptions } from './pool.js';
import { nodePlatform } from './platform-node.js';
import type { Platform } from './platform.js';

export interface NodePoolOptions extends PoolOptions {
  /** The worker entry file (see `createEngine`). */
  workerUrl?: string | URL;
  /** Overrides how workers are started (tests). */
  platform?: Platform;
}

/**
 * Starts a pool of engine workers, each loading the same models; streams are spread over them by
 * a stable hash of their id, and a crashed or hung worker is replaced without losing state.
 *
 * @example
 * const pool = await createEnginePool({ models: ['models/kws-b1.tflite', 'models/kws-b64.tflite'] });
 * pool.recovered$.subscribe((e) => log.info(`worker ${e.worker} replaced in ${e.ms.toFixed(0)} ms`));
 * chunks$.pipe(inferMany(pool)).subscribe(handle);
 */
export function createEnginePool(options: NodePoolOptions): Promise<EnginePool> {
  const platform =
    options.platform ?? nodePlatform(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl });
  return createEnginePoolOn(platform, options, availableParallelism());
}
