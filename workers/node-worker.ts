/** `worker_threads` entry of the engine (boot it through `node-worker.boot.mjs`, or prebuild it). */
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from '../src/client/comlink-node.js';
import { readModelFile } from '../src/runtime/model-files-node.js';
import { loadTfliteInNode } from '../src/runtime/tflite-node-loader.js';
import { createWorkerApi } from './engine-worker-core.js';

if (!parentPort) throw new Error('workers/node-worker.ts must run inside a worker_threads Worker');
const api = createWorkerApi({
  loadTflite: (wasmDir) => loadTfliteInNode(wasmDir),
  readModel: async (path) => readModelFile(path),
  exit: (code) => process.exit(code),
  memory: () => {
    // Per worker: the heap and ArrayBuffers of this thread's isolate (rss would be the whole process).
    const { heapUsed, external } = process.memoryUsage();
    return { heapUsed, external };
  },
});
expose(api, nodeEndpoint(parentPort));
