/** Builds the plant dashboard into `dist/demo/iot/` (or `outDir`); `npm run iot` builds it when missing. */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';
import type { LogLevel } from 'vite';
import { dashboardViteConfig } from './vite.config.js';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/demo/iot/', import.meta.url));

export async function buildDashboard(outDir = DASHBOARD_DIR, logLevel: LogLevel = 'warn'): Promise<string> {
  await build(dashboardViteConfig(resolve(outDir), logLevel));
  return outDir;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  console.log(`built ${await buildDashboard(DASHBOARD_DIR, 'info')}`);
}
