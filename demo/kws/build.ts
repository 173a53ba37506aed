/**
 * `npm run build:demo`: builds the keyword-spotting PWA into `dist/demo/kws/`.
 *
 * Vite bundles the page and the microphone worklet; the rest is staged into Vite's public folder:
 * - `engine/`: the library's classic engine worker (`scripts/build-workers.ts`) and the one
 *   tfjs-tflite WASM variant the app serves (SIMD, single-threaded), beside it where it looks;
 * - `models/`: the model (see `model.ts`), its `.json` manifest and, for a head on the speech
 *   embedding, the embedding model (`embedding_model.tflite`, 1.3 MB) the engine runs before it;
 * - `icons/`: drawn by `icons.ts`.
 * vite-plugin-pwa then writes the web manifest and a service worker precaching all of it.
 *
 * Options (environment): `KWS_MODEL=<file.tflite>` picks another model.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';
import type { LogLevel } from 'vite';
import { buildWorkers } from '../../scripts/build-workers.js';
import { iconFiles } from './icons.js';
import { chooseModel, modelFiles } from './model.js';
import { kwsViteConfig } from './vite.config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The WASM variant served: what tfjs-tflite picks with SIMD and without cross-origin isolation. */
const WASM_FILES = ['tflite_web_api_cc_simd.js', 'tflite_web_api_cc_simd.wasm'];

export interface KwsBuildOptions {
  /** Default `dist/demo/kws`. */
  outDir?: string;
  /** The `.tflite` to ship (its `.json` beside it); default: {@link chooseModel}. */
  model?: string;
  logLevel?: LogLevel;
}

export interface KwsBuild {
  outDir: string;
  model: string;
}

export async function buildKwsDemo(options: KwsBuildOptions = {}): Promise<KwsBuild> {
  const outDir = resolve(options.outDir ?? join(ROOT, 'dist', 'demo', 'kws'));
  const model = options.model ?? chooseModel(ROOT).file;
  const stage = await mkdtemp(join(tmpdir(), 'kws-demo-'));
  try {
    const publicDir = join(stage, 'public');
    await stageEngine(join(stage, 'workers'), join(publicDir, 'engine'));
    await mkdir(join(publicDir, 'models'), { recursive: true });
    for (const f of modelFiles(model)) await copyFile(f, join(publicDir, 'models', basename(f)));
    for (const icon of iconFiles()) {
      await mkdir(dirname(join(publicDir, icon.path)), { recursive: true });
      await writeFile(join(publicDir, icon.path), icon.bytes);
    }
    await build(
      kwsViteConfig({ publicDir, outDir, modelUrl: `models/${basename(model)}`, logLevel: options.logLevel }),
    );
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  return { outDir, model };
}

/** Builds the engine workers and keeps the browser worker with the one WASM variant served. */
export async function stageEngine(workDir: string, engineDir: string): Promise<void> {
  const { browserWorker } = await buildWorkers(workDir);
  await mkdir(engineDir, { recursive: true });
  await copyFile(browserWorker, join(engineDir, 'browser-worker.js'));
  for (const f of WASM_FILES) await copyFile(join(dirname(browserWorker), f), join(engineDir, f));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const model = chooseModel(ROOT);
  console.log(`model: ${model.file} (${model.reason})`);
  const built = await buildKwsDemo({ model: model.file });
  console.log(`built ${built.outDir}`);
}
