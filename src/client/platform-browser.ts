/**
 * Browser platform: the engine runs in a classic (non-module) Web Worker, because tfjs-tflite loads
 * its WASM glue with `importScripts`. Death shows as the worker's `error` / `messageerror` events;
 * Chromium fires nothing when a worker is terminated or closes itself, so the client's call deadline
 * covers that case.
 */
import type { Platform, WorkerHandle } from './platform.js';

export interface BrowserPlatformOptions {
  /**
   * URL of the built worker bundle (`dist/workers/browser-worker.js` from `npm run build:workers`),
   * served with tfjs-tflite's `tflite_web_api_cc*.js|.wasm` files beside it. Passed explicitly rather
   * than written as `new URL(…, import.meta.url)`: an app bundler would copy the script away from the
   * WASM files it loads relative to itself.
   */
  workerUrl: string | URL;
}

/** Starts engine workers as classic Web Workers. */
export function browserPlatform(options: BrowserPlatformOptions): Platform {
  return {
    name: 'browser',
    spawn: () => spawnWebWorker(options.workerUrl),
    resolveModelRef: (ref) => new URL(ref, globalThis.location?.href).href,
  };
}

function spawnWebWorker(workerUrl: string | URL): WorkerHandle {
  const worker = new Worker(workerUrl, { type: 'classic', name: 'gru-stream-engine' });
  let onDeath: ((reason: string) => void) | undefined;
  let deathReason: string | undefined;
  const die = (reason: string): void => {
    if (deathReason !== undefined) return;
    deathReason = reason;
    // A worker that failed may still be running half-initialised: stop it for good.
    worker.terminate();
    onDeath?.(reason);
  };
  worker.addEventListener('error', (e: ErrorEvent) =>
    die(`worker error: ${e.message || 'script failed to load'}`),
  );
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
