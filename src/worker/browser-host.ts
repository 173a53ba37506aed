/**
 * The browser side of the engine worker: loads tfjs-tflite inside a classic Web Worker and fetches
 * model files. Bundled into `browser-worker.js` (esbuild aliases the package to its `fesm` build).
 */
import * as tfliteModule from '@tensorflow/tfjs-tflite';
import { GruStreamError } from '../errors.js';
import { verifyManifest } from '../model/manifest.js';
import type { ModelManifest } from '../model/manifest.js';
import type { TfliteModule } from '../runtime/tflite-runner.js';

type Tflite = TfliteModule & { setWasmPath(path: string): void };

/**
 * Returns the package, with its WASM glue taken from `wasmPath` (a URL ending in `/`) or, by default,
 * from the worker script's own folder (the package resolves it against `self.location`).
 */
export async function loadTfliteInWorker(wasmPath: string | undefined): Promise<TfliteModule> {
  const tflite = tfliteModule as unknown as Tflite;
  if (wasmPath !== undefined) tflite.setWasmPath(wasmPath);
  const g = globalThis as unknown as Record<string, unknown>;
  const sab = g.SharedArrayBuffer;
  // The package picks the threaded build whenever SharedArrayBuffer is visible (a cross-origin
  // isolated page); that build needs its extra worker file and gave no gain for models this small.
  // Hiding it during the one feature probe (cached afterwards) keeps the single-threaded SIMD build.
  delete g.SharedArrayBuffer;
  try {
    await tflite.getWasmFeatures();
  } finally {
    if (sab !== undefined) g.SharedArrayBuffer = sab;
  }
  return tflite;
}

/** Fetches a `.tflite` and the `.json` manifest beside it, and checks they belong together. */
export async function fetchModelFile(url: string): Promise<{ bytes: Uint8Array; manifest: ModelManifest }> {
  const manifestUrl = url.replace(/\.tflite(?=$|[?#])/, '.json');
  const [bytes, json] = await Promise.all([
    fetchOk(url).then(async (r) => new Uint8Array(await r.arrayBuffer())),
    fetchOk(manifestUrl).then((r) => r.json() as Promise<unknown>),
  ]);
  return { bytes, manifest: await verifyManifest(json, bytes) };
}

/** Fetches a file's bytes (the front-end model). */
export async function fetchBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetchOk(url)).arrayBuffer());
}

async function fetchOk(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new GruStreamError('E_ARGUMENT', `cannot fetch model file ${url}: ${(e as Error).message}`);
  }
  if (!response.ok) {
    throw new GruStreamError('E_ARGUMENT', `cannot fetch model file ${url}: HTTP ${response.status}`);
  }
  return response;
}
