/**
 * `createEngine`: starts an engine worker, loads the model into it and returns a typed async client
 * whose calls are watched: a worker that exits or fails rejects every pending call with E_WORKER_DEAD,
 * a call that misses its deadline rejects with E_TIMEOUT (and the worker, presumed hung, is ended),
 * and after either every call rejects at once with E_WORKER_DEAD.
 */
import { releaseProxy, transfer, wrap } from 'comlink';
import type { Remote } from 'comlink';
import { GruStreamError } from '../errors.js';
import type { EngineInfo } from '../protocol/engine.js';
import type { ModelManifest } from '../model/manifest.js';
import { CallGuard } from './call-guard.js';
import { buildClient } from './client.js';
import type { EngineCall, EngineClient } from './client.js';
import type { MicroBatcherOptions } from './micro-batcher.js';
import type { Platform } from './platform.js';
import { TEST_HOOKS, wantsTestHooks } from './test-hooks.js';
import type { TestHooks } from './test-hooks.js';
import type { WorkerApi, WorkerInit, WorkerMemoryReport, WorkerModelSource } from '../protocol/worker.js';

/** A model file: its bytes with the manifest beside it, or where to load both from. */
export type ModelSource =
  | { bytes: Uint8Array; manifest: ModelManifest }
  /** Path (Node) or URL (browser, resolved against the page) of a `.tflite`; the manifest is its `.json`. */
  | string
  | URL;

export interface EngineOptions {
  /** Batch-size variants of one model (e.g. B = 1, 8, 64); the engine picks per step. */
  models: ModelSource[];
  /** Deadline of every call in milliseconds; a worker that misses it is presumed hung. Default 10 000. */
  callTimeoutMs?: number;
  /** Deadline of starting the worker and loading the models, in milliseconds. Default 60 000. */
  initTimeoutMs?: number;
  /** Most streams open at once; a new stream beyond it fails with E_CAPACITY. Default 100 000. */
  maxStreams?: number;
  /**
   * Streams idle longer than this (ms) are released (their state dropped; a returning stream starts
   * fresh): the client asks the engine to evict them every `idleTtlMs` ms. Default: never.
   */
  idleTtlMs?: number;
  /**
   * The front-end model for a GRU trained on speech embeddings (manifest `features.kind`
   * 'speech-embedding'): `models/speech-embedding/embedding_model.tflite` as a path (Node), URL
   * (browser) or bytes. Ignored by other models.
   */
  frontEnd?: string | URL | Uint8Array;
  /** Batch sizes to build the front-end model for (default [1, 8]). */
  frontEndBatchSizes?: number[];
  /**
   * Node: folder of tfjs-tflite's WASM files. Default: the installed `@tensorflow/tfjs-tflite`'s
   * `wasm/`. (Browsers use `wasmPaths` of `createEngine` instead.)
   */
  wasmPath?: string;
  /**
   * Limits of the client's micro-batchers (see {@link MicroBatcherOptions}). Here `maxInFlight`
   * defaults to 2: the worker steps one batch while the next is already queued in it.
   */
  batching?: Omit<MicroBatcherOptions, 'windowMs'>;
}

/** The client of a worker engine. */
export interface WorkerEngineClient extends EngineClient {
  /**
   * The worker's memory in bytes (V8 heap and external memory), where the platform can measure it
   * (Node; not browser workers), e.g. to size `maxStreams`. Divide the growth by the streams opened.
   * @param collect run a full garbage collection first if the runtime exposes `gc()` (Node with
   *   `--expose-gc`); default false
   */
  memory(collect?: boolean): Promise<WorkerMemoryReport>;
}

/**
 * Starts an engine in a worker of `platform` and loads the models into it.
 *
 * @example
 * const engine = await createEngineOn(nodePlatform(), { models: ['models/kws-b1.tflite', 'models/kws-b8.tflite'] });
 * const result = await engine.step(request);
 * await engine.dispose();
 */
export async function createEngineOn(
  platform: Platform,
  options: EngineOptions,
): Promise<WorkerEngineClient> {
  const callTimeoutMs = positive('callTimeoutMs', options.callTimeoutMs ?? 10_000);
  const initTimeoutMs = positive('initTimeoutMs', options.initTimeoutMs ?? 60_000);
  const init = initMessage(platform, options);

  const handle = platform.spawn();
  const remote: Remote<WorkerApi> = wrap<WorkerApi>(handle.endpoint);
  let sweep: ReturnType<typeof setInterval> | undefined;
  let stopped: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopped ??= (async () => {
      clearInterval(sweep);
      remote[releaseProxy]();
      await handle.terminate();
    })());
  const guard: CallGuard = new CallGuard((method, timeoutMs) => {
    guard.fail(
      (m) =>
        new GruStreamError(
          'E_TIMEOUT',
          `${m}(): the engine worker missed the ${timeoutMs} ms deadline of ${method}() and was terminated`,
        ),
      (m) =>
        new GruStreamError(
          'E_WORKER_DEAD',
          `${m}(): the engine worker was terminated after a missed deadline`,
        ),
    );
    void shutdown();
  });
  handle.onDeath((reason) => {
    const dead = (m: string): GruStreamError =>
      new GruStreamError('E_WORKER_DEAD', `${m}(): the engine worker died (${reason})`);
    guard.fail(dead, dead);
    void shutdown();
  });

  let model: EngineInfo;
  try {
    model = await guard.run('init', initTimeoutMs, () => remote.init(init));
  } catch (e) {
    await shutdown();
    throw e;
  }

  const call = ((method, args, transferList) =>
    guard.run(method, callTimeoutMs, () => {
      // Touch the proxy only here: once released (worker dead, disposed) it throws, and the guard has
      // already rejected the call with the reason by then.
      const target = remote[method] as unknown as (...a: unknown[]) => Promise<unknown>;
      const wireArgs = transferList?.length ? [transfer(args[0], transferList), ...args.slice(1)] : args;
      return target(...wireArgs);
    })) as EngineCall;
  const dispose = async (): Promise<void> => {
    const disposed = (m: string): GruStreamError =>
      new GruStreamError('E_DISPOSED', `${m}(): the engine was disposed`);
    guard.fail(disposed, disposed);
    await shutdown();
  };
  // Two calls in flight: measured 7–17% more stream-steps/s end to end than one (test/bench).
  // Behind a front-end model a frame costs ~1000× a GRU step (an embedding per 8 frames, milliseconds
  // each): smaller calls keep each one well inside the call deadline.
  const frontEndLimit = model.frontEnd !== undefined ? { maxChunks: 256 } : {};
  const client = buildClient(model, call, dispose, { maxInFlight: 2, ...frontEndLimit, ...options.batching });
  const ttl = options.idleTtlMs;
  if (ttl !== undefined && Number.isFinite(ttl)) {
    sweep = setInterval(() => {
      if (guard.failed) {
        clearInterval(sweep);
        return;
      }
      // A failure because the worker is gone meanwhile is expected; any other is a bug and surfaces.
      client.evictIdle().then(undefined, (e: unknown) => {
        if (!guard.failed) throw e;
      });
    }, ttl);
    // Node: the sweep alone must not keep the process alive.
    (sweep as { unref?: () => void }).unref?.();
  }
  const memory = (collect = false): Promise<WorkerMemoryReport> =>
    guard.run('memory', callTimeoutMs, () => remote.memory(collect));
  const result = Object.assign(client, { memory });
  if (wantsTestHooks(options)) {
    const hooks: TestHooks = {
      crash: (exitCode = 70) => guard.run('crashForTest', callTimeoutMs, () => remote.crashForTest(exitCode)),
      block: (signal) => guard.run('blockForTest', callTimeoutMs, () => remote.blockForTest(signal)),
      signal: (signal) => guard.run('signalForTest', callTimeoutMs, () => remote.signalForTest(signal)),
    };
    Object.defineProperty(result, TEST_HOOKS, { value: hooks });
  }
  return result;
}

function initMessage(platform: Platform, options: EngineOptions): WorkerInit {
  if (!Array.isArray(options.models) || options.models.length === 0) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `models: expected at least one model file, got ${String(options.models)}`,
    );
  }
  const models = options.models.map((m, i): WorkerModelSource => {
    if (typeof m === 'string' || m instanceof URL) return { ref: platform.resolveModelRef(m) };
    if (
      typeof m === 'object' &&
      m !== null &&
      m.bytes instanceof Uint8Array &&
      typeof m.manifest === 'object'
    ) {
      return { bytes: m.bytes, manifest: m.manifest };
    }
    throw new GruStreamError(
      'E_ARGUMENT',
      `models[${i}]: expected a path or URL, or { bytes: Uint8Array, manifest }, got ${typeof m}`,
    );
  });
  const init: WorkerInit = { models };
  if (options.maxStreams !== undefined) init.maxStreams = options.maxStreams;
  if (options.idleTtlMs !== undefined) init.idleTtlMs = options.idleTtlMs;
  if (options.wasmPath !== undefined) init.wasmPath = options.wasmPath;
  const fe = options.frontEnd;
  if (fe !== undefined)
    init.frontEnd = fe instanceof Uint8Array ? { bytes: fe } : { ref: platform.resolveModelRef(fe) };
  if (options.frontEndBatchSizes !== undefined) init.frontEndBatchSizes = options.frontEndBatchSizes;
  if (platform.wasmFiles !== undefined) init.wasmFiles = platform.wasmFiles;
  if (wantsTestHooks(options)) init.testHooks = true;
  return init;
}

function positive(name: string, value: number): number {
  if (!(value > 0))
    throw new GruStreamError('E_ARGUMENT', `${name}: expected milliseconds > 0, got ${value}`);
  return value;
}
