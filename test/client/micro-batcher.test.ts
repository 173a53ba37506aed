/**
 * MicroBatcher against a fake engine whose step calls the test answers by hand: batching, order per
 * stream across flushes, per-chunk error routing, validation, backpressure and the timer window.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StepRequest, StepResult } from '../../src/protocol/engine.js';
import { GruStreamError } from '../../src/errors.js';
import type { SerializedError } from '../../src/errors.js';
import { MicroBatcher } from '../../src/client/micro-batcher.js';

const I = 2;
const C = 3;

interface Call {
  request: StepRequest;
  /** Answers with the fake model: output row of a frame = [stream's chunk marker, frame sum, 0]. */
  answer(errors?: { index: number; error: SerializedError }[]): void;
  fail(error: unknown): void;
}

/** A fake engine: records step calls; the test decides when and how each is answered. */
function fakeEngine() {
  const calls: Call[] = [];
  const engine = {
    model: { inputSize: I, outputSize: C },
    step: (request: StepRequest): Promise<StepResult> =>
      new Promise<StepResult>((resolve, reject) => {
        calls.push({
          request,
          fail: reject,
          answer: (errors = []) => {
            const failed = new Set(errors.map((e) => e.index));
            const outputCounts = new Int32Array(request.streams.length);
            const rows: number[] = [];
            let frame = 0;
            request.streams.forEach((_, i) => {
              const count = request.frameCounts[i]!;
              if (!failed.has(i)) {
                outputCounts[i] = count;
                for (let t = 0; t < count; t++) {
                  const x = request.frames.subarray((frame + t) * I, (frame + t + 1) * I);
                  rows.push(x[0]!, x[0]! + x[1]!, 0);
                }
              }
              frame += count;
            });
            resolve({ outputs: Float32Array.from(rows), outputCounts, errors });
          },
        });
      }),
  };
  return { engine, calls };
}

/** Frames whose first feature marks the chunk, so outputs show which chunk they came from. */
const chunk = (marker: number, frames = 1): Float32Array => {
  const a = new Float32Array(frames * I);
  for (let t = 0; t < frames; t++) a.set([marker, t], t * I);
  return a;
};

/** Lets queued microtasks and promise callbacks run (setImmediate runs after all of them). */
const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('MicroBatcher', () => {
  it('sends the chunks of many streams pushed in one tick as ONE step call, in push order', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const results = Array.from({ length: 50 }, (_, i) => b.push(`s${i % 10}`, chunk(i, 1 + (i % 3))));
    expect(b.pending).toBe(50);
    await drain();
    expect(calls).toHaveLength(1);
    const { request } = calls[0]!;
    expect(request.streams).toEqual(Array.from({ length: 50 }, (_, i) => `s${i % 10}`));
    expect([...request.frameCounts]).toEqual(Array.from({ length: 50 }, (_, i) => 1 + (i % 3)));
    calls[0]!.answer();
    const outputs = await Promise.all(results);
    outputs.forEach((out, i) => {
      expect(out.length).toBe((1 + (i % 3)) * C);
      for (let t = 0; t < out.length / C; t++) expect([out[t * C], out[t * C + 1]]).toEqual([i, i + t]);
    });
    expect(b.pending).toBe(0);
  });

  it('keeps each stream in order across flushes: one step in flight, the next batch waits for it', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const seen: string[] = [];
    const track = (name: string, p: Promise<Float32Array>) => p.then(() => seen.push(name));
    const first = [track('a1', b.push('a', chunk(1))), track('b1', b.push('b', chunk(2)))];
    await drain();
    expect(calls).toHaveLength(1);
    const second = [
      track('a2', b.push('a', chunk(3))),
      track('b2', b.push('b', chunk(4))),
      track('a3', b.push('a', chunk(5))),
    ];
    await drain();
    expect(calls).toHaveLength(1); // still waiting for the first call
    expect(b.pending).toBe(5);
    calls[0]!.answer();
    await Promise.all(first);
    await drain();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.request.streams).toEqual(['a', 'b', 'a']);
    expect([...calls[1]!.request.frames].filter((_, k) => k % I === 0)).toEqual([3, 4, 5]);
    calls[1]!.answer();
    await Promise.all(second);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it('routes a per-chunk engine error to that chunk only, with its code and stream', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const ok1 = b.push('a', chunk(1, 2));
    const bad = b.push('b', chunk(2, 3));
    const ok2 = b.push('c', chunk(3));
    await drain();
    const error = new GruStreamError('E_STREAM', "stream 'b' was closed", 'b').toJSON();
    calls[0]!.answer([{ index: 1, error }]);
    const [r1, r2] = await Promise.all([ok1, ok2]);
    expect([r1[0], r1[3]]).toEqual([1, 1]);
    expect(r2[0]).toBe(3);
    await expect(bad).rejects.toMatchObject({ name: 'GruStreamError', code: 'E_STREAM', stream: 'b' });
  });

  it('refuses a malformed chunk at once with E_BAD_CHUNK naming the stream, without poisoning the batch', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const good = b.push('ok', chunk(7));
    const cases: [string, unknown, RegExp][] = [
      ['nan', Float32Array.of(1, NaN), /stream 'nan': frame 0, feature 1 is NaN; expected a finite number/],
      ['inf', Float32Array.of(1, 2, Infinity, 0), /stream 'inf': frame 1, feature 0 is Infinity/],
      ['odd', new Float32Array(3), /stream 'odd': expected a Float32Array of T × 2 floats .*got 3 floats/],
      ['empty', new Float32Array(0), /stream 'empty': expected .*got 0 floats/],
      ['f64', new Float64Array(2), /stream 'f64': expected a Float32Array .*got Float64Array\(2\)/],
      ['array', [1, 2], /stream 'array': expected a Float32Array .*got Array\(2\)/],
    ];
    for (const [stream, frames, message] of cases) {
      const p = b.push(stream, frames as Float32Array);
      await expect(p).rejects.toMatchObject({ code: 'E_BAD_CHUNK', stream });
      await expect(p).rejects.toThrow(message);
    }
    await expect(b.push('', chunk(1))).rejects.toMatchObject({ code: 'E_BAD_CHUNK' });
    expect(b.pending).toBe(1);
    await drain();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request.streams).toEqual(['ok']);
    calls[0]!.answer();
    expect((await good)[0]).toBe(7);
  });

  it('rejects chunks beyond maxPendingChunks with E_CAPACITY, and accepts again once answered', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 3 });
    const accepted = [b.push('a', chunk(1)), b.push('b', chunk(2)), b.push('a', chunk(3))];
    const refused = b.push('c', chunk(4));
    await expect(refused).rejects.toMatchObject({ code: 'E_CAPACITY', stream: 'c' });
    await expect(refused).rejects.toThrow(/3 chunks are pending, the limit \(maxPendingChunks\) is 3/);
    expect(b.pending).toBe(3);
    await drain();
    calls[0]!.answer();
    await Promise.all(accepted);
    expect(b.pending).toBe(0);
    const again = b.push('c', chunk(5));
    await drain();
    calls[1]!.answer();
    expect((await again)[0]).toBe(5);
  });

  it('rejects every chunk of a batch whose step call fails, then carries on with the next batch', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const lost = [b.push('a', chunk(1)), b.push('b', chunk(2))];
    await drain();
    const later = b.push('a', chunk(3));
    calls[0]!.fail(new GruStreamError('E_WORKER_DEAD', 'step(): the engine worker died'));
    for (const p of lost) await expect(p).rejects.toMatchObject({ code: 'E_WORKER_DEAD' });
    await drain();
    calls[1]!.answer();
    expect((await later)[0]).toBe(3);
    expect(b.pending).toBe(0);
  });

  it('caps a step call at maxChunks and sends the rest right after', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxChunks: 2 });
    const all = [1, 2, 3, 4, 5].map((m) => b.push('s', chunk(m)));
    await drain();
    expect(calls.map((c) => c.request.streams.length)).toEqual([2]);
    calls[0]!.answer();
    await drain();
    expect(calls.map((c) => c.request.streams.length)).toEqual([2, 2]);
    calls[1]!.answer();
    await drain();
    calls[2]!.answer();
    expect((await Promise.all(all)).map((o) => o[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps push order while chunks are taken from the front of a long queue and pushed at its back', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxChunks: 3 });
    const all = Array.from({ length: 10 }, (_, m) => b.push('s', chunk(m)));
    await drain();
    // Each answer lets the next batch go; two more chunks join the back of the queue meanwhile.
    for (let k = 0; k < 6; k++) {
      all.push(b.push('s', chunk(10 + 2 * k)), b.push('s', chunk(11 + 2 * k)));
      calls[k]!.answer();
      await drain();
    }
    while (b.pending > 0) {
      calls.at(-1)!.answer();
      await drain();
    }
    expect(calls.every((c) => c.request.streams.length <= 3)).toBe(true);
    expect((await Promise.all(all)).map((o) => o[0])).toEqual(Array.from({ length: 22 }, (_, m) => m));
  });

  it('with windowMs, flushes windowMs after the first chunk of a batch, or at once when maxChunks are queued', async () => {
    vi.useFakeTimers();
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { windowMs: 5, maxChunks: 3 });
    const first = [b.push('a', chunk(1))];
    await vi.advanceTimersByTimeAsync(4);
    first.push(b.push('b', chunk(2)));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request.streams).toEqual(['a', 'b']);
    calls[0]!.answer();
    await Promise.all(first);
    const full = [b.push('a', chunk(3)), b.push('b', chunk(4)), b.push('c', chunk(5))];
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    calls[1]!.answer();
    expect((await Promise.all(full)).map((o) => o[0])).toEqual([3, 4, 5]);
  });

  it('rejects with E_RUNTIME when a step result does not match its request', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher({
      model: engine.model,
      step: (r) => engine.step(r).then((res) => ({ ...res, outputCounts: res.outputCounts.subarray(1) })),
    });
    const both = [b.push('a', chunk(1)), b.push('b', chunk(2))];
    await drain();
    calls[0]!.answer();
    for (const p of both)
      await expect(p).rejects.toThrow(/step result does not match its request: 1 output counts for 2 chunks/);
  });

  it("sends what waited as soon as a call returns, before handing out that call's answers", async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    let callsWhenAnswered = 0;
    const first = b.push('a', chunk(1)).then(() => (callsWhenAnswered = calls.length));
    await drain();
    const second = b.push('a', chunk(2));
    calls[0]!.answer();
    await first;
    // The worker already has the next batch while this thread delivers the previous one.
    expect(callsWhenAnswered).toBe(2);
    calls[1]!.answer();
    expect((await second)[0]).toBe(2);
  });

  it('with maxInFlight 2, keeps two calls in flight and each stream in push order', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxInFlight: 2 });
    const seen: string[] = [];
    const track = (name: string, p: Promise<Float32Array>) =>
      p.then((out) => void seen.push(`${name}=${out[0]}`));
    const all = [track('a1', b.push('a', chunk(1))), track('b1', b.push('b', chunk(2)))];
    await drain();
    all.push(track('a2', b.push('a', chunk(3))));
    await drain();
    expect(calls).toHaveLength(2); // the second went out while the first is in flight
    all.push(track('a3', b.push('a', chunk(4))), track('b2', b.push('b', chunk(5))));
    await drain();
    expect(calls).toHaveLength(2); // two in flight: the third batch waits
    expect(b.pending).toBe(5);
    calls[0]!.answer();
    await drain();
    expect(calls).toHaveLength(3);
    expect(calls[2]!.request.streams).toEqual(['a', 'b']);
    calls[1]!.answer();
    calls[2]!.answer();
    await Promise.all(all);
    expect(seen).toEqual(['a1=1', 'b1=2', 'a2=3', 'a3=4', 'b2=5']);
    expect(b.pending).toBe(0);
  });

  it('submit() hands each answer to its sink with its token and tag, refusals returned at once', async () => {
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine, { maxPendingChunks: 2 });
    const got: string[] = [];
    const sink = {
      answer: (token: string, tag: number, outputs: Float32Array, offset: number, length: number) =>
        got.push(`${token}#${tag}:${length / C}×${outputs[offset]}`),
      fail: (token: string, tag: number, error: GruStreamError) => got.push(`${token}#${tag}:${error.code}`),
    };
    expect(b.submit('a', chunk(7, 2), sink, 'A', 0)).toBeUndefined();
    expect(b.submit('b', new Float32Array(3), sink, 'B', 0)).toMatchObject({
      code: 'E_BAD_CHUNK',
      stream: 'b',
    });
    expect(b.submit('c', chunk(8), sink, 'C', 5)).toBeUndefined();
    expect(b.submit('d', chunk(9), sink, 'D', 0)).toMatchObject({ code: 'E_CAPACITY', stream: 'd' });
    await drain();
    const error = new GruStreamError('E_STREAM', "stream 'c' was closed", 'c').toJSON();
    calls[0]!.answer([{ index: 1, error }]);
    await drain();
    expect(got).toEqual(['A#0:2×7', 'C#5:E_STREAM']);
    expect(b.pending).toBe(0);
  });

  it('a sink that throws does not keep the chunks after it unanswered; its error is rethrown on a timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { engine, calls } = fakeEngine();
    const b = new MicroBatcher(engine);
    const throwing = {
      answer: () => {
        throw new Error('subscriber bug');
      },
      fail: () => undefined,
    };
    b.submit('a', chunk(1), throwing, undefined);
    const after = b.push('b', chunk(2));
    await drain();
    calls[0]!.answer();
    expect((await after)[0]).toBe(2);
    expect(() => vi.runOnlyPendingTimers()).toThrow('subscriber bug');
  });

  it('refuses bad options with E_ARGUMENT', () => {
    const { engine } = fakeEngine();
    expect(() => new MicroBatcher(engine, { windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new MicroBatcher(engine, { maxChunks: 0 })).toThrow(/maxChunks/);
    expect(() => new MicroBatcher(engine, { maxPendingChunks: 1.5 })).toThrow(/maxPendingChunks/);
    expect(() => new MicroBatcher(engine, { maxInFlight: 0 })).toThrow(/maxInFlight/);
  });

  it('with lanes: one queue per lane, each stream on its lane in order, calls in flight per lane', async () => {
    const lanes = [fakeEngine(), fakeEngine()];
    const laneOf = (stream: string): number => Number(stream.slice(1)) % 2;
    const wholeStep = vi.fn();
    const target = {
      model: { inputSize: I, outputSize: C },
      step: wholeStep,
      lanes: { count: 2, laneOf, step: (k: number, r: StepRequest) => lanes[k]!.engine.step(r) },
    };
    const b = new MicroBatcher(target, { maxInFlight: 1, maxChunks: 4 });
    const results = Array.from({ length: 12 }, (_, i) => b.push(`s${i % 3}`, chunk(i)));
    const settling = Promise.allSettled(results); // handled from the start
    await drain();
    expect(wholeStep).not.toHaveBeenCalled();
    // s0 and s2 on lane 0, s1 on lane 1; one call in flight per lane, the rest waits.
    expect(lanes.map((l) => l.calls.length)).toEqual([1, 1]);
    expect(lanes[0]!.calls[0]!.request.streams).toEqual(['s0', 's2', 's0', 's2']);
    expect(lanes[1]!.calls[0]!.request.streams).toEqual(['s1', 's1', 's1', 's1']);
    // Lane 1 failing as a whole fails its chunks only; lane 0 goes on with its next batch.
    lanes[1]!.calls[0]!.fail(new GruStreamError('E_RUNTIME', 'lane 1 broke'));
    lanes[0]!.calls[0]!.answer();
    await drain();
    expect(lanes[0]!.calls).toHaveLength(2);
    expect(lanes[0]!.calls[1]!.request.streams).toEqual(['s0', 's2', 's0', 's2']);
    lanes[0]!.calls[1]!.answer();
    await drain();
    const settled = await settling;
    settled.forEach((r, i) => {
      if (i % 3 === 1) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'E_RUNTIME' } });
      else expect(r).toMatchObject({ status: 'fulfilled', value: Float32Array.from([i, i, 0]) });
    });
    expect(b.pending).toBe(0);
  });

  it('refuses a lane count below 1 with E_ARGUMENT', () => {
    const { engine } = fakeEngine();
    const lanes = { count: 0, laneOf: () => 0, step: (_: number, r: StepRequest) => engine.step(r) };
    expect(() => new MicroBatcher({ ...engine, lanes })).toThrow(/lanes/);
  });
});
