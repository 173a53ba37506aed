/**
 * The model manifest: the JSON written beside every `.tflite` GRU-step file. It tells a runtime what
 * the file computes without parsing it, and lets anyone check that file and manifest belong together.
 */
import { GruStreamError } from '../errors.js';
import { checkManifestShapes } from './manifest-shapes.js';
import { STEP_TENSOR_NAMES } from './tensor-names.js';
import type { QuantScheme } from './gru-graph.js';
import { QUANT_SCHEMES } from './gru-graph.js';
import type { GruForm, HeadKind } from './gru-reference.js';
import { sha256Hex, sha256HexAsync } from './sha256.js';

export const MANIFEST_FORMAT = 'gru-stream-model/1';

/** How raw input becomes the model's frames; shared by training and inference. */
export type FeatureSpec =
  | { kind: 'log-mel'; sampleRate: number; windowMs: number; hopMs: number; melBins: number }
  | { kind: 'sensor'; channels: string[]; normalisation?: { mean: number[]; std: number[] } }
  | { kind: 'text'; alphabet: string }
  | { kind: 'raw'; description?: string }
  | SpeechEmbeddingFeatureSpec;

/**
 * A GRU head over Google's speech embedding: 16 kHz audio → `SpeechMelFrontEnd` (32 bins, 10 ms) →
 * windows of 76 frames every 8 frames → the embedding model (96 floats) → the GRU, one step per 80 ms.
 * The engine runs the embedding model named here before the GRU (`frontEnd` option).
 */
export interface SpeechEmbeddingFeatureSpec {
  kind: 'speech-embedding';
  sampleRate: 16000;
  melBins: 32;
  windowFrames: 76;
  stepFrames: 8;
  embeddingSize: 96;
  /** File name of the embedding model the head was trained on (`embedding_model.tflite`). */
  embeddingModel: string;
  /** sha256 (hex) of that file: the engine refuses another. */
  embeddingSha256: string;
}

/**
 * The feature spec of a head trained on the speech embedding in `embeddingModel` (its file name)
 * whose bytes hash to `embeddingSha256`: the fixed shapes of Google's speech_embedding.
 */
export function speechEmbeddingFeatures(
  embeddingModel: string,
  embeddingSha256: string,
): SpeechEmbeddingFeatureSpec {
  return {
    kind: 'speech-embedding',
    sampleRate: 16000,
    melBins: 32,
    windowFrames: 76,
    stepFrames: 8,
    embeddingSize: 96,
    embeddingModel,
    embeddingSha256,
  };
}

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** File name of the `.tflite`, relative to the manifest. */
  file: string;
  /** sha256 (hex) of the `.tflite` bytes. */
  sha256: string;
  /** Size of the `.tflite` in bytes. */
  bytes: number;
  /**
   * Identity of the computation, equal across batch sizes of one model: sha256 over the scheme and
   * the stored weights. Snapshots carry it, so state never moves into a different model.
   */
  modelId: string;
  gru: { form: GruForm; inputSize: number; hiddenSize: number; outputSize: number; head: HeadKind };
  /** Rows per invoke (fixed). */
  batch: number;
  quantization: QuantScheme;
  /** True when tanh was rewritten as 2·σ(2a) − 1 (weights of the n gate are then doubled). */
  tanhViaSigmoid: boolean;
  /** Names of the step's input and output tensors. */
  tensors: { x: string; h: string; y: string; hOut: string };
  labels?: string[];
  features?: FeatureSpec;
  /** Defaults for post-processing (smoothing, thresholds…); meaning depends on the model. */
  postprocess?: Record<string, unknown>;
  /** Calibration data used for `int8` (how many sequences and frames). */
  calibration?: { sequences: number; frames: number };
}

export interface ManifestFields {
  name: string;
  file: string;
  modelId: string;
  gru: ModelManifest['gru'];
  batch: number;
  quantization: QuantScheme;
  tanhViaSigmoid: boolean;
  labels?: string[];
  features?: FeatureSpec;
  postprocess?: Record<string, unknown>;
  calibration?: { sequences: number; frames: number };
}

/** Builds the manifest of `bytes` (hashing them). */
export function createManifest(bytes: Uint8Array, fields: ManifestFields): ModelManifest {
  const m: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: fields.name,
    file: fields.file,
    sha256: sha256Hex(bytes),
    bytes: bytes.length,
    modelId: fields.modelId,
    gru: fields.gru,
    batch: fields.batch,
    quantization: fields.quantization,
    tanhViaSigmoid: fields.tanhViaSigmoid,
    tensors: { ...STEP_TENSOR_NAMES },
  };
  if (fields.labels) m.labels = fields.labels;
  if (fields.features) m.features = fields.features;
  if (fields.postprocess) m.postprocess = fields.postprocess;
  if (fields.calibration) m.calibration = fields.calibration;
  return m;
}

/**
 * Checks that `json` is a well-formed manifest and, when `bytes` are given, that it describes them.
 * @param fileSha256 the hex SHA-256 of `bytes` when the caller has it from a faster hash (node:crypto,
 *   WebCrypto); default: hashed here in JavaScript (see {@link verifyManifest})
 * @throws GruStreamError E_MANIFEST naming the field, the expected and the actual value
 */
export function parseManifest(json: unknown, bytes?: Uint8Array, fileSha256?: string): ModelManifest {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new GruStreamError(
      'E_MANIFEST',
      `manifest field '${field}': expected ${expected}, got ${JSON.stringify(got)}`,
    );
  };
  if (typeof json !== 'object' || json === null) return bad('(root)', 'an object', json);
  const m = json as ModelManifest;
  if (m.format !== MANIFEST_FORMAT) bad('format', `'${MANIFEST_FORMAT}'`, m.format);
  for (const k of ['name', 'file', 'sha256', 'modelId'] as const) {
    if (typeof m[k] !== 'string' || m[k].length === 0) bad(k, 'a non-empty string', m[k]);
  }
  const posInt = (field: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) bad(field, 'an integer ≥ 1', v);
  };
  posInt('batch', m.batch);
  posInt('bytes', m.bytes);
  if (typeof m.gru !== 'object' || m.gru === null) bad('gru', 'an object', m.gru);
  posInt('gru.inputSize', m.gru.inputSize);
  posInt('gru.hiddenSize', m.gru.hiddenSize);
  posInt('gru.outputSize', m.gru.outputSize);
  if (m.gru.form !== 'reset_after' && m.gru.form !== 'classic')
    bad('gru.form', "'reset_after' or 'classic'", m.gru.form);
  if (m.gru.head !== 'softmax' && m.gru.head !== 'linear')
    bad('gru.head', "'softmax' or 'linear'", m.gru.head);
  if (!QUANT_SCHEMES.includes(m.quantization)) bad('quantization', QUANT_SCHEMES.join(' | '), m.quantization);
  if (m.labels !== undefined && (!Array.isArray(m.labels) || m.labels.length !== m.gru.outputSize)) {
    bad('labels', `${m.gru.outputSize} strings (gru.outputSize)`, m.labels);
  }
  if (bytes) {
    if (bytes.length !== m.bytes) bad('bytes', `${bytes.length} (the file's size)`, m.bytes);
    const sha = fileSha256 ?? sha256Hex(bytes);
    if (sha !== m.sha256) bad('sha256', `${sha} (the file's hash)`, m.sha256);
    checkManifestShapes(m, bytes);
  }
  return m;
}

/**
 * {@link parseManifest} with the file hashed by WebCrypto where the platform has it (Node, secure
 * browser contexts: ≈ 0.3 ms for a model file against 15–80 ms for the JavaScript hash in a fresh
 * worker), falling back to the JavaScript hash (plain-http pages).
 */
export async function verifyManifest(json: unknown, bytes: Uint8Array): Promise<ModelManifest> {
  return parseManifest(json, bytes, await sha256HexAsync(bytes));
}
