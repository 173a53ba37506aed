/**
 * Browser platform: the engine runs in a classic (non-module) Web Worker, because tfjs-tflite loads
 * its WASM glue with `importScripts`. Death shows as the worker's `error` / `messageerror` events;
 * Chromium fires nothing when a worker is terminated or closes itself, so the client's call deadline
 * covers that case.
 */
import type { WasmFiles } from '../protocol/worker.js';
import { probeUrl } from '../transport/probe-url.js';
import { packagedBrowserAssets } from './browser-assets.js';
import type { Platform, WorkerHandle } from './platform.js';

/**
 * Where the worker finds tfjs-tflite's WASM glue (`tflite_web_api_cc_simd.js`) and binary
 * (`tflite_web_api_cc_simd.wasm`), like onnxruntime-web's `env.wasm.wasmPaths`: a folder URL holding
 * both under their own names, or the two URLs (e.g. what your bundler's `?url` imports return).
 * Relative URLs resolve against the page.
 */
export type WasmPaths = string | URL | { glue: string | URL; wasm: string | URL };

export interface BrowserPlatformOptions {
  /**
   * URL of the engine worker bundle. Default: the package's own `dist/workers/browser-worker.js`,
   * found with `new URL(…, import.meta.url)` (bundlers copy it into the app).
   */
  workerUrl?: string | URL;
  /**
   * Where the WASM glue and binary are. Default: the package's own copies (as `workerUrl`) when
   * `workerUrl` is not given either, else the folder of `workerUrl`.
   */
  wasmPaths?: WasmPaths;
}

/** Starts engine workers as classic Web Workers. */
export function browserPlatform(options: BrowserPlatformOptions = {}): Platform {
  let workerUrl: string;
  let wasmFiles: WasmFiles | undefined;
  if (options.workerUrl === undefined) {
    const packaged = packagedBrowserAssets();
    workerUrl = packaged.worker.href;
    wasmFiles = { glue: packaged.glue.href, wasm: packaged.wasm.href };
  } else {
    workerUrl = absolute(options.workerUrl);
  }
  if (options.wasmPaths !== undefined) wasmFiles = resolveWasmPaths(options.wasmPaths);
  const platform: Platform = {
    name: 'browser',
    spawn: () => spawnWebWorker(workerUrl),
    resolveModelRef: (ref) => absolute(ref),
  };
  return wasmFiles === undefined ? platform : { ...platform, wasmFiles };
}

function absolute(url: string | URL): string {
  return new URL(url, globalThis.location?.href).href;
}

function resolveWasmPaths(paths: WasmPaths): WasmFiles {
  if (typeof paths === 'string' || paths instanceof URL) {
    const folder = absolute(paths);
    const base = folder.endsWith('/') ? folder : `${folder}/`;
    return {
      glue: new URL('tflite_web_api_cc_simd.js', base).href,
      wasm: new URL('tflite_web_api_cc_simd.wasm', base).href,
    };
  }
  return { glue: absolute(paths.glue), wasm: absolute(paths.wasm) };
}

function spawnWebWorker(workerUrl: string): WorkerHandle {
  const worker = new Worker(workerUrl, { type: 'classic', name: 'gru-stream-engine' });
  let onDeath: ((reason: string) => void) | undefined;
  let deathReason: string | undefined;
  let heard = false;
  const die = (reason: string): void => {
    if (deathReason !== undefined) return;
    deathReason = reason;
    // A worker that failed may still be running half-initialised: stop it for good.
    worker.terminate();
    onDeath?.(reason);
  };
  worker.addEventListener('message', () => (heard = true), { once: true });
  worker.addEventListener('error', (e: ErrorEvent) => {
    const what = `worker error: ${e.message || 'script failed to load'}`;
    if (heard) {
      die(what);
      return;
    }
    // Not a word from the worker yet: most likely the script itself did not load. Say what the
    // URL serves (an HTML fallback page is the usual culprit).
    void probeUrl(workerUrl, 'text/javascript').then((served) =>
      die(`${what}; the worker script ${workerUrl}: ${served}`),
    );
  });
  worker.addEventListener('messageerror', () => die('a message from the worker could not be deserialized'));
  return {
    endpoint: worker,
    onDeath: (listener) => {
      onDeath = listener;
      if (deathReason !== undefined) listener(deathReason);
    },
    terminate: async () => worker.terminate(),
  };
}
