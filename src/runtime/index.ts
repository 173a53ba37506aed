/**
 * gru-stream/runtime: what runs a GRU-step model. `ModelRunner` is the narrow interface the engine
 * drives; `TfliteRunner` runs a `.tflite` in tfjs-tflite's WASM interpreter, `ReferenceRunner` is the
 * pure-TypeScript oracle for tests. Safe for browser bundles (the Node loader is in `gru-stream/node`).
 */
export type { ModelRunner } from './runner.js';
export { ReferenceRunner } from './reference-runner.js';
export { createTfliteRunner, TfliteRunner } from './tflite-runner.js';
export type { TfliteModule, TfliteRunnerOptions } from './tflite-runner.js';
