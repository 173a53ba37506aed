/**
 * Helpers shared by the shipped models' scripts and tests (sensors, text, keywords, the test models):
 * the float reference weights beside the quantized files, writing an export, and running whole
 * sequences through a `.tflite` GRU step with tfjs-tflite.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportedModel } from '../src/model/export.js';
import type { GruWeights } from '../src/model/gru-reference.js';
import type { ModelManifest } from '../src/model/manifest.js';
import { sha256Hex } from '../src/model/sha256.js';
import type { ModelRunner } from '../src/runtime/runner.js';
import { GruModel } from './train/gru-model.js';

/** Key, in a shipped manifest's `postprocess`, of the float reference weights' file and sha256. */
export const FLOAT_WEIGHTS_KEY = 'floatReference';

export interface FloatReference {
  /** File name beside the manifest: the float32 parameters, little-endian, in `GruModel` order. */
  file: string;
  sha256: string;
}

/** Writes the model's float parameters to `dir/file` and returns their manifest entry. */
export function saveFloatWeights(model: GruModel, dir: string, file: string): FloatReference {
  const bytes = new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength);
  writeFileSync(join(dir, file), bytes);
  return { file, sha256: sha256Hex(bytes) };
}

/**
 * The float reference weights of a shipped model (shape and head from its manifest), checked
 * against the sha256 the manifest records.
 */
export function loadFloatWeights(dir: string, manifest: ModelManifest): GruWeights {
  const ref = manifest.postprocess?.[FLOAT_WEIGHTS_KEY] as FloatReference | undefined;
  if (!ref) throw new Error(`manifest of ${manifest.file} names no float reference weights`);
  const bytes = new Uint8Array(readFileSync(join(dir, ref.file)));
  if (sha256Hex(bytes) !== ref.sha256) throw new Error(`${ref.file}: sha256 differs from the manifest's`);
  const params = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return new GruModel({ ...manifest.gru }, params).toGruWeights();
}

/** Writes each exported file and its manifest (`.json` beside the `.tflite`). */
export function writeExport(dir: string, files: readonly ExportedModel[]): string[] {
  return files.map((f) => {
    writeFileSync(join(dir, f.fileName), f.bytes);
    writeFileSync(
      join(dir, f.fileName.replace(/\.tflite$/, '.json')),
      `${JSON.stringify(f.manifest, null, 2)}\n`,
    );
    return f.fileName;
  });
}

/**
 * Runs whole sequences through a GRU-step runner, `runner.batch` sequences side by side, each row
 * carrying its own state from zeros (as a fresh stream in the engine).
 * @param sequences per sequence `T_i × I` frames
 * @returns per sequence `T_i × C` outputs
 */
export function runSequences(runner: ModelRunner, sequences: readonly Float32Array[]): Float32Array[] {
  const { batch: B, inputSize: I, hiddenSize: H, outputSize: C } = runner;
  const out = sequences.map((x) => new Float32Array((x.length / I) * C));
  const h = new Float32Array(B * H);
  for (let s0 = 0; s0 < sequences.length; s0 += B) {
    const rows = Math.min(B, sequences.length - s0);
    const T = Math.max(...sequences.slice(s0, s0 + rows).map((x) => x.length / I));
    h.fill(0);
    for (let t = 0; t < T; t++) {
      const x = runner.x;
      x.fill(0);
      for (let r = 0; r < rows; r++) {
        const seq = sequences[s0 + r]!;
        if (t * I < seq.length) x.set(seq.subarray(t * I, (t + 1) * I), r * I);
      }
      runner.h.set(h);
      runner.invoke();
      h.set(runner.hOut);
      const y = runner.y;
      for (let r = 0; r < rows; r++) {
        const o = out[s0 + r]!;
        if (t * C < o.length) o.set(y.subarray(r * C, (r + 1) * C), t * C);
      }
    }
  }
  return out;
}
