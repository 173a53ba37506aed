/** The Vite configuration of the plant dashboard (a plain page: no service worker, no engine). */
import { fileURLToPath } from 'node:url';
import type { InlineConfig, LogLevel } from 'vite';

export function dashboardViteConfig(outDir: string, logLevel: LogLevel = 'info'): InlineConfig {
  return {
    configFile: false,
    root: fileURLToPath(new URL('.', import.meta.url)),
    base: './',
    logLevel,
    build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
  };
}
