/**
 * The browser side of the engine worker: loads tfjs-tflite inside a classic Web Worker and fetches
 * model files. Bundled into `browser-worker.js` (esbuild aliases the package to its `fesm` build).
 */
import { GruStreamError } from '../errors.js';
import { verifyManifest } from '../model/manifest.js';
import type { ModelManifest } from '../model/manifest.js';
import { filteredPrintErr } from '../runtime/tflite-log.js';
import { probeUrl } from '../transport/probe-url.js';
import type { TfliteModule } from '../runtime/tflite-runner.js';
import type { WasmFiles, WorkerInit } from '../protocol/worker.js';

type ModuleFactory = (opts: Record<string, unknown>) => Promise<unknown>;
type GlobalShim = Record<string, unknown>;

/** The glue tfjs-tflite asks for (any variant) and the one variant this worker ships and loads. */
const GLUE_NAME = /tflite_web_api_cc\w*\.js$/;

/** Set when the glue failed to load: what happened, and the URL (to ask the server what it sends). */
let glueFailure: { message: string; url?: string } | undefined;

let loading: Promise<TfliteModule> | undefined;

/**
 * Returns the package, loaded once per worker, with its WASM glue and binary taken from `wasmFiles`
 * (two URLs, see {@link WorkerInit.wasmFiles}), else from the folder `wasmPath` (a URL ending in
 * `/`), else from the worker script's own folder (the package resolves it against `self.location`).
 */
export function loadTfliteInWorker(wasm: Pick<WorkerInit, 'wasmPath' | 'wasmFiles'>): Promise<TfliteModule> {
  loading ??= doLoad(wasm);
  return loading;
}

async function doLoad(wasm: Pick<WorkerInit, 'wasmPath' | 'wasmFiles'>): Promise<TfliteModule> {
  const g = globalThis as unknown as GlobalShim;
  interceptGlue(g, wasm.wasmFiles ?? (wasm.wasmPath === undefined ? undefined : inFolder(wasm.wasmPath)));
  const sab = g.SharedArrayBuffer;
  // The package picks the threaded build whenever SharedArrayBuffer is visible (a cross-origin
  // isolated page); that build needs its extra worker file and gave no gain for models this small.
  // Hiding it while the package starts and probes the features (cached afterwards) keeps the
  // single-threaded SIMD build.
  delete g.SharedArrayBuffer;
  let tflite: TfliteModule;
  let features: { simd: boolean };
  try {
    // Imported only now, with the interceptor in place: evaluating the package already starts
    // loading its glue (measured: the request precedes any call into it).
    tflite = (await import('@tensorflow/tfjs-tflite')) as unknown as TfliteModule;
    features = await tflite.getWasmFeatures();
  } finally {
    if (sab !== undefined) g.SharedArrayBuffer = sab;
  }
  if (!features.simd) {
    throw new GruStreamError(
      'E_RUNTIME',
      'this browser has no WebAssembly SIMD; gru-stream ships only the SIMD build of tfjs-tflite',
    );
  }
  return {
    getWasmFeatures: () => tflite.getWasmFeatures(),
    loadTFLiteModel: (...args) =>
      tflite.loadTFLiteModel(...args).catch(async (e: unknown) => {
        // The package swallows a failed importScripts and then fails with an unrelated TypeError.
        if (glueFailure === undefined) throw e;
        const served =
          glueFailure.url === undefined ? '' : `; ${await probeUrl(glueFailure.url, 'text/javascript')}`;
        throw new GruStreamError('E_RUNTIME', `${glueFailure.message}${served}`);
      }),
  };
}

/** The glue and binary under their own names in the folder URL `wasmPath`. */
function inFolder(wasmPath: string): WasmFiles {
  const base = wasmPath.endsWith('/') ? wasmPath : `${wasmPath}/`;
  return { glue: `${base}tflite_web_api_cc_simd.js`, wasm: `${base}tflite_web_api_cc_simd.wasm` };
}

/**
 * tfjs-tflite loads its glue with `importScripts(<dir>/tflite_web_api_cc_simd.js)` and the glue finds
 * its `.wasm` through the `locateFile` the package passes to the module factory. Both go through here
 * so that the URLs the user (or their bundler) gave win, and emscripten's `printErr` drops the
 * XNNPACK INFO line.
 */
function interceptGlue(g: GlobalShim, files: WasmFiles | undefined): void {
  const importScripts = g.importScripts as (...urls: string[]) => void;
  g.importScripts = (...urls: string[]) => {
    for (const url of urls) {
      if (!GLUE_NAME.test(url)) {
        importScripts(url);
        continue;
      }
      const glue = files?.glue ?? url;
      try {
        importScripts(glue);
      } catch (e) {
        glueFailure = {
          message: `cannot load tfjs-tflite's WASM glue from ${glue}: ${(e as Error).message}`,
          url: glue,
        };
        throw e;
      }
      wrapFactory(g, files?.wasm);
    }
  };
}

function wrapFactory(g: GlobalShim, wasmUrl: string | undefined): void {
  const factory = g.tflite_web_api_ModuleFactory as ModuleFactory | undefined;
  if (typeof factory !== 'function') {
    glueFailure = { message: "tfjs-tflite's WASM glue did not define tflite_web_api_ModuleFactory" };
    throw new GruStreamError('E_RUNTIME', glueFailure.message);
  }
  const printErr = filteredPrintErr((text) => console.warn(text));
  g.tflite_web_api_ModuleFactory = ((opts) => {
    const locate = opts.locateFile as ((file: string, prefix: string) => string) | undefined;
    const locateFile = (file: string, prefix: string): string =>
      wasmUrl !== undefined && file.endsWith('.wasm') ? wasmUrl : (locate?.(file, prefix) ?? prefix + file);
    return factory({ ...opts, locateFile, printErr });
  }) satisfies ModuleFactory;
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
