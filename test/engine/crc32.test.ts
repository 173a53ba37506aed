/**
 * CRC-32 against the standard check value and against a plain bit-at-a-time
 * reference written here from the polynomial, on every length and offset near the 4-byte steps.
 */
import { describe, expect, it } from 'vitest';
import { checkCrc32, crc32, withCrc32 } from '../../src/protocol/crc32.js';
import { mulberry32 } from '../../src/model/random.js';

/** The definition: reflected polynomial 0xEDB88320, one bit at a time. */
function reference(bytes: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let k = from; k < to; k++) {
    c ^= bytes[k]!;
    for (let b = 0; b < 8; b++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('gives the standard check value of "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('equals the bit-at-a-time definition for every offset and length up to 40', () => {
    const rand = mulberry32(5);
    const bytes = Uint8Array.from({ length: 64 }, () => Math.floor(rand() * 256));
    for (let from = 0; from < 8; from++) {
      for (let to = from; to <= from + 40; to++)
        expect(crc32(bytes, from, to)).toBe(reference(bytes, from, to));
    }
    const big = Uint8Array.from({ length: 100_003 }, () => Math.floor(rand() * 256));
    expect(crc32(big)).toBe(reference(big, 0, big.length));
  });

  it('detects a flipped bit in a checksummed record', () => {
    const record = withCrc32(Uint8Array.from({ length: 1000 }, (_, k) => k & 0xff));
    expect(checkCrc32(record)).toBeDefined();
    record[517]! ^= 0x10;
    expect(checkCrc32(record)).toBeUndefined();
  });
});
