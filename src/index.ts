/**
 * gru-stream: real-time, stateful streaming GRU inference. This entry is safe for browser bundles;
 * in Node the package's `node` export condition resolves to `./node.ts` instead.
 */
export * from './client/index.js';
export { GruStreamError, deserializeError, isGruStreamError } from './errors.js';
export type { ErrorCode, SerializedError } from './errors.js';
export type { EngineInfo, EngineStats, StepRequest, StepResult, StreamOptions } from './protocol/engine.js';
export type { ModelManifest } from './model/manifest.js';
