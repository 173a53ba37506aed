/** The Node (`worker_threads`) side of the engine worker: tfjs-tflite's WASM from disk, models by path. */
import { readBytesFile, readModelFile } from '../runtime/model-files-node.js';
import { loadTfliteInNode } from '../runtime/tflite-node-loader.js';
import type { WorkerHost } from './worker-core.js';

/** The {@link WorkerHost} of a `worker_threads` engine worker. */
export function nodeWorkerHost(): WorkerHost {
  return {
    loadTflite: ({ wasmPath }) => loadTfliteInNode(wasmPath),
    readModel: async (path) => readModelFile(path),
    readBytes: async (path) => readBytesFile(path),
    exit: (code) => process.exit(code),
    memory: () => {
      // Per worker: the heap and ArrayBuffers of this thread's isolate (rss would be the whole process).
      const { heapUsed, external } = process.memoryUsage();
      return { heapUsed, external };
    },
  };
}
