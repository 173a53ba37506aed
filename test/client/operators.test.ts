/**
 * The RxJS operators against an in-process engine (createEngineCore + ReferenceRunner) behind the
 * client interface: streaming equals the reference GRU, streams share step calls, unsubscribing
 * closes the stream, and a bad chunk fails only its own stream.
 */
import { from, lastValueFrom, merge, Subject, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInProcessEngine } from '../../src/client/in-process.js';
import type { EngineClient } from '../../src/client/client.js';
import { infer } from '../../src/client/infer.js';
import { inferMany, isChunkFailure } from '../../src/client/infer-multiplexed.js';
import type { Prediction } from '../../src/client/prediction.js';
import type { GruStreamError } from '../../src/errors.js';
import { createEngineCore } from '../../src/engine/engine.js';
import { mulberry32 } from '../../src/model/random.js';
import { ReferenceRunner } from '../../src/runtime/reference-runner.js';
import {
  C,
  concat,
  cutAtRandom,
  deferred,
  I,
  maxAbsDiff,
  referenceOutputs,
  streamFrames,
  WEIGHTS,
} from './helpers.js';

const LABELS = Array.from({ length: C }, (_, c) => `class-${c}`);
let engine: EngineClient;

beforeEach(() => {
  const core = createEngineCore({
    runners: [new ReferenceRunner(WEIGHTS, 1), new ReferenceRunner(WEIGHTS, 8)],
    modelId: 'test-gru-h64',
    labels: LABELS,
  });
  engine = createInProcessEngine(core);
});
afterEach(async () => {
  await engine.dispose();
});

/** Outputs of a stream's predictions, concatenated in emission order. */
const outputsOf = (ps: readonly Prediction[]): Float32Array => concat(ps.map((p) => p.output));

/** Resolves when `engine.close` was answered for `count` streams; returns their ids. */
function watchCloses(count: number): Promise<string[]> {
  const done = deferred<string[]>();
  const closed: string[] = [];
  const close = engine.close;
  engine.close = async (stream) => {
    await close(stream);
    closed.push(stream);
    if (closed.length === count) done.resolve(closed);
  };
  return done.promise;
}

describe('infer', () => {
  it('streams chunks cut at random sizes exactly like the reference GRU, frame by frame', async () => {
    const frames = streamFrames(1, 120);
    const chunks = cutAtRandom(frames, 2, 9);
    const ps = await lastValueFrom(from(chunks).pipe(infer(engine, { stream: 'mic' }), toArray()));
    expect(ps.map((p) => p.frame)).toEqual(Array.from({ length: 120 }, (_, t) => t));
    expect(new Set(ps.map((p) => p.seq)).size).toBe(chunks.length);
    expect(ps.every((p) => p.stream === 'mic' && p.output.length === C)).toBe(true);
    expect(maxAbsDiff(outputsOf(ps), referenceOutputs(frames))).toBeLessThan(1e-6);
    for (const p of ps) {
      const best = p.output.indexOf(Math.max(...p.output));
      expect([p.label, p.score]).toEqual([LABELS[best], p.output[best]]);
    }
  });

  it('batches the chunks of concurrent streams into shared step calls', async () => {
    const step = vi.spyOn(engine, 'step');
    const streams = [0, 1, 2, 3].map((s) => ({ id: `s${s}`, frames: streamFrames(10 + s, 40) }));
    const all = await lastValueFrom(
      merge(
        ...streams.map((s) =>
          from(cutAtRandom(s.frames, s.id.length + 20, 5)).pipe(infer(engine, { stream: s.id })),
        ),
      ).pipe(toArray()),
    );
    // Every chunk is pushed synchronously on subscribe: they all travel in one call.
    expect(step).toHaveBeenCalledTimes(1);
    for (const s of streams) {
      const ps = all.filter((p) => p.stream === s.id);
      expect(ps.map((p) => p.frame)).toEqual(Array.from({ length: 40 }, (_, t) => t));
      expect(maxAbsDiff(outputsOf(ps), referenceOutputs(s.frames))).toBeLessThan(1e-6);
    }
  });

  it('closes the stream in the engine when unsubscribed, after its chunk in flight is answered', async () => {
    const closed = watchCloses(1);
    const source = new Subject<Float32Array>();
    const first = deferred<Prediction>();
    const seen: Prediction[] = [];
    const sub = source.pipe(infer(engine, { stream: 'tmp' })).subscribe((p) => {
      seen.push(p);
      first.resolve(p);
    });
    source.next(streamFrames(3, 2));
    await first.promise;
    expect((await engine.stats()).openStreams).toBe(1);
    source.next(streamFrames(4, 3)); // in flight when unsubscribed: answered, not emitted
    sub.unsubscribe();
    expect(await closed).toEqual(['tmp']);
    expect(seen).toHaveLength(2);
    expect((await engine.stats()).openStreams).toBe(0);
    await expect(engine.batcher().push('tmp', streamFrames(5, 1))).rejects.toMatchObject({
      code: 'E_STREAM',
    });
  });

  it('closes the stream when the source completes', async () => {
    const closed = watchCloses(1);
    await lastValueFrom(from([streamFrames(6, 3)]).pipe(infer(engine, { stream: 'done' }), toArray()));
    expect(await closed).toEqual(['done']);
  });

  it('closes the stream before it completes, so code run on completion can open the id again', async () => {
    const run = (seed: number) =>
      lastValueFrom(from([streamFrames(seed, 2)]).pipe(infer(engine, { stream: 'again' }), toArray()));
    await run(70);
    await engine.open('again');
    expect(await run(71)).toHaveLength(2);
    expect((await engine.stats()).openStreams).toBe(0);
  });

  it('a bad chunk errors its own stream only; the other stream keeps flowing', async () => {
    const a = new Subject<Float32Array>();
    const b = new Subject<Float32Array>();
    const aError = deferred<unknown>();
    const bDone = deferred<Prediction[]>();
    const bSeen: Prediction[] = [];
    a.pipe(infer(engine, { stream: 'a' })).subscribe({ error: aError.resolve });
    b.pipe(infer(engine, { stream: 'b' })).subscribe({
      next: (p) => bSeen.push(p),
      complete: () => bDone.resolve(bSeen),
    });
    const bFrames = streamFrames(7, 30);
    const bChunks = cutAtRandom(bFrames, 8, 4);
    b.next(bChunks[0]!);
    a.next(streamFrames(9, 2));
    const bad = streamFrames(9, 2);
    bad[41] = NaN;
    a.next(bad);
    for (const c of bChunks.slice(1)) b.next(c);
    b.complete();
    const error = await aError.promise;
    expect(error).toMatchObject({ code: 'E_BAD_CHUNK', stream: 'a' });
    expect(String(error)).toMatch(/stream 'a': frame 1, feature 1 is NaN/);
    const ps = await bDone.promise;
    expect(maxAbsDiff(outputsOf(ps), referenceOutputs(bFrames))).toBeLessThan(1e-6);
  });
});

describe('inferMany', () => {
  /** Chunks of several streams in a random interleaving that keeps each stream's order. */
  function interleave(streams: { id: string; chunks: Float32Array[] }[], seed: number) {
    const rand = mulberry32(seed);
    const queues = streams.map((s) => ({ id: s.id, chunks: s.chunks.slice() }));
    const out: { stream: string; frames: Float32Array }[] = [];
    for (let left = queues.filter((q) => q.chunks.length > 0); left.length > 0;) {
      const q = left[Math.floor(rand() * left.length)]!;
      out.push({ stream: q.id, frames: q.chunks.shift()! });
      left = queues.filter((x) => x.chunks.length > 0);
    }
    return out;
  }

  it('demultiplexes many streams, each in frame order and equal to the reference', async () => {
    const streams = [0, 1, 2, 3, 4].map((s) => {
      const frames = streamFrames(30 + s, 25 + 7 * s);
      return { id: `sensor-${s}`, frames, chunks: cutAtRandom(frames, 40 + s, 6) };
    });
    const closed = watchCloses(streams.length);
    const values = await lastValueFrom(from(interleave(streams, 5)).pipe(inferMany(engine), toArray()));
    expect(values.some(isChunkFailure)).toBe(false);
    for (const s of streams) {
      const ps = values.filter((v): v is Prediction => v.stream === s.id);
      expect(ps.map((p) => p.frame)).toEqual(Array.from({ length: s.frames.length / I }, (_, t) => t));
      expect(maxAbsDiff(outputsOf(ps), referenceOutputs(s.frames))).toBeLessThan(1e-6);
    }
    expect((await closed).sort()).toEqual(streams.map((s) => s.id).sort());
  });

  it('closes its streams before it completes, so code run on completion can open the same ids again', async () => {
    const run = (ids: string[], seed: number) =>
      lastValueFrom(
        from(ids.map((stream, k) => ({ stream, frames: streamFrames(seed + k, 3) }))).pipe(
          inferMany(engine),
          toArray(),
        ),
      );
    await run(['a', 'b'], 50);
    // A close still on its way would land after this open and close 'a' again.
    await engine.open('a');
    const again = await run(['a'], 60);
    expect(again.filter(isChunkFailure)).toEqual([]);
    expect(again).toHaveLength(3);
    expect((await engine.stats()).openStreams).toBe(0);
  });

  it('emits a ChunkFailure for a refused chunk and keeps that stream and the others flowing', async () => {
    await engine.open('gone');
    await engine.close('gone');
    const good = [0, 1].map((s) => {
      const frames = streamFrames(50 + s, 20);
      return { id: `ok-${s}`, frames, chunks: cutAtRandom(frames, 60 + s, 4) };
    });
    const input = interleave(good, 9);
    const nan = streamFrames(70, 2);
    nan[5] = NaN;
    // Bad chunks in the middle of ok-0 (client-side refusal) and for a closed stream (engine refusal).
    const at = input.findIndex((c, i) => c.stream === 'ok-0' && i > 3);
    input.splice(at, 0, { stream: 'ok-0', frames: nan }, { stream: 'gone', frames: streamFrames(71, 1) });
    const values = await lastValueFrom(from(input).pipe(inferMany(engine), toArray()));
    const failures = values.filter(isChunkFailure);
    // Order across streams is not specified; sort to compare.
    expect(failures.map((f) => [f.stream, f.error.code]).sort()).toEqual([
      ['gone', 'E_STREAM'],
      ['ok-0', 'E_BAD_CHUNK'],
    ]);
    const failedSeq = input.slice(0, at).filter((c) => c.stream === 'ok-0').length;
    expect(failures.find((f) => f.stream === 'ok-0')).toMatchObject({
      seq: failedSeq,
      error: { stream: 'ok-0' },
    });
    for (const s of good) {
      const ps = values.filter((v): v is Prediction => v.stream === s.id && !isChunkFailure(v));
      // The refused chunk did not touch the state nor the frame numbering.
      expect(ps.map((p) => p.frame)).toEqual(Array.from({ length: 20 }, (_, t) => t));
      expect(maxAbsDiff(outputsOf(ps), referenceOutputs(s.frames))).toBeLessThan(1e-6);
    }
  });

  it("a chunk refused at once is emitted in its stream's push order, after the chunks before it", async () => {
    const source = new Subject<{ stream: string; frames: Float32Array }>();
    const values = lastValueFrom(source.pipe(inferMany(engine), toArray()));
    const bad = streamFrames(90, 1);
    bad[0] = Infinity;
    source.next({ stream: 'p', frames: streamFrames(91, 2) }); // seq 0, in flight
    source.next({ stream: 'p', frames: bad }); // seq 1, refused by the batcher at once
    source.next({ stream: 'q', frames: streamFrames(92, 1) });
    source.next({ stream: 'p', frames: streamFrames(93, 1) }); // seq 2
    source.complete();
    const order = (await values)
      .filter((v) => v.stream === 'p')
      .map((v) => (isChunkFailure(v) ? `fail ${v.seq} ${v.error.code}` : `seq ${v.seq} frame ${v.frame}`));
    expect(order).toEqual(['seq 0 frame 0', 'seq 0 frame 1', 'fail 1 E_BAD_CHUNK', 'seq 2 frame 2']);
  });

  it('infer errors after the predictions of the chunks pushed before the refused one', async () => {
    const source = new Subject<Float32Array>();
    const seen: string[] = [];
    const done = deferred<void>();
    source.pipe(infer(engine, { stream: 'r' })).subscribe({
      next: (p) => seen.push(`frame ${p.frame}`),
      error: (e: GruStreamError) => {
        seen.push(e.code);
        done.resolve();
      },
    });
    source.next(streamFrames(94, 2));
    source.next(new Float32Array(3));
    await done.promise;
    expect(seen).toEqual(['frame 0', 'frame 1', 'E_BAD_CHUNK']);
  });

  it('errors the whole Observable when the engine itself fails (disposed)', async () => {
    const source = new Subject<{ stream: string; frames: Float32Array }>();
    const result = lastValueFrom(source.pipe(inferMany(engine), toArray()));
    source.next({ stream: 'x', frames: streamFrames(80, 1) });
    await engine.dispose();
    source.next({ stream: 'y', frames: streamFrames(81, 1) });
    await expect(result).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});
