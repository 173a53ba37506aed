/**
 * The writer and reader on the convolution ops of Google's speech embedding (CONV_2D, MAX_POOL_2D,
 * LEAKY_RELU, PAD, MAXIMUM): a foreign file read, written and read again keeps every tensor, operator
 * and option; bad options are refused with the operator named.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GruStreamError } from '../../src/errors.js';
import { readTflite, writeTflite } from '../../src/model/index.js';

const original = readTflite(new Uint8Array(readFileSync('models/speech-embedding/embedding_model.tflite')));

function writeError(mutate: (g: ReturnType<typeof readTflite>) => void): string {
  const g = structuredClone(original);
  mutate(g);
  try {
    writeTflite(g);
  } catch (e) {
    expect(e).toBeInstanceOf(GruStreamError);
    expect((e as GruStreamError).code).toBe('E_MODEL_UNSUPPORTED');
    return (e as Error).message;
  }
  return 'no error';
}

describe('writeTflite with convolution ops', () => {
  it('round-trips embedding_model.tflite: tensors, constants, operators and options', () => {
    const again = readTflite(writeTflite(original));
    expect(again.operators).toEqual(original.operators);
    expect(again.inputs).toEqual(original.inputs);
    expect(again.outputs).toEqual(original.outputs);
    expect(again.tensors.map(({ name, shape, type }) => ({ name, shape, type }))).toEqual(
      original.tensors.map(({ name, shape, type }) => ({ name, shape, type })),
    );
    // Buffer.equals: vitest's deep equality over 1.3 MB of constants takes half a minute.
    const same = again.tensors.every((t, i) => {
      const o = original.tensors[i]!.data;
      return t.data === undefined
        ? o === undefined
        : o !== undefined && Buffer.from(t.data).equals(Buffer.from(o));
    });
    expect(same).toBe(true);
    const conv = again.operators.find((o) => o.op === 'CONV_2D' && o.options?.padding === 'SAME');
    expect(conv?.options).toEqual({
      padding: 'SAME',
      strideW: 1,
      strideH: 1,
      dilationW: 1,
      dilationH: 1,
      fusedActivation: 'NONE',
    });
    expect(again.operators.find((o) => o.op === 'MAX_POOL_2D')?.options).toMatchObject({
      filterW: 2,
      strideH: 2,
    });
    expect(again.operators.find((o) => o.op === 'LEAKY_RELU')?.options).toEqual({ alpha: Math.fround(0.2) });
  });

  it('refuses a stride of 0, an unknown padding and a non-finite alpha', () => {
    const convIndex = original.operators.findIndex((o) => o.op === 'CONV_2D');
    expect(writeError((g) => (g.operators[convIndex]!.options!.strideW = 0))).toMatch(
      new RegExp(`operator #${convIndex} CONV_2D: strideW 0 is not an integer ≥ 1`),
    );
    expect(
      writeError((g) => (g.operators[convIndex]!.options!.padding = 'FULL' as unknown as 'SAME')),
    ).toMatch(/CONV_2D: padding 'FULL' is not SAME or VALID/);
    const leaky = original.operators.findIndex((o) => o.op === 'LEAKY_RELU');
    expect(writeError((g) => (g.operators[leaky]!.options = { alpha: NaN }))).toMatch(
      /LEAKY_RELU: alpha NaN is not finite/,
    );
  });
});
