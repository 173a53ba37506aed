/**
 * Classic Web Worker of the Chromium bench: the raw-invoke floor measured where the engine runs (a
 * worker, the same tfjs-tflite WASM build), with no engine around the runner. Bundled beside the
 * engine worker so the WASM files are found the same way.
 */
import { createTfliteRunner } from '../../../src/runtime/tflite-runner.js';
import { fetchModelFile, loadTfliteInWorker } from '../../../src/worker/browser-host.js';
import { measureRawInvoke } from '../raw-invoke.js';

export interface RawInvokeRequest {
  hidden: number;
  /** URLs of the batch-1 and batch-64 model files. */
  models: [string, string];
  rounds: number;
  calls: number;
}

self.onmessage = async (e: MessageEvent<RawInvokeRequest>) => {
  const { hidden, models, rounds, calls } = e.data;
  try {
    const tflite = await loadTfliteInWorker({});
    const [b1, b64] = await Promise.all(models.map((url) => fetchModelFile(url)));
    const r1 = await createTfliteRunner(tflite, b1!.bytes);
    const r64 = await createTfliteRunner(tflite, b64!.bytes);
    const result = measureRawInvoke(hidden, r1, r64, { rounds, calls });
    r1.dispose();
    r64.dispose();
    self.postMessage({ result });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
