/** The Vite configuration of the widget's renderer page (`build.ts` stages engine and model as its public folder). */
import { fileURLToPath } from 'node:url';
import type { InlineConfig, LogLevel } from 'vite';

export function widgetViteConfig(
  publicDir: string,
  outDir: string,
  modelUrl: string,
  logLevel: LogLevel,
): InlineConfig {
  return {
    configFile: false,
    root: fileURLToPath(new URL('.', import.meta.url)),
    base: './',
    publicDir,
    logLevel,
    define: { __WIDGET_MODEL_URL__: JSON.stringify(modelUrl) },
    build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
  };
}
