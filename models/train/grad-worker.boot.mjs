// Boot of the gradient worker. Node cannot start a `.ts` file as a worker_threads entry (nor inherit
// the parent's TypeScript loader), so this plain ESM file registers tsx's loader hooks in the worker's
// own thread and then imports the TypeScript entry (as workers/node-worker.boot.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./grad-worker.ts');
