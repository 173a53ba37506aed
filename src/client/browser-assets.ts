/**
 * Where the installed package keeps the browser engine: `dist/workers/browser-worker.js` and the one
 * tfjs-tflite WASM variant it loads, beside it. The URLs are written as literal
 * `new URL('…', import.meta.url)` expressions on purpose: bundlers (Vite, webpack 5, Rollup/Parcel
 * plugins) recognise exactly this form, copy the file into the app's output and rewrite the URL,
 * even when they rename it. This file is compiled to `dist/src/client/`, hence `../../workers/`.
 */
import { GruStreamError } from '../errors.js';

/** URLs of the engine worker bundle and its WASM glue and binary. */
export interface BrowserAssets {
  worker: URL;
  glue: URL;
  wasm: URL;
}

/** The package's own copies; throws a coded error where `import.meta.url` is unusable. */
export function packagedBrowserAssets(): BrowserAssets {
  try {
    return {
      worker: new URL('../../workers/browser-worker.js', import.meta.url),
      glue: new URL('../../workers/tflite_web_api_cc_simd.js', import.meta.url),
      wasm: new URL('../../workers/tflite_web_api_cc_simd.wasm', import.meta.url),
    };
  } catch (e) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `workerUrl: cannot locate the packaged worker (import.meta.url is ${String(import.meta.url)}: ` +
        `${(e as Error).message}); pass workerUrl and wasmPaths explicitly`,
    );
  }
}
