/**
 * Overload that holds, at the batcher and operator level, against a fake engine the test answers by
 * hand (no clocks): refusals are cheap and prompt, `maxPendingChunks` bounds what is held whatever the
 * offered load, `maxFramesPerCall` bounds one call, and the 'drop-oldest' policy drops and counts.
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { GruStreamError, refusal } from '../../src/errors.js';
import { isDropped, MicroBatcher } from '../../src/client/micro-batcher.js';
import type { ChunkSink } from '../../src/client/micro-batcher.js';
import { inferMany, isChunkFailure } from '../../src/client/infer-multiplexed.js';
import { infer } from '../../src/client/infer.js';
import type { ChunkFailure } from '../../src/client/infer-multiplexed.js';
import type { Prediction } from '../../src/client/prediction.js';
import type { EngineClient } from '../../src/client/client.js';
import { chunk, drain, fakeEngine, I } from './fake-engine.js';

/** A sink recording what each chunk got, by tag. */
function recordingSink() {
  const got = new Map<number, string>();
  const sink: ChunkSink<string> = {
    answer: (_t, tag, outputs, offset) => got.set(tag, `ok ${outputs[offset]}`),
    fail: (_t, tag, error) => got.set(tag, `${error.code}${isDropped(error) ? ' dropped' : ''}`),
  };
  return { got, sink };
}

/** The fake engine as the operators see it (they use model, batcher and close only). */
function asClient(engine: ReturnType<typeof fakeEngine>['engine'], maxPendingChunks: number) {
  const b = new MicroBatcher(engine, { maxPendingChunks });
  const client = {
    model: { ...engine.model, hiddenSize: 1, batchSizes: [1], modelId: 'fake', runner: 'fake' },
    batcher: () => b,
    close: () => Promise.resolve(),
  } as unknown as Pick<EngineClient, 'model' | 'batcher' | 'close'>;
  return { client, batcher: b };
}

describe('refusals are cheap', () => {
  it('refusal() is a GruStreamError with code, message and stream, built without a stack', () => {
    const e = refusal('E_CAPACITY', 'full', 's1');
    expect(e).toBeInstanceOf(GruStreamError);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'GruStreamError', code: 'E_CAPACITY', message: 'full', stream: 's1' });
    expect(e.stack).toBeUndefined();
    expect(e.toJSON()).toEqual({ name: 'GruStreamError', code: 'E_CAPACITY', message: 'full', stream: 's1' });
    expect(Object.prototype.hasOwnProperty.call(new GruStreamError('E_CAPACITY', 'x'), 'stack')).toBe(true);
  });

  it('E_CAPACITY and E_BAD_CHUNK refusals of the batcher carry no stack trace', () => {
    const { engine } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 1 });
    const { sink } = recordingSink();
    expect(b.submit('a', chunk(1), sink, '', 0)).toBeUndefined();
    const full = b.submit('a', chunk(2), sink, '', 1)!;
    expect(full).toMatchObject({ code: 'E_CAPACITY', stream: 'a' });
    expect(full.stack).toBeUndefined();
    const bad = b.submit('a', new Float32Array(3), sink, '', 2)!;
    expect(bad).toMatchObject({ code: 'E_BAD_CHUNK', stream: 'a' });
    expect(bad.stack).toBeUndefined();
    expect(b.counters).toEqual({ accepted: 1, answered: 0, refused: 2, dropped: 0 });
  });
});

describe('maxPendingChunks bounds memory and wait under any offered load', () => {
  it('a source pushing 200× the limit in one synchronous burst keeps exactly the limit queued', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 500, maxChunks: 100 });
    const { got, sink } = recordingSink();
    let refused = 0;
    for (let k = 0; k < 100_000; k++)
      if (b.submit(`s${k % 7}`, chunk(k), sink, '', k) !== undefined) refused++;
    expect(b.pending).toBe(500);
    expect(refused).toBe(100_000 - 500);
    await drain();
    // Two calls at most in flight (default 1 here), each ≤ maxChunks: nothing else was sent.
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request.streams).toHaveLength(100);
    // Every accepted chunk is answered, every other one was refused: zero unaccounted.
    while (b.pending > 0) {
      calls.at(-1)!.answer();
      await drain();
    }
    expect(got.size).toBe(500);
    expect([...got.values()].every((v) => v.startsWith('ok'))).toBe(true);
    expect(b.counters).toEqual({ accepted: 500, answered: 500, refused: 99_500, dropped: 0 });
  });

  it('inferMany emits an over-capacity refusal at once, not after the pending chunks of its stream', async () => {
    const { engine, calls } = fakeEngine();
    const { client } = asClient(engine, 2);
    const source = new Subject<{ stream: string; frames: Float32Array }>();
    const seen: string[] = [];
    source.pipe(inferMany(client)).subscribe((v: Prediction | ChunkFailure) => {
      seen.push(isChunkFailure(v) ? `fail ${v.stream}#${v.seq} ${v.error.code}` : `${v.stream}#${v.seq}`);
    });
    source.next({ stream: 'a', frames: chunk(1) });
    source.next({ stream: 'a', frames: chunk(2) });
    // Synchronously, inside the source's next: the refusal is out before any answer came back.
    source.next({ stream: 'a', frames: chunk(3) });
    expect(seen).toEqual(['fail a#2 E_CAPACITY']);
    await drain();
    calls[0]!.answer();
    await drain();
    expect(seen).toEqual(['fail a#2 E_CAPACITY', 'a#0', 'a#1']);
  });

  it('infer stops queuing after its first refusal, so an overloading source holds nothing more', async () => {
    const { engine, calls } = fakeEngine();
    const { client, batcher } = asClient(engine, 3);
    const source = new Subject<Float32Array>();
    const errors: string[] = [];
    source
      .pipe(infer(client, { stream: 'x' }))
      .subscribe({ error: (e: GruStreamError) => errors.push(e.code) });
    for (let k = 0; k < 10_000; k++) source.next(chunk(k));
    expect(batcher.counters).toMatchObject({ accepted: 3, refused: 1 });
    await drain();
    calls[0]!.answer();
    await drain();
    expect(errors).toEqual(['E_CAPACITY']);
  });
});

describe('maxFramesPerCall: one long chunk never holds back the others', () => {
  it('closes a batch before the chunk that would exceed the budget; the long chunk goes alone', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxFramesPerCall: 100 });
    const { got, sink } = recordingSink();
    b.submit('a', chunk(1, 30), sink, '', 1);
    b.submit('big', chunk(2, 100), sink, '', 2);
    b.submit('b', chunk(3, 70), sink, '', 3);
    b.submit('c', chunk(4, 30), sink, '', 4);
    await drain();
    const sent: string[][] = [];
    for (let k = 0; k < 3; k++) {
      sent.push(calls[k]!.request.streams);
      const frames = [...calls[k]!.request.frameCounts].reduce((a, n) => a + n, 0);
      expect(frames).toBeLessThanOrEqual(100);
      calls[k]!.answer();
      await drain();
    }
    expect(sent).toEqual([['a'], ['big'], ['b', 'c']]);
    expect([...got.keys()].sort()).toEqual([1, 2, 3, 4]);
  });

  it("refuses a chunk over the engine's maxChunkFrames with E_BAD_CHUNK naming the limit", () => {
    const { engine } = fakeEngine({ maxChunkFrames: 50, maxStreamIdBytes: 16 });
    const b = new MicroBatcher(engine);
    const { sink } = recordingSink();
    const e = b.submit('long', chunk(1, 51), sink, '', 0)!;
    expect(e.code).toBe('E_BAD_CHUNK');
    expect(e.message).toBe(
      "chunk of stream 'long' has 51 frames; the limit (maxChunkFrames) is 50: cut long inputs into several chunks",
    );
    expect(b.submit('ok', chunk(1, 50), sink, '', 1)).toBeUndefined();
    const id = b.submit('x'.repeat(17), chunk(1), sink, '', 2)!;
    expect(id.code).toBe('E_BAD_CHUNK');
    expect(id.message).toContain('has more than 16 UTF-8 bytes; the limit (maxStreamIdBytes) is 16');
    // Bytes, not UTF-16 units: 6 × 'é' is 12 bytes (fits), 3 × '😀' is 12 bytes (fits), 5 × '😀' is 20.
    expect(b.submit('éééééé', chunk(1), sink, '', 3)).toBeUndefined();
    expect(b.submit('😀😀😀', chunk(1), sink, '', 4)).toBeUndefined();
    expect(b.submit('😀😀😀😀😀', chunk(1), sink, '', 5)?.message).toContain('20 UTF-8 bytes');
  });
});

describe("the 'drop-oldest' policy", () => {
  it("answers the stream's oldest unsent chunk with E_CAPACITY, counts it, and queues the new one", async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 3 });
    const { got, sink } = recordingSink();
    b.submit('a', chunk(1), sink, '', 1, 'drop-oldest');
    await drain(); // chunk 1 is in flight now
    b.submit('a', chunk(2), sink, '', 2, 'drop-oldest');
    b.submit('b', chunk(3), sink, '', 3);
    expect(b.submit('a', chunk(4), sink, '', 4, 'drop-oldest')).toBeUndefined();
    expect(got.get(2)).toBe('E_CAPACITY dropped');
    // 'b' refuses newest (its own policy); 'a' has no unsent chunk left once 4 is dropped for 5.
    expect(b.submit('b', chunk(5), sink, '', 5)?.code).toBe('E_CAPACITY');
    expect(b.submit('a', chunk(6), sink, '', 6, 'drop-oldest')).toBeUndefined();
    expect(got.get(4)).toBe('E_CAPACITY dropped');
    expect(b.counters).toEqual({ accepted: 5, answered: 2, refused: 1, dropped: 2 });
    calls[0]!.answer();
    await drain();
    expect(calls[1]!.request.streams).toEqual(['b', 'a']);
    expect(calls[1]!.request.frames[2]).toBe(6); // the newest chunk of 'a' went, not the dropped ones
    calls[1]!.answer();
    await drain();
    expect(new Map([...got].sort((x, y) => x[0] - y[0]))).toEqual(
      new Map([
        [1, 'ok 1'],
        [2, 'E_CAPACITY dropped'],
        [3, 'ok 3'],
        [4, 'E_CAPACITY dropped'],
        [6, 'ok 6'],
      ]),
    );
    expect(b.pending).toBe(0);
  });

  it('infer with drop-oldest keeps the stream alive and skips dropped chunks', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 2 });
    const client = {
      model: { ...engine.model, hiddenSize: 1, batchSizes: [1], modelId: 'fake', runner: 'fake' },
      batcher: () => b,
      close: () => Promise.resolve(),
    } as unknown as Pick<EngineClient, 'model' | 'batcher' | 'close'>;
    const source = new Subject<Float32Array>();
    const seqs: number[] = [];
    let error: unknown;
    source.pipe(infer(client, { stream: 'live', overflow: 'drop-oldest' })).subscribe({
      next: (p) => seqs.push(p.seq),
      error: (e: unknown) => (error = e),
    });
    source.next(chunk(0));
    await drain(); // seq 0 in flight
    // Seq 1 fills the pending limit (2); seqs 2–5 each drop the one unsent chunk before them.
    for (let k = 1; k <= 5; k++) source.next(chunk(k));
    expect(b.counters.dropped).toBe(4);
    calls[0]!.answer();
    await drain();
    calls[1]!.answer();
    await drain();
    expect(error).toBeUndefined();
    expect(seqs).toEqual([0, 5]);
    expect(chunk(0).length).toBe(I);
  });
});
