/**
 * Node side of the end-to-end benchmark: builds the worker entries once (the prebuilt
 * `node-worker.mjs` is what production runs; the tsx boot is for development only) and starts engines
 * on the default model family.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWorkers } from '../../scripts/build-workers.js';
import type { BuiltWorkers } from '../../scripts/build-workers.js';
import { createEngine } from '../../src/node.js';
import type { NodeEngineOptions, WorkerEngineClient } from '../../src/node.js';
import { MODELS_DIR } from '../helpers/models.js';
import { BATCHES, modelFileName } from './bench-models.js';
import type { ColdStartSample } from './cold-start.js';

/**
 * Where the bench builds its workers. Inside the repository (not a temp folder) because the Node
 * worker bundle leaves npm packages external: they resolve from `node_modules` above it.
 */
export const BENCH_WORKERS_DIR = fileURLToPath(new URL('../../dist/bench/workers/', import.meta.url));

let built: Promise<BuiltWorkers> | undefined;

/** Builds both worker bundles (and copies the WASM files) once per run. */
export function benchWorkers(): Promise<BuiltWorkers> {
  built ??= buildWorkers(BENCH_WORKERS_DIR);
  return built;
}

/** Paths of the default model's batch variants at hidden size H. */
export function modelPaths(H: number): string[] {
  return BATCHES.map((b) => join(MODELS_DIR, 'test', modelFileName(H, b)));
}

/** Starts an engine on the prebuilt Node worker with the default model at hidden size H. */
export async function startNodeEngine(
  H: number,
  options: Partial<NodeEngineOptions> = {},
): Promise<WorkerEngineClient> {
  const { nodeWorker } = await benchWorkers();
  return createEngine({ models: modelPaths(H), workerUrl: nodeWorker, ...options });
}

const COLD_START_CHILD = fileURLToPath(new URL('./cold-start-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let childBuilt: Promise<string> | undefined;

/**
 * The cold-start child as one ESM file run by plain `node` (npm packages stay external, resolved from
 * `node_modules`), as a bundled production app would start: no tsx, no loader hooks.
 */
function coldStartChild(): Promise<string> {
  childBuilt ??= (async () => {
    const outfile = join(BENCH_WORKERS_DIR, '..', 'cold-start-child.mjs');
    await build({
      entryPoints: [COLD_START_CHILD],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    return outfile;
  })();
  return childBuilt;
}

/**
 * Node: `runs` cold starts, each in a fresh `node` process; the process start and the library's own
 * import are not timed, `createEngine()` → first prediction is.
 * @param workerUrl the prebuilt worker entry (child bundled, plain node), or undefined for the default
 *   tsx dev boot (child run through tsx, as in development)
 */
export async function nodeColdStarts(
  H: number,
  workerUrl: string | undefined,
  runs: number,
): Promise<ColdStartSample[]> {
  const args =
    workerUrl === undefined
      ? ['--import', 'tsx', COLD_START_CHILD, '-', ...modelPaths(H)]
      : [await coldStartChild(), workerUrl, ...modelPaths(H)];
  const samples: ColdStartSample[] = [];
  for (let k = 0; k < runs; k++) {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, args, { cwd: ROOT }, (e, out, err) =>
        e ? reject(new Error(`cold-start child failed: ${e.message}\n${err}`)) : resolve(out),
      ),
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{'));
    if (line === undefined) throw new Error(`cold-start child printed no result:\n${stdout}`);
    samples.push(JSON.parse(line) as ColdStartSample);
  }
  return samples;
}
