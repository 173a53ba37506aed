/**
 * The same {@link EngineClient} over an engine in this thread: for tests, tools and hosts without
 * workers. Calls run synchronously inside the returned promises, so a long step blocks this thread.
 */
import type { EngineApi } from '../protocol/engine.js';
import { buildClient } from './client.js';
import type { EngineCall, EngineClient } from './client.js';
import type { MicroBatcherOptions } from './micro-batcher.js';

/**
 * Wraps an engine core (`createEngineCore(…)`) as an async client.
 * @param core the engine; the client owns it and disposes it on `dispose()`
 *
 * @example
 * const engine = createInProcessEngine(createEngineCore({ runners: [new ReferenceRunner(w, 8)], modelId }));
 */
export function createInProcessEngine(
  core: EngineApi,
  batching: Omit<MicroBatcherOptions, 'windowMs'> = {},
): EngineClient {
  const call = ((method, args) =>
    new Promise<unknown>((resolve) => {
      const fn = core[method] as (...a: unknown[]) => unknown;
      resolve(fn.apply(core, args));
    })) as EngineCall;
  return buildClient(core.info(), call, async () => core.dispose(), batching);
}
