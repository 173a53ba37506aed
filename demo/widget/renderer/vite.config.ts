/** The Vite configuration of the widget's renderer page (`build.ts` stages engine and model as its public folder). */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions } from 'vite';
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
    // `gru-stream/…` imports (here and in the PWA modules it reuses) take this checkout's TypeScript
    // source, as the PWA's build does, not a dist/ that a fresh clone has not built.
    resolve: { conditions: ['gru-stream-source', ...defaultClientConditions] },
    build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
  };
}
