/** `worker_threads` entry of the engine (built to `dist/workers/node-worker.js`; tsx-booted in dev). */
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from '../src/transport/comlink-node.js';
import { nodeWorkerHost } from '../src/worker/node-host.js';
import { createWorkerApi } from '../src/worker/worker-core.js';

if (!parentPort) throw new Error('workers/node-worker.ts must run inside a worker_threads Worker');
expose(createWorkerApi(nodeWorkerHost()), nodeEndpoint(parentPort));
