/**
 * `npm run build` (and `prepack`): the package's `dist/`.
 *
 * 1. tsc with tsconfig.build.json: ESM JavaScript and `.d.ts` for `src/**` in `dist/src/`;
 * 2. esbuild (build-workers.ts): the Node and browser engine workers and the WASM files in
 *    `dist/workers/`.
 *
 * The old `dist/` is removed first, so nothing stale is packed.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWorkers } from './build-workers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

const t0 = performance.now();
rmSync(DIST, { recursive: true, force: true });
console.log('build: tsc -p tsconfig.build.json → dist/src');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
console.log('build: esbuild workers → dist/workers');
const workers = await buildWorkers(join(DIST, 'workers'), { sourcemap: false });
console.log(`built ${workers.nodeWorker}\nbuilt ${workers.browserWorker}`);
console.log(`build: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
