/**
 * Loads `@tensorflow/tfjs-tflite` in Node (main thread or `worker_threads`).
 *
 * The package only knows browsers: it believes it runs in a Web Worker when `window` is absent, and
 * then fetches its emscripten glue with `importScripts` from a URL next to `self.location`. Here we
 * give it exactly that world, backed by the files on disk, before the package is first evaluated:
 *
 * - `self` and a `file:` `location` inside the package's `wasm/` folder, so the glue URL it derives
 *   is a file we can read;
 * - an `importScripts` that evaluates the glue in this realm and hands the emscripten factory the
 *   `.wasm` bytes read from disk (so no fetch is ever attempted) and a `printErr` without the
 *   XNNPACK INFO line (see tflite-log.ts);
 * - no `SharedArrayBuffer` while it probes WASM features: with it visible it would pick the threaded
 *   build, which spawns a global `Worker` that Node does not have.
 *
 * This is the only Node-specific file of the runtime; browsers load the package as it is.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';
import { GruStreamError } from '../errors.js';
import { filteredPrintErr } from './tflite-log.js';
import type { TfliteModule } from './tflite-runner.js';

/** The globals we set or read, seen without the DOM typings (which describe a real browser). */
type GlobalShim = Record<string, unknown>;
type ModuleFactory = (opts: Record<string, unknown>) => Promise<unknown>;

let loading: Promise<TfliteModule> | undefined;

/** Folder holding the package's `tflite_web_api_cc*.js` / `.wasm` files. */
export function tfliteWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-tflite/package.json')), 'wasm');
}

/**
 * Returns the tfjs-tflite module, loading it once per thread.
 * @param wasmDir folder with the WASM glue and binaries (default: the installed package's `wasm/`)
 */
export function loadTfliteInNode(wasmDir: string = tfliteWasmDir()): Promise<TfliteModule> {
  loading ??= doLoad(wasmDir);
  return loading;
}

async function doLoad(wasmDir: string): Promise<TfliteModule> {
  const g = globalThis as unknown as GlobalShim;
  if (typeof g.window !== 'undefined') {
    throw new GruStreamError(
      'E_RUNTIME',
      'loadTfliteInNode() called where `window` exists; use the browser loader',
    );
  }
  g.self ??= globalThis;
  const base = pathToFileURL(join(wasmDir, 'index.html'));
  g.location ??= { href: base.href, origin: 'file://', protocol: 'file:' };
  g.importScripts = (...urls: string[]) => {
    for (const url of urls) evaluateGlue(g, url);
  };

  const sab = g.SharedArrayBuffer;
  // Deleting (not just shadowing) is what makes `typeof SharedArrayBuffer` report 'undefined'.
  delete g.SharedArrayBuffer;
  try {
    // require(), not import(): the package's main entry is a 1.35 MB CommonJS bundle, and the ESM
    // wrapper Node builds around it parses it again (a third of the cold start, measured).
    const tflite = createRequire(import.meta.url)('@tensorflow/tfjs-tflite') as TfliteModule;
    const features = await tflite.getWasmFeatures();
    if (features.multiThreading) {
      throw new GruStreamError(
        'E_RUNTIME',
        'tfjs-tflite selected the threaded WASM build, which Node cannot run',
      );
    }
    return tflite;
  } finally {
    if (sab) g.SharedArrayBuffer = sab;
  }
}

/** Evaluates one emscripten glue file and wraps its factory so it gets the `.wasm` bytes from disk. */
function evaluateGlue(g: GlobalShim, url: string): void {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  let source: string;
  let wasm: Uint8Array;
  try {
    source = readFileSync(path, 'utf8');
    wasm = readFileSync(path.replace(/\.js$/, '.wasm'));
  } catch (e) {
    throw new GruStreamError(
      'E_RUNTIME',
      `cannot read tfjs-tflite WASM glue at ${path}: ${(e as Error).message}`,
    );
  }
  // The glue declares a global `var tflite_web_api_ModuleFactory`; it must run in this realm's
  // global scope (not a module scope), which is what runInThisContext gives.
  runInThisContext(source, { filename: path });
  const factory = g.tflite_web_api_ModuleFactory as ModuleFactory | undefined;
  if (typeof factory !== 'function') {
    throw new GruStreamError('E_RUNTIME', `${path} did not define tflite_web_api_ModuleFactory`);
  }
  const printErr = filteredPrintErr((text) => console.warn(text));
  g.tflite_web_api_ModuleFactory = ((opts) =>
    factory({ ...opts, wasmBinary: wasm, printErr })) satisfies ModuleFactory;
}
