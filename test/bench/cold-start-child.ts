/**
 * One Node cold start in a fresh process, for `node-engines.ts`; prints the sample as one JSON line.
 *
 *   node cold-start-child.mjs WORKER_URL|- MODEL…   (bundled; `-` = the default tsx dev boot, run via tsx)
 */
import { createEngine } from '../../src/node.js';
import { coldStartOnce } from './cold-start.js';

const [workerUrl, ...models] = process.argv.slice(2);
const sample = await coldStartOnce(() =>
  createEngine({ models, ...(workerUrl === undefined || workerUrl === '-' ? {} : { workerUrl }) }),
);
console.log(JSON.stringify(sample));
