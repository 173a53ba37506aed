/**
 * Test-only controls of an engine worker: crash it from inside, or block it. Not part of the public
 * API (no package entry exports this module); the library's own tests import it by path. Options and
 * clients carry the hooks under a symbol, so no public type mentions them.
 */
import { GruStreamError } from '../errors.js';

/** Marks engine options that ask for test hooks, and the client that carries them. */
export const TEST_HOOKS: unique symbol = Symbol('gru-stream test hooks');

export interface TestHooks {
  /**
   * Ends the worker's thread abruptly from inside. Node: `process.exit` (this call rejects with
   * E_WORKER_DEAD). Browser: `close()`, which answers this call and silently drops later ones.
   */
  crash(exitCode?: number): Promise<void>;
  /** Blocks the worker in `Atomics.wait` until `Int32Array(signal)[0]` becomes non-zero and is notified. */
  block(signal: SharedArrayBuffer): Promise<void>;
  /** Answers, then sets `Int32Array(signal)[0]` to 1 and notifies once the answer is posted. */
  signal(signal: SharedArrayBuffer): Promise<void>;
}

/** `options` with test hooks enabled: the worker accepts the hooks and the client carries them. */
export function withTestHooks<O extends object>(options: O): O {
  return { ...options, [TEST_HOOKS]: true };
}

/** True when {@link withTestHooks} marked `options`. */
export function wantsTestHooks(options: object): boolean {
  return (options as { [TEST_HOOKS]?: unknown })[TEST_HOOKS] === true;
}

/** The hooks of a client started with {@link withTestHooks} options; throws E_ARGUMENT otherwise. */
export function testHooksOf(client: object): TestHooks {
  const hooks = (client as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS];
  if (hooks === undefined) {
    throw new GruStreamError(
      'E_ARGUMENT',
      'testHooksOf(): the engine was not started withTestHooks(options)',
    );
  }
  return hooks;
}

/** True when `client` carries test hooks. */
export function hasTestHooks(client: object): boolean {
  return (client as { [TEST_HOOKS]?: TestHooks })[TEST_HOOKS] !== undefined;
}

/** Marks a pool; the value returns the client of its worker `i` (the current one after recoveries). */
export const POOL_WORKER: unique symbol = Symbol('gru-stream pool worker');

/** The test hooks of worker `i` of a pool started with {@link withTestHooks} options. */
export function workerHooksOf(pool: object, i: number): TestHooks {
  const worker = (pool as { [POOL_WORKER]?: (i: number) => object | undefined })[POOL_WORKER]?.(i);
  if (worker === undefined) {
    throw new GruStreamError('E_ARGUMENT', `workerHooksOf(): not a pool, or it has no worker ${i}`);
  }
  return testHooksOf(worker);
}
