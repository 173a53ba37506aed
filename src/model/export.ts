/**
 * GRU weights → quantized `.tflite` GRU-step file + manifest: the library's model toolchain in one call.
 */
import { GruStreamError } from '../errors.js';
import { calibrateRanges } from './calibrate.js';
import { buildGruStepGraph, type QuantScheme, type RangeTable } from './gru-graph.js';
import type { GruWeights } from './gru-reference.js';
import { checkWeights } from './gru-reference.js';
import { createManifest, type FeatureSpec, type ModelManifest } from './manifest.js';
import { sha256Hex } from './sha256.js';
import { writeTflite } from './tflite/writer.js';

export interface ExportOptions {
  /** Model name, used in the manifest and the default file name. */
  name: string;
  /** Batch sizes to emit, one file each (tfjs-tflite has no dynamic batch). Default [1, 8, 64]. */
  batches?: number[];
  /** Default 'int8-weights': 0.34× the float32 file at float speed and accuracy. */
  scheme?: QuantScheme;
  /** Required for 'int8': representative input sequences, each T × inputSize floats. */
  calibration?: Float32Array[];
  /** Default true: keep the step inside the XNNPACK delegate. */
  tanhViaSigmoid?: boolean;
  labels?: string[];
  features?: FeatureSpec;
  postprocess?: Record<string, unknown>;
}

export interface ExportedModel {
  /** `<name>-<scheme>-b<batch>.tflite` */
  fileName: string;
  bytes: Uint8Array;
  manifest: ModelManifest;
}

/** Writes one model file per batch size. */
export function exportGruModel(w: GruWeights, options: ExportOptions): ExportedModel[] {
  checkWeights(w);
  const scheme = options.scheme ?? 'int8-weights';
  const tanhViaSigmoid = options.tanhViaSigmoid ?? true;
  let ranges: RangeTable | undefined;
  if (scheme === 'int8') {
    if (!options.calibration?.length) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `model '${options.name}': scheme 'int8' needs calibration sequences`,
      );
    }
    ranges = calibrateRanges(w, options.calibration);
  }
  const batches = options.batches ?? [1, 8, 64];
  // The id covers what decides the numbers: the scheme and the weights as stored in the B=1 graph.
  const idGraph = buildGruStepGraph(w, { batch: 1, scheme, tanhViaSigmoid, ranges });
  const idParts = idGraph.tensors.filter((t) => t.data).map((t) => t.data!);
  const modelId = sha256Hex(concat([new TextEncoder().encode(`${scheme};${w.form};${w.head};`), ...idParts]));
  return batches.map((batch) => {
    const graph = buildGruStepGraph(w, { batch, scheme, tanhViaSigmoid, ranges });
    const bytes = writeTflite(graph);
    const fileName = `${options.name}-${scheme}-b${batch}.tflite`;
    const manifest = createManifest(bytes, {
      name: options.name,
      file: fileName,
      modelId,
      gru: {
        form: w.form,
        inputSize: w.inputSize,
        hiddenSize: w.hiddenSize,
        outputSize: w.outputSize,
        head: w.head,
      },
      batch,
      quantization: scheme,
      tanhViaSigmoid,
      ...(options.labels && { labels: options.labels }),
      ...(options.features && { features: options.features }),
      ...(options.postprocess && { postprocess: options.postprocess }),
      ...(options.calibration &&
        scheme === 'int8' && {
          calibration: {
            sequences: options.calibration.length,
            frames: options.calibration.reduce((n, s) => n + s.length / w.inputSize, 0),
          },
        }),
    });
    return { fileName, bytes, manifest };
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
