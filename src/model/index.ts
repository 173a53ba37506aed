/**
 * gru-stream/model: the model toolchain (pure TypeScript, runs anywhere): GRU weights → quantized
 * `.tflite` + manifest, the reference step, and a reader for any `.tflite`.
 */
export { exportGruModel } from './export.js';
export type { ExportOptions, ExportedModel } from './export.js';
export { buildGruStepGraph, QUANT_SCHEMES } from './gru-graph.js';
export type { GruGraphOptions, QuantScheme, RangeTable } from './gru-graph.js';
export { calibrateRanges } from './calibrate.js';
export { referenceStep, referenceSequence, checkWeights } from './gru-reference.js';
export type { GruForm, GruWeights, HeadKind } from './gru-reference.js';
export { randomGruWeights } from './random.js';
export { createManifest, parseManifest, MANIFEST_FORMAT, speechEmbeddingFeatures } from './manifest.js';
export type { FeatureSpec, ModelManifest } from './manifest.js';
export { readTflite } from './tflite/reader.js';
export { writeTflite } from './tflite/writer.js';
export { describeGraph } from './tflite/describe.js';
export type { GraphDesc, OperatorDesc, Quantization, TensorDesc } from './graph.js';
export { sha256Hex } from './sha256.js';
export { STEP_TENSOR_NAMES } from './tensor-names.js';
