/** Checkpoint records: round trip, and every 1–3 bit flip or truncation refused with E_SNAPSHOT. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCheckpointRecord,
  encodeCheckpointRecord,
  memorySnapshotStore,
} from '../../src/client/snapshot-store.js';
import { thrown } from '../helpers/errors.js';

describe('checkpoint records', () => {
  it('round-trip; bit flips and truncations are E_SNAPSHOT naming the key (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat(1e9),
        fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (checkpoint, seq, flips, cut) => {
          const bytes = encodeCheckpointRecord({ seq, checkpoint });
          const back = decodeCheckpointRecord('k', bytes);
          expect(back.seq).toBe(seq);
          expect(back.checkpoint).toEqual(checkpoint);
          const flipped = bytes.slice();
          for (const bit of new Set(flips.map((f) => f % (bytes.length * 8))))
            flipped[bit >> 3]! ^= 1 << (bit & 7);
          const e = thrown(() => decodeCheckpointRecord('k', flipped));
          expect(e.code).toBe('E_SNAPSHOT');
          expect(e.message).toContain("checkpoint record 'k'");
          const short = bytes.subarray(0, cut % bytes.length);
          expect(thrown(() => decodeCheckpointRecord('k', short)).code).toBe('E_SNAPSHOT');
        },
      ),
      { seed: 3, numRuns: 500 },
    );
  });

  it('the memory store keeps the last bytes saved per key', async () => {
    const store = memorySnapshotStore();
    expect(await store.load('a')).toBeUndefined();
    await store.save('a', Uint8Array.of(1));
    await store.save('a', Uint8Array.of(2));
    expect(await store.load('a')).toEqual(Uint8Array.of(2));
    await store.delete('a');
    expect(await store.load('a')).toBeUndefined();
  });
});
