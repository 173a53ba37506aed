/**
 * comlink over Node's `worker_threads`: the adapter comlink ships, typed for a `Worker` (main side)
 * or the worker's `parentPort`. Node only.
 */
import type { Endpoint } from 'comlink';
import adapter from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort, Worker } from 'node:worker_threads';

/** A comlink endpoint over a Node `Worker` or `MessagePort`. */
export function nodeEndpoint(port: Worker | MessagePort): Endpoint {
  return adapter(port);
}
