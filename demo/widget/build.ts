/**
 * `npm run build:widget`: builds the widget into `dist/demo/widget/` (or `outDir`):
 * - `renderer/`: the page (Vite), with the PWA's engine worker + WASM (`engine/`, staged by the PWA's
 *   own `stageEngine`) and the PWA's keyword model (`models/`, chosen by the PWA's `chooseModel`,
 *   so the widget follows when the PWA's model changes; `KWS_MODEL` overrides both; with the
 *   embedding model a speech-embedding head needs, `modelFiles`);
 * - `main.cjs` and `preload.cjs`: the main process and the sandboxed preload, bundled by esbuild
 *   with only `electron` left external;
 * - `package.json`: what Electron and electron-builder read (`main`).
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { build } from 'vite';
import type { LogLevel } from 'vite';
import { stageEngine } from '../kws/build.js';
import { chooseModel, modelFiles } from '../kws/model.js';
import { MAIN_FILE, PRELOAD_FILE, RENDERER_DIR } from './layout.js';
import { widgetViteConfig } from './renderer/vite.config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WIDGET_DIR = join(ROOT, 'dist', 'demo', 'widget');
export { MAIN_FILE, PRELOAD_FILE };

export interface WidgetBuild {
  outDir: string;
  rendererDir: string;
  model: string;
}

export async function buildWidget(outDir = WIDGET_DIR, logLevel: LogLevel = 'warn'): Promise<WidgetBuild> {
  const out = resolve(outDir);
  const model = chooseModel(ROOT).file;
  const stage = await mkdtemp(join(tmpdir(), 'widget-'));
  const rendererDir = join(out, RENDERER_DIR);
  try {
    const publicDir = join(stage, 'public');
    await stageEngine(join(stage, 'workers'), join(publicDir, 'engine'));
    await mkdir(join(publicDir, 'models'), { recursive: true });
    for (const f of modelFiles(model)) await copyFile(f, join(publicDir, 'models', basename(f)));
    await build(widgetViteConfig(publicDir, rendererDir, `models/${basename(model)}`, logLevel));
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  const here = fileURLToPath(new URL('.', import.meta.url));
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['electron'],
    logLevel: logLevel === 'warn' ? 'warning' : logLevel,
    // The library's Node client (which reads import.meta.url) is reached through 'gru-stream' but
    // tree-shaken out: only GruStreamError is bundled, so that warning concerns code not shipped.
    logOverride: { 'empty-import-meta': 'silent' },
  };
  await esbuild({ ...common, entryPoints: [join(here, 'main', 'main.ts')], outfile: join(out, MAIN_FILE) });
  await esbuild({ ...common, entryPoints: [join(here, 'preload.ts')], outfile: join(out, PRELOAD_FILE) });
  await writeFile(
    join(out, 'package.json'),
    JSON.stringify(
      { name: 'gru-stream-widget', version: '0.1.0', private: true, main: 'main.cjs' },
      null,
      2,
    ) + '\n',
  );
  // electron-builder finds its config in the project folder: `npx electron-builder --projectDir <out>`.
  await copyFile(join(here, 'electron-builder.json'), join(out, 'electron-builder.json'));
  return { outDir: out, rendererDir, model };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const built = await buildWidget(WIDGET_DIR, 'info');
  console.log(`built ${built.outDir} (model ${built.model})`);
}
