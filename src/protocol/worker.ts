/**
 * What the engine worker exposes over comlink, types only. The worker entries implement it
 * (`src/worker/worker-core.ts`); the client calls it through a comlink proxy.
 *
 * The engine's methods keep their {@link EngineApi} signatures. Errors leave the worker as plain
 * {@link SerializedError} objects, not `Error` instances: comlink rebuilds a thrown `Error` from its
 * message and name only, which would lose `code` and `stream`.
 */
import type { EngineApi, EngineInfo } from './engine.js';
import type { ModelManifest } from '../model/manifest.js';

/** One model file as the worker receives it: bytes with their manifest, or a reference it loads itself. */
export type WorkerModelSource =
  | { bytes: Uint8Array; manifest: ModelManifest }
  /** A `.tflite` path (Node) or absolute URL (browser); its manifest is the `.json` beside it. */
  | { ref: string };

/** Where the browser worker finds tfjs-tflite's WASM glue and binary: two absolute URLs. */
export interface WasmFiles {
  /** URL of `tflite_web_api_cc_simd.js` (the emscripten glue the worker loads with `importScripts`). */
  glue: string;
  /** URL of `tflite_web_api_cc_simd.wasm`. */
  wasm: string;
}

/** The first call after spawning a worker. */
export interface WorkerInit {
  /** Batch variants of one model (same modelId, distinct batch sizes). */
  models: WorkerModelSource[];
  maxStreams?: number;
  idleTtlMs?: number;
  /**
   * Folder of tfjs-tflite's WASM glue: a path (Node) or a URL ending in `/` (browser).
   * Default: the installed package's `wasm/` (Node), the worker script's folder (browser).
   */
  wasmPath?: string;
  /**
   * The front-end model run before the GRU (the speech embedding's `.tflite`), for models whose
   * manifest has `features.kind === 'speech-embedding'`: its bytes, or a path (Node) / URL (browser).
   */
  frontEnd?: { bytes: Uint8Array } | { ref: string };
  /** Batch sizes to build the front-end model for (default [1, 8]). */
  frontEndBatchSizes?: number[];
  /**
   * Browser: absolute URLs of tfjs-tflite's SIMD glue script (`tflite_web_api_cc_simd.js`) and its
   * `.wasm`, wherever they are served (a bundler may rename both). Takes precedence over `wasmPath`.
   */
  wasmFiles?: WasmFiles;
  /** Enables {@link WorkerApi.crashForTest} and {@link WorkerApi.blockForTest}. Default false. */
  testHooks?: boolean;
}

/** Memory of the worker's JavaScript realm, in bytes, where the platform can tell (Node). */
export interface WorkerMemory {
  /** V8 heap in use (objects, strings, maps). */
  heapUsed: number;
  /** Memory outside the V8 heap: ArrayBuffers (typed arrays, the WASM memory) and other native allocations. */
  external: number;
}

/** What {@link WorkerApi.memory} reports. */
export interface WorkerMemoryReport {
  /** Undefined where the platform does not expose it (browser workers). */
  memory?: WorkerMemory;
  /** True when a full garbage collection ran just before (needs `--expose-gc`, e.g. from `v8.setFlagsFromString`). */
  collected: boolean;
}

/** The worker's API: the engine plus initialisation and test hooks. */
export interface WorkerApi extends EngineApi {
  /** Loads the runtime and the model files and builds the engine; once per worker. */
  init(init: WorkerInit): Promise<EngineInfo>;
  /**
   * The worker's memory, for capacity planning and benchmarks.
   * @param collect run a full garbage collection first, when the runtime exposes `gc()`
   */
  memory(collect: boolean): WorkerMemoryReport;
  /**
   * Test only: ends the worker's thread abruptly. Node: `process.exit`, no answer. Browser: `close()`,
   * which still answers this call and then silently drops everything after it.
   */
  crashForTest(exitCode: number): void;
  /** Test only: blocks the worker in `Atomics.wait` until `signal[0]` (an Int32) becomes non-zero. */
  blockForTest(signal: SharedArrayBuffer): void;
  /**
   * Test only: answers at once, then (after the answer was posted) sets `signal[0]` to 1 and notifies,
   * so a test can block the main thread until the answer is waiting in its queue.
   */
  signalForTest(signal: SharedArrayBuffer): void;
}
