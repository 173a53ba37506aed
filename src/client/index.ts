/**
 * The client API, safe for browser bundles (no Node built-ins). Node code imports `./node.ts`, which
 * adds the `worker_threads` platform and makes it the default of `createEngine`.
 */
export { createEngine } from './create-engine.js';
export type { BrowserEngineOptions } from './create-engine.js';
export { createEngineOn } from './engine-client.js';
export type { EngineOptions, ModelSource, WorkerEngineClient } from './engine-client.js';
export type { EngineClient } from './client.js';
export { createInProcessEngine } from './in-process.js';
export { isDropped, MicroBatcher } from './micro-batcher.js';
export type { BatcherCounters, MicroBatcherOptions, OverflowPolicy, StepTarget } from './micro-batcher.js';
export { createEnginePool, createEnginePoolOn } from './pool.js';
export type { BrowserPoolOptions, EnginePool, PoolCounters, PoolOptions } from './pool.js';
export type { RecoveredEvent, SnapshotPolicy, WorkerCounters } from './supervisor.js';
export { memorySnapshotStore } from './snapshot-store.js';
export { indexedDbSnapshotStore } from './snapshot-store-idb.js';
export type { IndexedDbStoreOptions } from './snapshot-store-idb.js';
export type { SnapshotStore } from './snapshot-store.js';
export { infer } from './infer.js';
export type { InferOptions } from './infer.js';
export { inferMany, isChunkFailure } from './infer-multiplexed.js';
export type { ChunkFailure, InferManyOptions } from './infer-multiplexed.js';
export type { Prediction } from './prediction.js';
export type { Chunk } from '../protocol/chunk.js';
export { browserPlatform } from './platform-browser.js';
export type { BrowserPlatformOptions, WasmPaths } from './platform-browser.js';
export type { Platform, WorkerHandle } from './platform.js';
export type { WorkerMemory, WorkerMemoryReport } from '../protocol/worker.js';
