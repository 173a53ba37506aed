/** The client API for Node: everything of `./index.ts`, with `createEngine` on `worker_threads`. */
export * from './index.js';
// Named exports win over the star export above: Node gets this createEngine.
export { createEngine } from './create-engine-node.js';
export type { NodeEngineOptions } from './create-engine-node.js';
export { nodePlatform } from './platform-node.js';
export type { NodePlatformOptions } from './platform-node.js';
export { createEnginePool } from './pool-node.js';
export type { NodePoolOptions } from './pool-node.js';
export { directorySnapshotStore } from './snapshot-store-node.js';
