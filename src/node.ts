/** gru-stream for Node: the public API with `createEngine` on `worker_threads`, plus file helpers. */
export * from './index.js';
// Named exports win over the star export above: Node gets this createEngine.
export { createEngine, createEnginePool, directorySnapshotStore, nodePlatform } from './client/node.js';
export type { NodeEngineOptions, NodePlatformOptions, NodePoolOptions } from './client/node.js';
export { modelFamily, readModelFile } from './runtime/model-files-node.js';
export type { ModelFile } from './runtime/model-files-node.js';
export { loadTfliteInNode } from './runtime/tflite-node-loader.js';
export * from './kws/index.js';
export { loadKwsModel, readAudioFile } from './kws/files-node.js';
export type { KwsModelFile, LoadKwsModelOptions } from './kws/files-node.js';
