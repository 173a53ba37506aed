/**
 * Reads a model file and its manifest from disk (Node only) and checks they belong together.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { GruStreamError } from '../errors.js';
import { parseManifest, type ModelManifest } from '../model/manifest.js';

export interface ModelFile {
  bytes: Uint8Array;
  manifest: ModelManifest;
}

/**
 * The bytes of a file that has no GRU manifest (the front-end model).
 * @throws GruStreamError E_ARGUMENT naming the file when it cannot be read
 */
export function readBytesFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new GruStreamError('E_ARGUMENT', `cannot read model file ${path}: ${(e as Error).message}`);
  }
}

/**
 * @param tflitePath path of the `.tflite`; the manifest is the `.json` beside it
 * @throws GruStreamError E_MANIFEST when the manifest is missing, malformed or for another file
 */
export function readModelFile(tflitePath: string): ModelFile {
  const manifestPath = tflitePath.replace(/\.tflite$/, '.json');
  let bytes: Uint8Array;
  let json: unknown;
  try {
    bytes = new Uint8Array(readFileSync(tflitePath));
  } catch (e) {
    throw new GruStreamError('E_ARGUMENT', `cannot read model file ${tflitePath}: ${(e as Error).message}`);
  }
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new GruStreamError('E_MANIFEST', `cannot read manifest ${manifestPath}: ${(e as Error).message}`);
  }
  // node:crypto hashes a model file in ≈ 0.3 ms; the JavaScript hash took 40–80 ms in a fresh worker.
  const sha = createHash('sha256').update(bytes).digest('hex');
  return { bytes, manifest: parseManifest(json, bytes, sha) };
}

/**
 * A model file and those of its batch-size siblings (same name with `-b1`, `-b8`, `-b64` before
 * `.tflite`, same folder) that exist: the list `createEngine({ models })` picks batch sizes from. The
 * named file stays in the list even when missing, so that loading it says why.
 */
export function modelFamily(file: string): string[] {
  const siblings = [1, 8, 64].map((b) => file.replace(/-b\d+\.tflite$/, `-b${b}.tflite`));
  return [...new Set([file, ...siblings])].filter((f) => f === file || existsSync(f));
}
