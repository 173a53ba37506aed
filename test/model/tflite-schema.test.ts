/**
 * The hand-written TFLite schema constants (src/model/tflite/schema.ts) against TensorFlow's own
 * schema.fbs (test/fixtures/tflite/schema.fbs, see its README): every enum value, union member and
 * table field id we use must be the one the schema declares, so a typo cannot produce a file the
 * interpreter misreads while our reader and writer agree with each other.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as S from '../../src/model/tflite/schema.js';
import { parseFbs } from './fbs-schema.js';

const fbs = parseFbs(readFileSync(new URL('../fixtures/tflite/schema.fbs', import.meta.url), 'utf8'));

function enumOf(name: string): Map<string, number> {
  const e = fbs.enums.get(name);
  if (e === undefined) throw new Error(`schema.fbs has no enum ${name}`);
  return e;
}

function tableOf(name: string): Map<string, number> {
  const t = fbs.tables.get(name);
  if (t === undefined) throw new Error(`schema.fbs has no table ${name}`);
  return t;
}

describe('the fbs reader', () => {
  it('reads enums with implicit values, unions and union fields as two ids', () => {
    const s = parseFbs(
      'enum E : byte { A, B = 5, C } union U { X, Y } table X { } table Y { }\n' +
        'table T { a:int; u:U; // comment\n v:[int] (deprecated); w:E = B; }',
    );
    expect(Object.fromEntries(s.enums.get('E')!)).toEqual({ A: 0, B: 5, C: 6 });
    expect(s.unions.get('U')).toEqual(['X', 'Y']);
    expect(Object.fromEntries(s.tables.get('T')!)).toEqual({ a: 0, u_type: 1, u: 2, v: 3, w: 4 });
  });

  it('found the schema of the file', () => {
    expect(fbs.fileIdentifier).toBe('TFL3');
    // Sizes of the real file's declarations, so a regex that silently stops matching fails here.
    expect(enumOf('BuiltinOperator').size).toBeGreaterThan(200);
    expect(fbs.unions.get('BuiltinOptions')?.length).toBeGreaterThan(120);
    expect(fbs.tables.size).toBeGreaterThan(150);
  });
});

describe('src/model/tflite/schema.ts matches schema.fbs', () => {
  it('file identifier', () => {
    expect(S.FILE_IDENTIFIER).toBe(fbs.fileIdentifier);
  });

  it.each([
    ['TensorType', S.TENSOR_TYPE],
    ['ActivationFunctionType', S.ACTIVATION_FUNCTION],
    ['FullyConnectedOptionsWeightsFormat', S.FC_WEIGHTS_FORMAT],
  ] as const)('enum %s: same members and values, complete', (name, ours) => {
    expect(ours).toEqual(Object.fromEntries(enumOf(name)));
  });

  it('enum BuiltinOperator: every code we name is the schema code', () => {
    const schema = enumOf('BuiltinOperator');
    const ours = Object.entries(S.BUILTIN_OPERATOR);
    const wrong = ours.filter(([name, code]) => schema.get(name) !== code);
    expect(wrong).toEqual([]);
    // The table is documented as complete (the reader names any op); the fbs may only add newer ops
    // after ours, never skip one in between.
    const missing = [...schema].filter(([name]) => !(name in S.BUILTIN_OPERATOR));
    expect(missing).toEqual([]);
    expect(S.PLACEHOLDER_FOR_GREATER_OP_CODES).toBe(schema.get('PLACEHOLDER_FOR_GREATER_OP_CODES'));
  });

  it('union BuiltinOptions: members in declaration order, ids of the tables we use', () => {
    const members = fbs.unions.get('BuiltinOptions')!;
    expect(S.BUILTIN_OPTIONS_MEMBERS).toEqual(members);
    for (const [name, id] of Object.entries(S.BUILTIN_OPTIONS)) {
      expect([name, id]).toEqual([name, name === 'NONE' ? 0 : members.indexOf(name) + 1]);
    }
    for (let id = 0; id <= members.length; id++) {
      expect(S.builtinOptionsName(id)).toBe(id === 0 ? 'NONE' : members[id - 1]);
    }
  });

  it.each([
    ['Model', S.MODEL],
    ['SubGraph', S.SUBGRAPH],
    ['Tensor', S.TENSOR],
    ['Buffer', S.BUFFER],
    ['Operator', S.OPERATOR],
    ['OperatorCode', S.OPERATOR_CODE],
    ['QuantizationParameters', S.QUANTIZATION],
    ['Metadata', S.METADATA],
    ['FullyConnectedOptions', S.FULLY_CONNECTED_OPTIONS],
    ['SoftmaxOptions', S.SOFTMAX_OPTIONS],
    ['ConcatenationOptions', S.CONCATENATION_OPTIONS],
    ['AddOptions', S.ADD_OPTIONS],
    ['SubOptions', S.SUB_OPTIONS],
    ['MulOptions', S.MUL_OPTIONS],
    ['DivOptions', S.DIV_OPTIONS],
  ] as const)('table %s: every field id we use', (name, ours) => {
    const schema = tableOf(name);
    const wrong = Object.entries(ours).filter(([field, id]) => schema.get(field) !== id);
    expect(wrong).toEqual([]);
  });
});
