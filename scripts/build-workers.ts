/**
 * Builds the engine workers into `dist/workers/` (or the folder given as the first argument):
 *
 * - `browser-worker.js`: classic Web Worker, one IIFE bundle, plus the one tfjs-tflite WASM variant it
 *   loads (single-threaded SIMD: `tflite_web_api_cc_simd.js` + `.wasm`) copied beside it, where the
 *   package looks for them by default (src/client/browser-assets.ts). Serve the folder as is.
 * - `node-worker.js`: the `worker_threads` entry as one ESM file (npm packages stay external), the
 *   default worker of the built package (src/client/platform-node.ts); runs without tsx.
 *
 * Usage: `npm run build:workers [-- outDir]` (`npm run build` runs it after tsc).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * The WASM variant the browser worker loads: single-threaded (SharedArrayBuffer hidden, see
 * browser-host.ts) with SIMD, which every current browser has; the worker refuses a browser without.
 */
export const WASM_FILES = ['tflite_web_api_cc_simd.js', 'tflite_web_api_cc_simd.wasm'] as const;

export interface BuiltWorkers {
  browserWorker: string;
  nodeWorker: string;
}

export interface BuildWorkersOptions {
  /**
   * Write `.map` files beside the bundles. Default true (tests, benchmarks); the package build turns
   * it off: the maps are not shipped, and a dangling `sourceMappingURL` makes dev servers complain.
   */
  sourcemap?: boolean;
}

/** Builds both workers into `outDir` (default `dist/workers`); returns the paths of the entries. */
export async function buildWorkers(
  outDir: string = join(ROOT, 'dist', 'workers'),
  options: BuildWorkersOptions = {},
): Promise<BuiltWorkers> {
  const sourcemap = options.sourcemap ?? true;
  const require = createRequire(import.meta.url);
  const tfliteDir = dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
  await mkdir(outDir, { recursive: true });
  const browserWorker = join(outDir, 'browser-worker.js');
  const nodeWorker = join(outDir, 'node-worker.js');
  await Promise.all([
    build({
      entryPoints: [join(ROOT, 'workers', 'browser-worker.ts')],
      outfile: browserWorker,
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      minify: true,
      sourcemap,
      // The package's `module` entry imports a file it does not ship; its flat ESM build is complete.
      alias: { '@tensorflow/tfjs-tflite': join(tfliteDir, 'dist', 'tf-tflite.fesm.js') },
      logLevel: 'warning',
    }),
    build({
      entryPoints: [join(ROOT, 'workers', 'node-worker.ts')],
      outfile: nodeWorker,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // tfjs-tflite is found on disk at run time (its WASM files sit in the installed package).
      packages: 'external',
      sourcemap,
      logLevel: 'warning',
    }),
    ...WASM_FILES.map((f) => copyFile(join(tfliteDir, 'wasm', f), join(outDir, f))),
  ]);
  return { browserWorker, nodeWorker };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = await buildWorkers(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(`built ${out.browserWorker}\nbuilt ${out.nodeWorker}`);
}
