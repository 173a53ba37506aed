/**
 * The feature tensors of one split on disk: `features-<split>.bin` (little-endian float32: features
 * [N, T, F] then per-frame weights [N, T]) and `features-<split>.json` (this header). Features are raw
 * log-mel; apply `norm` (train statistics) with `createNormalizer` from src/features/normalize.ts,
 * exactly as the worker will.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogMelFeatureSpec } from '../../../src/features/log-mel.js';
import type { FeatureNorm } from '../../../src/features/normalize.js';
import type { Split } from './voices.js';

export const FEATURES_FORMAT = 'kws-features/1';

export interface FeatureClip {
  id: string;
  label: string;
  /** Index into `labels`: the class id. */
  labelIndex: number;
  word: string | null;
  voice: string;
  /** First frame that overlaps the word; null for silence. */
  onsetFrame: number | null;
  /** First frame whose window reaches the word's offset (the word has been heard); null for silence. */
  offsetFrame: number | null;
}

export interface FeatureHeader {
  format: typeof FEATURES_FORMAT;
  split: Split;
  /** Clips N, frames per clip T, features per frame F. */
  count: number;
  frames: number;
  melBins: number;
  featureSpec: LogMelFeatureSpec;
  /** Front-end options beyond the spec (all at their defaults for a shippable model). */
  frontEnd: { fftSize: number; fMin: number; fMax: number; logFloor: number; preEmphasis: number };
  labels: readonly string[];
  /** Byte offsets in the .bin. */
  layout: { features: number; weights: number; bytes: number };
  /** Per-feature statistics of the training split. */
  norm: FeatureNorm;
  /** How the per-frame weights were set. */
  weighting: { keywordBefore: number; unknownBefore: number; silence: number };
  clips: FeatureClip[];
}

export interface FeatureSplit {
  header: FeatureHeader;
  /** [N, T, F] raw log-mel. */
  features: Float32Array;
  /** [N, T] training weight of each frame. */
  weights: Float32Array;
  /** [N] class ids. */
  labels: Int32Array;
}

export function featureFiles(dir: string, split: Split): { bin: string; json: string } {
  return { bin: join(dir, `features-${split}.bin`), json: join(dir, `features-${split}.json`) };
}

export function writeFeatureSplit(
  dir: string,
  header: FeatureHeader,
  features: Float32Array,
  weights: Float32Array,
): void {
  const { bin, json } = featureFiles(dir, header.split);
  const bytes = new Uint8Array(header.layout.bytes);
  bytes.set(
    new Uint8Array(features.buffer, features.byteOffset, features.byteLength),
    header.layout.features,
  );
  bytes.set(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), header.layout.weights);
  writeFileSync(bin, bytes);
  writeFileSync(json, JSON.stringify(header));
}

/**
 * Reads a split written by features.ts.
 * @throws when the files are missing, of another format, or their sizes disagree
 */
export function readFeatureSplit(dir: string, split: Split): FeatureSplit {
  const { bin, json } = featureFiles(dir, split);
  const header = JSON.parse(readFileSync(json, 'utf8')) as FeatureHeader;
  if (header.format !== FEATURES_FORMAT)
    throw new Error(`${json}: format ${header.format}, expected ${FEATURES_FORMAT}`);
  const raw = readFileSync(bin);
  if (raw.length !== header.layout.bytes)
    throw new Error(`${bin}: ${raw.length} bytes, header says ${header.layout.bytes}`);
  // Copy into an ArrayBuffer of its own: a Buffer's offset need not be a multiple of 4.
  const buffer = new Uint8Array(raw).buffer;
  const { count: n, frames: t, melBins: f } = header;
  return {
    header,
    features: new Float32Array(buffer, header.layout.features, n * t * f),
    weights: new Float32Array(buffer, header.layout.weights, n * t),
    labels: Int32Array.from(header.clips, (c) => c.labelIndex),
  };
}
