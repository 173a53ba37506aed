/**
 * Node platform: the engine runs in a `worker_threads` Worker, spoken to through comlink's Node
 * adapter; death is Node's `exit` / `error` / `messageerror` events. Node only.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GruStreamError } from '../errors.js';
import { nodeEndpoint } from '../transport/comlink-node.js';
import type { Platform, WorkerHandle } from './platform.js';

export interface NodePlatformOptions {
  /**
   * The worker entry. Default: the package's prebuilt `dist/workers/node-worker.js`; when this file
   * itself runs from TypeScript source (a checkout, under tsx or vitest), `workers/node-worker.boot.mjs`,
   * which registers tsx in the worker and loads the TypeScript entry.
   */
  workerUrl?: string | URL;
}

/**
 * The default worker entry: the built one beside the compiled client (`dist/src/client/` →
 * `dist/workers/`), or the tsx boot when this module is the `.ts` source (`src/client/` → `workers/`).
 */
export function defaultNodeWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../workers/node-worker.boot.mjs', import.meta.url)
    : new URL('../../workers/node-worker.js', import.meta.url);
}

/** Starts engine workers as `worker_threads`. */
export function nodePlatform(options: NodePlatformOptions = {}): Platform {
  const workerUrl = options.workerUrl ?? defaultNodeWorkerUrl();
  return {
    name: 'node',
    spawn: () => spawnNodeWorker(workerUrl),
    resolveModelRef: (ref) => {
      if (typeof ref === 'string' && !ref.startsWith('file:')) return resolve(ref);
      const url = new URL(ref);
      if (url.protocol !== 'file:') {
        throw new GruStreamError(
          'E_ARGUMENT',
          `model ${url.href}: Node loads model files by path or file: URL`,
        );
      }
      return fileURLToPath(url);
    },
  };
}

function spawnNodeWorker(workerUrl: string | URL): WorkerHandle {
  const worker = new Worker(workerUrl);
  let onDeath: ((reason: string) => void) | undefined;
  let deathReason: string | undefined;
  const die = (reason: string): void => {
    if (deathReason !== undefined) return;
    deathReason = reason;
    onDeath?.(reason);
  };
  worker.on('error', (e: Error) => die(`worker threw ${e.name}: ${e.message}`));
  worker.on('exit', (code: number) => die(`worker exited with code ${code}`));
  // A reply that cannot be deserialized would leave its call pending forever: treat it as fatal.
  worker.on('messageerror', (e: Error) => {
    die(`a message from the worker could not be deserialized: ${e.message}`);
    void worker.terminate();
  });
  return {
    endpoint: nodeEndpoint(worker),
    onDeath: (listener) => {
      onDeath = listener;
      if (deathReason !== undefined) listener(deathReason);
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}
