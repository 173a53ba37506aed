/**
 * The consumer tests' reference: the float GRU of the shipped text model (its float weights from the
 * repository, src/model/gru-reference.ts) over the same lines, compared frame by frame with what the
 * installed package produced.
 */
import { join } from 'node:path';
import { loadFloatWeights } from '../../models/model-files.js';
import { CharEncoder, DEFAULT_ALPHABET } from '../../src/features/text.js';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { REPO } from './pack.js';

const CLASSES = 7;

export interface TextAgreement {
  frames: number;
  /** Fraction of frames whose top label equals the reference's. */
  agree: number;
  /** Largest absolute probability difference over all frames and classes. */
  maxDiff: number;
  /** Lines whose frame count differs from the reference's (should be none). */
  badLengths: number[];
}

/** Compares `outputs[line][frame][class]` with the float reference over `lines`. */
export function compareWithFloatReference(lines: string[], outputs: number[][][]): TextAgreement {
  const dir = join(REPO, 'models', 'text');
  const { manifest } = readModelFile(join(dir, 'text-int8-weights-b1.tflite'));
  const weights = loadFloatWeights(dir, manifest);
  const encoder = new CharEncoder(DEFAULT_ALPHABET);
  let frames = 0;
  let agree = 0;
  let maxDiff = 0;
  const badLengths: number[] = [];
  lines.forEach((line, i) => {
    const ref = referenceSequence(weights, encoder.encode(line)).y;
    const got = outputs[i] ?? [];
    if (got.length !== ref.length / CLASSES) badLengths.push(i);
    got.forEach((y, t) => {
      frames++;
      const at = t * CLASSES;
      if (argmax(y) === argmax(Array.from(ref.subarray(at, at + CLASSES)))) agree++;
      y.forEach((v, c) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref[at + c]!))));
    });
  });
  return { frames, agree: agree / frames, maxDiff, badLengths };
}

function argmax(v: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < v.length; c++) if (v[c]! > v[best]!) best = c;
  return best;
}
