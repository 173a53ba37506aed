/** Classic Web Worker entry of the engine; bundled to `dist/workers/browser-worker.js` (IIFE). */
import { expose } from 'comlink';
import { fetchBytes, fetchModelFile, loadTfliteInWorker } from '../src/worker/browser-host.js';
import { createWorkerApi } from '../src/worker/worker-core.js';

const api = createWorkerApi({
  loadTflite: (wasm) => loadTfliteInWorker(wasm),
  readModel: (url) => fetchModelFile(url),
  readBytes: (url) => fetchBytes(url),
  // Chromium fires no event on the parent for this; the client's call deadline notices.
  exit: () => self.close(),
});
expose(api);
