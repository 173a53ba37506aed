/**
 * The body of both worker entries (Node `worker_threads` and browser Web Worker): loads tfjs-tflite
 * and the model files, builds one runner per batch size and the engine over them, and returns the
 * object the entry exposes over comlink. Platform differences come in through {@link WorkerHost}.
 */
import { transfer } from 'comlink';
import type { WorkerApi, WorkerInit, WorkerMemory, WorkerModelSource } from '../protocol/worker.js';
import { createEngineCore } from '../engine/engine.js';
import type { EngineApi } from '../protocol/engine.js';
import { GruStreamError } from '../errors.js';
import type { SerializedError } from '../errors.js';
import { verifyManifest } from '../model/manifest.js';
import type { ModelManifest, SpeechEmbeddingFeatureSpec } from '../model/manifest.js';
import { sha256HexAsync } from '../model/sha256.js';
import { createNormalizer, featureNormFromManifest } from '../features/normalize.js';
import { createTwoStageEngine } from '../engine/two-stage.js';
import { createEmbeddingRunner } from '../runtime/embedding-runner.js';
import type { ModelRunner } from '../runtime/runner.js';
import { createTfliteRunner } from '../runtime/tflite-runner.js';
import type { TfliteModule } from '../runtime/tflite-runner.js';

/** What a worker entry provides for its platform. */
export interface WorkerHost {
  /** Loads `@tensorflow/tfjs-tflite` from where {@link WorkerInit.wasmPath} / `wasmFiles` say. */
  loadTflite(wasm: Pick<WorkerInit, 'wasmPath' | 'wasmFiles'>): Promise<TfliteModule>;
  /** Reads a `.tflite` (path or URL) and the manifest beside it, checked against the bytes. */
  readModel(ref: string): Promise<{ bytes: Uint8Array; manifest: ModelManifest }>;
  /** Reads a file's bytes (path or URL): the front-end model, which has no GRU manifest. */
  readBytes(ref: string): Promise<Uint8Array>;
  /** Ends the worker at once (for {@link WorkerApi.crashForTest}). */
  exit(code: number): void;
  /** This realm's memory, where the platform can measure it. */
  memory?(): WorkerMemory;
}

/** Builds the object a worker entry passes to comlink's `expose`. */
export function createWorkerApi(host: WorkerHost): WorkerApi {
  let engine: EngineApi | undefined;
  let starting = false;
  let testHooks = false;
  const core = (): EngineApi => {
    if (engine === undefined) throw new GruStreamError('E_ARGUMENT', 'engine worker: call init() first');
    return engine;
  };
  const hooks = (name: string): void => {
    if (!testHooks) throw new GruStreamError('E_ARGUMENT', `${name}() needs init({ testHooks: true })`);
  };

  const api: WorkerApi = {
    init: async (init) => {
      if (starting) throw new GruStreamError('E_ARGUMENT', 'engine worker: init() was already called');
      starting = true;
      testHooks = init.testHooks === true;
      engine = await buildEngine(host, init);
      return engine.info();
    },
    info: () => core().info(),
    open: (stream, options) => core().open(stream, options),
    step: (request) => {
      const result = core().step(request);
      // The engine allocates both arrays per step: hand their memory over instead of copying it.
      return transfer(result, owned(result.outputs, result.outputCounts));
    },
    reset: (stream) => core().reset(stream),
    close: (stream) => core().close(stream),
    evictIdle: () => core().evictIdle(),
    snapshot: (stream) => {
      const bytes = core().snapshot(stream);
      return transfer(bytes, owned(bytes));
    },
    restore: (stream, snapshot) => core().restore(stream, snapshot),
    checkpoint: () => {
      const bytes = core().checkpoint();
      return transfer(bytes, owned(bytes));
    },
    restoreCheckpoint: (checkpoint) => core().restoreCheckpoint(checkpoint),
    stats: () => core().stats(),
    memory: (collect) => {
      const gc = (globalThis as { gc?: () => void }).gc;
      const collected = collect && typeof gc === 'function';
      if (collected) gc();
      const memory = host.memory?.();
      return memory === undefined ? { collected } : { memory, collected };
    },
    dispose: () => engine?.dispose(),
    crashForTest: (exitCode) => {
      hooks('crashForTest');
      host.exit(exitCode);
    },
    blockForTest: (signal) => {
      hooks('blockForTest');
      Atomics.wait(new Int32Array(signal, 0, 1), 0, 0);
    },
    signalForTest: (signal) => {
      hooks('signalForTest');
      // After this call's answer is posted (comlink posts it in a microtask): the waiting main thread
      // then knows the answer is in its queue.
      setTimeout(() => {
        const flag = new Int32Array(signal, 0, 1);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
      });
    },
  };
  return guardAll(api);
}

async function buildEngine(host: WorkerHost, init: WorkerInit): Promise<EngineApi> {
  if (!Array.isArray(init.models) || init.models.length === 0) {
    throw new GruStreamError('E_ARGUMENT', 'init(): models must list at least one model file');
  }
  const [tflite, files] = await Promise.all([
    host.loadTflite(init),
    Promise.all(init.models.map((m) => loadModel(host, m))),
  ]);
  const first = files[0]!.manifest;
  for (const { manifest } of files) {
    if (manifest.modelId !== first.modelId) {
      throw new GruStreamError(
        'E_MANIFEST',
        `init(): all model files must be batch variants of one model; '${manifest.file}' has modelId ` +
          `${manifest.modelId}, expected ${first.modelId} (of '${first.file}')`,
      );
    }
  }
  const runners: ModelRunner[] = [];
  try {
    for (const { bytes } of files) runners.push(await createTfliteRunner(tflite, bytes));
    const options: Parameters<typeof createEngineCore>[0] = { runners, modelId: first.modelId };
    if (first.labels !== undefined) options.labels = first.labels;
    if (init.maxStreams !== undefined) options.maxStreams = init.maxStreams;
    if (init.idleTtlMs !== undefined) options.idleTtlMs = init.idleTtlMs;
    const core = createEngineCore(options);
    return first.features?.kind === 'speech-embedding'
      ? await withFrontEnd(host, tflite, init, first, core)
      : core;
  } catch (e) {
    // The engine did not take ownership: free the interpreters before reporting the failure.
    for (const r of runners) r.dispose();
    throw e;
  }
}

async function loadModel(
  host: WorkerHost,
  source: WorkerModelSource,
): Promise<{ bytes: Uint8Array; manifest: ModelManifest }> {
  if ('ref' in source) return host.readModel(source.ref);
  // Bytes and manifest came from the caller: check they belong together before trusting either.
  return { bytes: source.bytes, manifest: await verifyManifest(source.manifest, source.bytes) };
}

/**
 * The buffers of `views` that each view covers entirely: transferring those moves exactly the result,
 * while a view into a larger buffer (should the engine ever reuse one) is copied instead.
 */
function owned(...views: ArrayBufferView[]): ArrayBuffer[] {
  return views
    .filter(
      (v) => v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer,
    )
    .map((v) => v.buffer as ArrayBuffer);
}

/** Wraps every method so a failure leaves the worker as a {@link SerializedError} (see worker-protocol). */
function guardAll(api: WorkerApi): WorkerApi {
  const guarded = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(api) as [string, (...args: unknown[]) => unknown][]) {
    guarded[name] = (...args: unknown[]): unknown => {
      try {
        const out = fn(...args);
        return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(toWire(e))) : out;
      } catch (e) {
        throw toWire(e);
      }
    };
  }
  return guarded as unknown as WorkerApi;
}

/** A library error keeps its code; anything else is a runtime failure that names what was thrown. */
function toWire(e: unknown): SerializedError {
  if (e instanceof GruStreamError) return e.toJSON();
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { name: 'GruStreamError', code: 'E_RUNTIME', message: `engine worker failed unexpectedly: ${what}` };
}

/**
 * Puts the speech-embedding model in front of a GRU trained on it: the file must be the one the
 * GRU's manifest names (same sha256).
 */
async function withFrontEnd(
  host: WorkerHost,
  tflite: TfliteModule,
  init: WorkerInit,
  manifest: ModelManifest,
  core: EngineApi,
): Promise<EngineApi> {
  const spec = manifest.features as SpeechEmbeddingFeatureSpec;
  const source = init.frontEnd;
  if (source === undefined) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `init(): model '${manifest.file}' runs on speech embeddings: pass its front-end model ` +
        `(${spec.embeddingModel}, sha256 ${spec.embeddingSha256}) as the frontEnd option`,
    );
  }
  const bytes = 'ref' in source ? await host.readBytes(source.ref) : source.bytes;
  const sha = await sha256HexAsync(bytes);
  if (sha !== spec.embeddingSha256) {
    throw new GruStreamError(
      'E_MANIFEST',
      `init(): front-end model: expected ${spec.embeddingModel} with sha256 ${spec.embeddingSha256} ` +
        `(named by '${manifest.file}'), got a file with sha256 ${sha}`,
    );
  }
  const runner = await createEmbeddingRunner(tflite, bytes, {
    batchSizes: init.frontEndBatchSizes ?? [1, 8],
  });
  try {
    // A head trained on normalised embeddings ships the statistics in its manifest.
    const norm = featureNormFromManifest(manifest);
    return createTwoStageEngine(
      runner,
      core,
      norm === undefined ? {} : { normalize: createNormalizer(norm) },
    );
  } catch (e) {
    runner.dispose();
    throw e;
  }
}
