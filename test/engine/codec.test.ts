import { describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { decode, decodeSnapshot, encode, encodeSnapshot } from '../../src/engine/codec.js';
import { GruStreamError } from '../../src/errors.js';
import { withCrc32 } from '../../src/protocol/crc32.js';
import fc from 'fast-check';
import { mulberry32, randomNormal } from '../../src/model/random.js';

const H = 16;
const expected = { modelId: 'model-a', hiddenSize: H, stream: 's1' };

/** Runs decodeSnapshot and returns 'ok' or the error code; anything but a GruStreamError fails the test. */
function outcome(bytes: Uint8Array): string {
  try {
    const s = decodeSnapshot(bytes, expected);
    expect(s.h).toBeInstanceOf(Float32Array);
    expect(s.h).toHaveLength(H);
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(GruStreamError);
    return (e as GruStreamError).code;
  }
}

describe('codec', () => {
  it('round-trips values, keeping typed arrays typed', () => {
    const value = { a: 1, s: 'x', f: new Float32Array([1.5, -2]), i: new Int32Array([3]), n: [null, true] };
    expect(decode(encode(value))).toEqual(value);
  });

  it('returns bytes that own their buffer (safe to transfer)', () => {
    const a = encode({ h: new Float32Array(4) });
    const b = encode({ h: new Float32Array(4) });
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(a.length);
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('reports malformed bytes from decode() as E_ARGUMENT', () => {
    expect(thrown(() => decode(new Uint8Array([0x92, 0x01]))).code).toBe('E_ARGUMENT');
  });

  it('round-trips a snapshot with meta', () => {
    const h = randomNormal(H, 1);
    const bytes = encodeSnapshot({ modelId: 'model-a', hiddenSize: H, h, meta: { seq: 42 } });
    expect(decodeSnapshot(bytes, expected)).toEqual({
      v: 2,
      modelId: 'model-a',
      hiddenSize: H,
      h,
      meta: { seq: 42 },
    });
  });

  it('refuses a snapshot of another model, naming both ids', () => {
    const bytes = encodeSnapshot({ modelId: 'model-b', hiddenSize: H, h: new Float32Array(H) });
    const e = thrown(() => decodeSnapshot(bytes, expected));
    expect(e.code).toBe('E_SNAPSHOT');
    expect(e.stream).toBe('s1');
    expect(e.message).toBe(
      "snapshot for stream 's1': taken from model 'model-b', but this engine runs model 'model-a'",
    );
  });

  it.each([
    ['wrong H', { v: 2, modelId: 'model-a', hiddenSize: 8, h: new Float32Array(8) }, 'expected 16', 'got 8'],
    [
      'h shorter than hiddenSize',
      { v: 2, modelId: 'model-a', hiddenSize: H, h: new Float32Array(3) },
      '3 floats',
      '16',
    ],
    [
      'NaN in h',
      { v: 2, modelId: 'model-a', hiddenSize: H, h: new Float32Array(H).fill(NaN) },
      'h[0] is NaN',
      'finite',
    ],
    ['h as plain array', { v: 2, modelId: 'model-a', hiddenSize: H, h: [1, 2] }, 'Float32Array', 'Array(2)'],
    [
      'version 3',
      { v: 3, modelId: 'model-a', hiddenSize: H, h: new Float32Array(H) },
      'expected 2',
      'number 3',
    ],
    ['missing modelId', { v: 2, hiddenSize: H, h: new Float32Array(H) }, 'modelId', 'undefined'],
    ['a number', 42, 'snapshot object', 'number 42'],
    [
      'bad meta',
      { v: 2, modelId: 'model-a', hiddenSize: H, h: new Float32Array(H), meta: 3 },
      'meta',
      'number 3',
    ],
  ])('refuses %s with E_SNAPSHOT saying expected and actual', (_name, value, want, got) => {
    // Well-formed checksum, wrong content: the content check must name what is wrong.
    const e = thrown(() => decodeSnapshot(withCrc32(encode(value)), expected));
    expect(e.code).toBe('E_SNAPSHOT');
    expect(e.message).toContain("stream 's1'");
    expect(e.message).toContain(want);
    expect(e.message).toContain(got);
  });

  it('refuses input that is not bytes', () => {
    const e = thrown(() => decodeSnapshot('abc', expected));
    expect(e.code).toBe('E_SNAPSHOT');
    expect(e.message).toContain("got string 'abc'");
  });

  it('turns every truncation of a snapshot into E_SNAPSHOT', () => {
    const bytes = encodeSnapshot({ modelId: 'model-a', hiddenSize: H, h: randomNormal(H, 2) });
    for (let n = 0; n < bytes.length; n++) expect(outcome(bytes.subarray(0, n))).toBe('E_SNAPSHOT');
    const e = thrown(() => decodeSnapshot(bytes.subarray(0, 20), expected));
    expect(e.message).toBe(
      "snapshot for stream 's1': checksum mismatch (20 bytes): the snapshot is corrupt or truncated",
    );
    expect(outcome(Uint8Array.of(...bytes, 0))).toBe('E_SNAPSHOT');
  });

  it('turns random bytes and bit flips into E_SNAPSHOT, never a raw decoder error (seeded fuzz)', () => {
    const rand = mulberry32(2024);
    for (let k = 0; k < 3000; k++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 96) }, () => Math.floor(rand() * 256));
      expect(outcome(bytes)).toBe('E_SNAPSHOT');
    }
    const valid = encodeSnapshot({ modelId: 'model-a', hiddenSize: H, h: randomNormal(H, 3) });
    const seen = new Set<string>();
    for (let k = 0; k < 3000; k++) {
      const bytes = valid.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++)
        bytes[Math.floor(rand() * bytes.length)]! ^= 1 << Math.floor(rand() * 8);
      // The checksum catches every flip, inside h's floats too; two flips of one bit cancel out.
      const same = bytes.every((b, i) => b === valid[i]);
      expect(outcome(bytes)).toBe(same ? 'ok' : 'E_SNAPSHOT');
      seen.add(outcome(bytes));
    }
    expect(seen.has('E_SNAPSHOT')).toBe(true);
    // Decoding garbage must not disturb the shared codec.
    const h = randomNormal(H, 4);
    expect(decodeSnapshot(encodeSnapshot({ modelId: 'model-a', hiddenSize: H, h }), expected).h).toEqual(h);
  });

  it('refuses every snapshot with 1–3 flipped bits, and a version-1 snapshot by name (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: H, maxLength: H, noNaN: true, noDefaultInfinity: true }),
        fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 }),
        (h, positions) => {
          const valid = encodeSnapshot({ modelId: 'model-a', hiddenSize: H, h });
          expect(decodeSnapshot(valid, expected).h).toEqual(h);
          const bits = valid.length * 8;
          const flipped = valid.slice();
          const distinct = new Set(positions.map((p) => p % bits));
          for (const bit of distinct) flipped[bit >> 3]! ^= 1 << (bit & 7);
          expect(outcome(flipped)).toBe('E_SNAPSHOT');
        },
      ),
      { seed: 11, numRuns: 2000 },
    );
    const v1 = encode({ v: 1, modelId: 'model-a', hiddenSize: H, h: new Float32Array(H) });
    expect(thrown(() => decodeSnapshot(v1, expected)).message).toContain('version-1 snapshot (no checksum)');
  });
});
