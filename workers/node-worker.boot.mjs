// Dev/test boot of the Node engine worker. Node cannot start a `.ts` file as a worker_threads entry
// (nor inherit the parent's TypeScript loader), so this plain ESM file registers tsx's loader hooks in
// the worker's own thread and then imports the TypeScript entry. Production code can instead point
// `workerUrl` at `dist/workers/node-worker.mjs`, prebuilt by `npm run build:workers`.
import { register } from 'tsx/esm/api';

register();
await import('./node-worker.ts');
