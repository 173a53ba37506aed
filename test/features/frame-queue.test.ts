/**
 * The front ends' frame FIFO against a plain array of frames: any interleaving of appends (with the
 * storage wrapping and growing), pulls into short buffers and clears keeps the same frames in order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../../src/features/frame-queue.js';

const BINS = 3;

type Op = { kind: 'append'; frames: number } | { kind: 'pull'; room: number } | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), frames: fc.nat(150) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pull' as const), room: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);

describe('FrameQueue', () => {
  it('keeps every frame in order through growth, wrap-around, short pulls and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new FrameQueue(BINS);
        const reference: number[][] = [];
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'append') {
            const room = q.tail(o.frames);
            expect(room.length).toBe(o.frames * BINS);
            for (let f = 0; f < o.frames; f++) {
              const frame = [next, next + 0.25, next + 0.5];
              next++;
              room.set(frame, f * BINS);
              reference.push(frame);
            }
            q.commit(o.frames);
          } else if (o.kind === 'pull') {
            const out = new Float32Array(o.room).fill(-1);
            const got = q.pull(out);
            const want = reference.splice(0, Math.floor(o.room / BINS));
            expect(got).toBe(want.length);
            expect(Array.from(out.subarray(0, got * BINS))).toEqual(want.flat());
            // Values past the frames pulled are untouched.
            expect(out.subarray(got * BINS).every((v) => v === -1)).toBe(true);
          } else {
            q.clear();
            reference.length = 0;
          }
          expect(q.pending).toBe(reference.length);
          expect(Array.from(q.copyPending())).toEqual(reference.flat());
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
