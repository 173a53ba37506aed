import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { StateTable } from '../../src/engine/state-table.js';

const H = 4;

function row(table: StateTable, stream: string): Float32Array {
  const slot = table.slotOf(stream);
  expect(slot).toBeGreaterThanOrEqual(0);
  return table.data.slice(slot * H, (slot + 1) * H);
}

describe('StateTable', () => {
  it('reuses the slot of a closed stream and starts it from zeros', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 10, initialCapacity: 4 });
    for (const id of ['a', 'b', 'c']) table.open(id, 0, new Float32Array(H).fill(7));
    const slotB = table.slotOf('b');
    table.close('b', 1);
    expect(table.slotOf('b')).toBe(-1);
    expect(table.open('d', 2)).toBe(slotB);
    expect(row(table, 'd')).toEqual(new Float32Array(H));
    expect(table.capacity).toBe(4);
    expect(table.size).toBe(3);
  });

  it('hands out freed slots lowest first, whatever order they were freed in', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 64, initialCapacity: 8 });
    let ids = Array.from({ length: 12 }, (_, k) => `r0-${k}`);
    for (const id of ids) table.open(id, 0);
    const ascending = Array.from({ length: 12 }, (_, k) => k);
    expect(ids.map((id) => table.slotOf(id))).toEqual(ascending);
    // Closed in slot order, in reverse and shuffled: the next streams opened get ascending slots.
    const orders = [ascending, [...ascending].reverse(), [5, 0, 11, 3, 7, 1, 9, 2, 10, 4, 8, 6]];
    orders.forEach((order, round) => {
      for (const k of order) table.close(ids[k]!, round + 1);
      ids = ascending.map((k) => `r${round + 1}-${k}`);
      for (const id of ids) table.open(id, round + 1);
      expect(ids.map((id) => table.slotOf(id))).toEqual(ascending);
    });
    // Slots never used come after the freed ones.
    table.close(ids[4]!, 9);
    expect(table.open('new-a', 10)).toBe(4);
    expect(table.open('new-b', 10)).toBe(12);
  });

  it('always opens a stream in the lowest free slot, through any opens, releases and growth', () => {
    // Reference: a plain set of used slots; the lowest unused one below the capacity is the next.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(1_000)), { maxLength: 300 }), (ops) => {
        const table = new StateTable({ hiddenSize: H, maxStreams: 64, initialCapacity: 2 });
        const open: string[] = [];
        const used = new Set<number>();
        let next = 0;
        for (const [opening, pick] of ops) {
          if (opening && open.length < 64) {
            let lowest = 0;
            while (used.has(lowest)) lowest++;
            const id = `s${next++}`;
            table.open(id, 0);
            expect(table.slotOf(id)).toBe(lowest);
            used.add(lowest);
            open.push(id);
          } else if (open.length > 0) {
            const [id] = open.splice(pick % open.length, 1);
            used.delete(table.slotOf(id!));
            table.release(id!);
          }
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('keeps every row and initial state when it grows by doubling', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 100, initialCapacity: 2 });
    const init = (k: number): Float32Array => Float32Array.from({ length: H }, (_, j) => k * 10 + j);
    for (let k = 0; k < 9; k++) table.open(`s${k}`, 0, init(k));
    expect(table.capacity).toBe(16);
    for (let k = 0; k < 9; k++) expect(row(table, `s${k}`)).toEqual(init(k));
    const slot = table.slotOf('s3');
    table.data.fill(-1, slot * H, (slot + 1) * H);
    table.reset(slot);
    expect(row(table, 's3')).toEqual(init(3));
  });

  it('refuses a stream beyond maxStreams with E_CAPACITY naming the cap and the stream', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 3, initialCapacity: 2 });
    for (const id of ['a', 'b', 'c']) table.acquire(id, 0);
    const e = thrown(() => table.acquire('late', 0));
    expect(e.code).toBe('E_CAPACITY');
    expect(e.stream).toBe('late');
    expect(e.message).toContain('maxStreams = 3');
    expect(e.message).toContain("'late'");
    expect(table.size).toBe(3);
    expect(table.capacity).toBe(3);
  });

  it('evicts streams idle longer than the TTL without marking them closed', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 10 });
    table.open('old', 0, new Float32Array(H).fill(1));
    table.open('busy', 0);
    table.touch(table.slotOf('busy'), 900);
    expect(table.evictIdle(1000, 1000)).toEqual([]);
    expect(table.evictIdle(1500, 1000)).toEqual(['old']);
    expect(table.slotOf('old')).toBe(-1);
    expect(table.closedAt('old')).toBeUndefined();
    // A returning stream starts fresh from zeros, not from its old initial state.
    table.acquire('old', 1600);
    expect(row(table, 'old')).toEqual(new Float32Array(H));
    expect(table.evictIdle(2000, 1000)).toEqual(['busy']);
  });

  it('remembers closed ids: acquire fails with E_STREAM until an explicit open', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 10 });
    table.acquire('a', 0);
    table.close('a', 1234.5);
    const e = thrown(() => table.acquire('a', 2000));
    expect(e.code).toBe('E_STREAM');
    expect(e.message).toBe("stream 'a' was closed at 1234.5 ms (engine clock); open it again with open()");
    expect(thrown(() => table.require('a')).message).toContain('was closed');
    table.open('a', 3000);
    expect(table.closedAt('a')).toBeUndefined();
    expect(table.acquire('a', 3001)).toBe(table.slotOf('a'));
  });

  it('names unknown and already-open streams in E_STREAM errors', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 10 });
    const unknown = thrown(() => table.require('ghost'));
    expect(unknown.code).toBe('E_STREAM');
    expect(unknown.message).toContain("'ghost' is not open");
    expect(thrown(() => table.close('ghost', 0)).code).toBe('E_STREAM');
    table.open('a', 0);
    const twice = thrown(() => table.open('a', 0));
    expect(twice.code).toBe('E_STREAM');
    expect(twice.message).toContain("'a' is already open");
    const badInit = thrown(() => table.open('b', 0, new Float32Array(H + 1)));
    expect(badInit.code).toBe('E_ARGUMENT');
    expect(badInit.message).toContain(`expected ${H} floats, got ${H + 1}`);
  });

  it('bounds the memory of closed ids to maxStreams, forgetting the oldest first', () => {
    const table = new StateTable({ hiddenSize: H, maxStreams: 2 });
    for (const id of ['a', 'b', 'c']) {
      table.acquire(id, 0);
      table.close(id, 1);
    }
    expect(table.closedAt('a')).toBeUndefined();
    expect(table.closedAt('b')).toBe(1);
    expect(table.closedAt('c')).toBe(1);
  });
});
