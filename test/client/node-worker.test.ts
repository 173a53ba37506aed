/**
 * The client against real `worker_threads` workers running real tfjs-tflite on the committed float32
 * test models: results equal the reference GRU, snapshots move between workers bit-identically, and
 * every way a worker can die or hang, and every bad input, ends in its coded error.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/client/create-engine-node.js';
import type { NodeEngineOptions } from '../../src/client/create-engine-node.js';
import type { WorkerEngineClient } from '../../src/client/engine-client.js';
import { nodePlatform } from '../../src/client/platform-node.js';
import type { Platform, WorkerHandle } from '../../src/client/platform.js';
import { hasTestHooks, testHooksOf, withTestHooks } from '../../src/client/test-hooks.js';
import { encodeSnapshot } from '../../src/engine/codec.js';
import type { StepRequest } from '../../src/protocol/engine.js';
import type { GruStreamError } from '../../src/errors.js';
import { mulberry32 } from '../../src/model/random.js';
import { readModelFile } from '../../src/runtime/model-files-node.js';
import { MODELS_DIR } from '../helpers/models.js';
import { C, concat, cutAtRandom, H, I, maxAbsDiff, referenceOutputs, streamFrames } from './helpers.js';

const modelPath = (batch: number, scheme = 'float32'): string =>
  join(MODELS_DIR, 'test', `gru-h${H}-${scheme}-b${batch}.tflite`);
const ALL = [1, 8, 64].map((b) => modelPath(b));

/** Engines started by a test, disposed after it whatever happened. */
const started: WorkerEngineClient[] = [];
async function start(options: Partial<NodeEngineOptions> = {}): Promise<WorkerEngineClient> {
  const engine = await createEngine({ models: ALL, ...options });
  started.push(engine);
  return engine;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.dispose()));
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<GruStreamError> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`);
    },
    (e: GruStreamError) => e,
  );
}

/** 'settled' when `p` settles before a macrotask turn, else 'pending': "rejects at once", no timing. */
async function settlesAtOnce(p: Promise<unknown>): Promise<'settled' | 'pending'> {
  const turn = new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([
    p.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    turn,
  ]);
}

/** A platform that hands the test the worker handle, to kill the worker from outside. */
function capturingPlatform(): { platform: Platform; handle: () => WorkerHandle } {
  const base = nodePlatform();
  let handle: WorkerHandle | undefined;
  return {
    platform: {
      ...base,
      spawn: () => (handle = base.spawn()),
    },
    handle: () => handle!,
  };
}

describe('node worker: results', () => {
  it.each([[[1]], [[8]], [[64]], [[1, 8, 64]]])(
    'B=%j: chunks cut at random sizes over several streams equal the reference within 1e-5',
    async (batches) => {
      const engine = await start({ models: batches.map((b) => modelPath(b)) });
      expect(engine.model).toMatchObject({ inputSize: I, hiddenSize: H, outputSize: C, batchSizes: batches });
      const streams = Array.from({ length: 6 }, (_, s) => {
        const frames = streamFrames(100 + s, 60 + 11 * s);
        return {
          id: `s${s}`,
          frames,
          chunks: cutAtRandom(frames, 200 + s, 12),
          outputs: [] as Float32Array[],
        };
      });
      const batcher = engine.batcher();
      const rand = mulberry32(7);
      // Several flushes: each round pushes the next few chunks of every stream, in a shuffled order.
      while (streams.some((s) => s.chunks.length > 0)) {
        const round: Promise<void>[] = [];
        for (const s of [...streams].sort(() => rand() - 0.5)) {
          for (let k = Math.floor(rand() * 3); k >= 0 && s.chunks.length > 0; k--) {
            round.push(batcher.push(s.id, s.chunks.shift()!).then((out) => void s.outputs.push(out.slice())));
          }
        }
        await Promise.all(round);
      }
      for (const s of streams) {
        expect(maxAbsDiff(concat(s.outputs), referenceOutputs(s.frames))).toBeLessThan(1e-5);
      }
      const stats = await engine.stats();
      expect(stats.openStreams).toBe(6);
      expect(stats.framesStepped).toBe(streams.reduce((n, s) => n + s.frames.length / I, 0));
    },
  );

  it('two step calls in flight (the default) keep every stream in push order', async () => {
    const engine = await start();
    let inFlight = 0;
    let mostInFlight = 0;
    const step = engine.step;
    engine.step = async (request) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await step(request);
      } finally {
        inFlight--;
      }
    };
    const streams = ['p', 'q', 'r'].map((id, s) => ({
      id,
      frames: streamFrames(700 + s, 90),
      outputs: [] as Float32Array[],
    }));
    const batcher = engine.batcher();
    const answers: Promise<void>[] = [];
    // Bursts a macrotask apart, without waiting for answers: calls overlap.
    for (let t = 0; t < 30; t++) {
      for (const s of streams) {
        const chunk = s.frames.slice(t * 3 * I, (t + 1) * 3 * I);
        answers.push(batcher.push(s.id, chunk).then((out) => void s.outputs.push(out.slice())));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(answers);
    expect(mostInFlight).toBe(2);
    for (const s of streams) {
      expect(maxAbsDiff(concat(s.outputs), referenceOutputs(s.frames))).toBeLessThan(1e-5);
    }
  });

  it('a snapshot restored in a NEW worker continues bit-identically to an uninterrupted run', async () => {
    const frames = streamFrames(300, 80);
    const chunks = cutAtRandom(frames, 301, 7);
    const half = Math.floor(chunks.length / 2);
    const run = async (engine: WorkerEngineClient, stream: string, part: Float32Array[]) => {
      const outs: Float32Array[] = [];
      // One chunk per call, so every step has the same batch composition in both runs.
      for (const c of part) outs.push((await engine.batcher().push(stream, c.slice())).slice());
      return concat(outs);
    };

    const whole = await start();
    const uninterrupted = await run(whole, 'u', chunks);

    const first = await start();
    await run(first, 'moving', chunks.slice(0, half));
    const snapshot = await first.snapshot('moving');
    await first.dispose();

    const second = await start();
    await second.restore('moving', snapshot);
    const continued = await run(second, 'moving', chunks.slice(half));

    const tail = uninterrupted.subarray(uninterrupted.length - continued.length);
    expect(continued).toEqual(tail);
    expect(maxAbsDiff(uninterrupted, referenceOutputs(frames))).toBeLessThan(1e-5);
  });
});

describe('node worker: memory', () => {
  it('reports the worker heap and external memory; the state table grows with open streams', async () => {
    const engine = await start({ models: [modelPath(64)] });
    const before = await engine.memory(false);
    expect(before.collected).toBe(false);
    expect(before.memory!.heapUsed).toBeGreaterThan(1_000_000);
    expect(before.memory!.external).toBeGreaterThan(1_000_000); // the WASM heap at least
    const { stateBytes } = await engine.stats();
    const n = 500;
    const streams = Array.from({ length: n }, (_, k) => `m${k}`);
    await engine.step({ streams, frameCounts: new Int32Array(n).fill(1), frames: new Float32Array(n * I) });
    expect((await engine.stats()).stateBytes).toBeGreaterThanOrEqual(stateBytes + (n - 64) * H * 4);
  });
});

describe('node worker: death and deadlines', () => {
  it('terminated while calls are pending: they reject with E_WORKER_DEAD, later calls at once', async () => {
    const { platform, handle } = capturingPlatform();
    const engine = await start(withTestHooks({ platform }));
    const signal = new SharedArrayBuffer(4);
    const pending = [testHooksOf(engine).block(signal), engine.batcher().push('s', streamFrames(1, 2))].map(
      rejection,
    );
    await handle().terminate();
    for (const p of pending) {
      const e = await p;
      expect(e).toMatchObject({ name: 'GruStreamError', code: 'E_WORKER_DEAD' });
      expect(e.message).toMatch(/the engine worker died \(worker exited with code 1\)/);
    }
    const later = engine.stats();
    expect(await settlesAtOnce(later)).toBe('settled');
    expect(await rejection(later)).toMatchObject({ code: 'E_WORKER_DEAD' });
  });

  it('process.exit inside the worker: pending calls reject with E_WORKER_DEAD, later calls at once', async () => {
    const engine = await start(withTestHooks({}));
    const crash = testHooksOf(engine).crash(3);
    const behind = engine.step({ streams: ['a'], frameCounts: Int32Array.of(1), frames: streamFrames(2, 1) });
    for (const p of [crash, behind].map(rejection)) {
      expect(await p).toMatchObject({
        code: 'E_WORKER_DEAD',
        message: expect.stringMatching(/worker exited with code 3/) as unknown,
      });
    }
    const later = engine.batcher().push('a', streamFrames(3, 1));
    expect(await settlesAtOnce(later)).toBe('settled');
    expect(await rejection(later)).toMatchObject({ code: 'E_WORKER_DEAD' });
  });

  it('a worker that misses the deadline: pending calls reject with E_TIMEOUT, later calls E_WORKER_DEAD', async () => {
    const engine = await start(withTestHooks({ callTimeoutMs: 500 }));
    const signal = new SharedArrayBuffer(4);
    try {
      const pending = [testHooksOf(engine).block(signal), engine.stats()].map(rejection);
      for (const p of pending) {
        const e = await p;
        expect(e.code).toBe('E_TIMEOUT');
        expect(e.message).toMatch(/missed the 500 ms deadline of blockForTest\(\) and was terminated/);
      }
      const later = engine.info();
      expect(await settlesAtOnce(later)).toBe('settled');
      expect(await rejection(later)).toMatchObject({ code: 'E_WORKER_DEAD' });
    } finally {
      // Release the wait in case the thread outlived its termination.
      Atomics.store(new Int32Array(signal), 0, 1);
      Atomics.notify(new Int32Array(signal), 0);
    }
  });

  it('dispose rejects pending calls with E_DISPOSED and every later call at once', async () => {
    const engine = await start(withTestHooks({}));
    const blocked = rejection(testHooksOf(engine).block(new SharedArrayBuffer(4)));
    await engine.dispose();
    expect(await blocked).toMatchObject({ code: 'E_DISPOSED' });
    const later = engine.stats();
    expect(await settlesAtOnce(later)).toBe('settled');
    expect(await rejection(later)).toMatchObject({ code: 'E_DISPOSED' });
    await engine.dispose(); // idempotent
  });

  it('test hooks are absent unless enabled', async () => {
    const engine = await start({ models: [modelPath(1)] });
    expect(hasTestHooks(engine)).toBe(false);
  });
});

describe('node worker: bad inputs give coded errors, other streams continue', () => {
  it('per-chunk failures inside one step call', async () => {
    const engine = await start();
    await engine.open('closed');
    await engine.close('closed');
    const good = streamFrames(10, 3);
    const nan = streamFrames(11, 2);
    nan[45] = NaN;
    const other = streamFrames(12, 2);
    const parts = [
      ['good', good],
      ['nan', nan],
      ['empty', new Float32Array(0)],
      ['closed', streamFrames(13, 1)],
      ['other', other],
    ] as const;
    const request: StepRequest = {
      streams: parts.map(([s]) => s),
      frameCounts: Int32Array.from(parts.map(([, f]) => f.length / I)),
      frames: concat(parts.map(([, f]) => f)),
    };
    const result = await engine.step(request);
    expect(result.errors.map((e) => [e.index, e.error.code, e.error.stream])).toEqual([
      [1, 'E_BAD_CHUNK', 'nan'],
      [2, 'E_BAD_CHUNK', 'empty'],
      [3, 'E_STREAM', 'closed'],
    ]);
    expect([...result.outputCounts]).toEqual([3, 0, 0, 0, 2]);
    expect(maxAbsDiff(result.outputs.subarray(0, 3 * C), referenceOutputs(good))).toBeLessThan(1e-5);
    expect(maxAbsDiff(result.outputs.subarray(3 * C), referenceOutputs(other))).toBeLessThan(1e-5);
    expect(request.frames.byteLength).toBe(0); // transferred, not copied
  });

  it('a malformed request fails as a whole with E_BAD_CHUNK and the worker carries on', async () => {
    const engine = await start();
    const e = await rejection(
      engine.step({ streams: ['a'], frameCounts: Int32Array.of(2), frames: new Float32Array(I) }),
    );
    expect(e).toMatchObject({ name: 'GruStreamError', code: 'E_BAD_CHUNK' });
    expect(e.message).toMatch(/expected sum\(frameCounts\) × inputSize = 2 × 40 = 80/);
    const frames = streamFrames(20, 4);
    expect(
      maxAbsDiff(await engine.batcher().push('a', frames.slice()), referenceOutputs(frames)),
    ).toBeLessThan(1e-5);
  });

  it('stream and snapshot errors keep their codes and stream across the boundary', async () => {
    const engine = await start({ maxStreams: 2 });
    const b = engine.batcher();
    await b.push('one', streamFrames(30, 1));
    expect(await rejection(engine.open('one'))).toMatchObject({ code: 'E_STREAM' });
    expect(await rejection(engine.reset('nobody'))).toMatchObject({ code: 'E_STREAM' });
    expect(await rejection(engine.snapshot('nobody'))).toMatchObject({ code: 'E_STREAM' });
    expect(await rejection(engine.restore('one', new Uint8Array([1, 2, 3])))).toMatchObject({
      code: 'E_SNAPSHOT',
      stream: 'one',
    });
    const foreign = encodeSnapshot({ modelId: 'another-model', hiddenSize: H, h: new Float32Array(H) });
    expect((await rejection(engine.restore('one', foreign))).message).toMatch(
      /taken from model 'another-model'/,
    );
    await b.push('two', streamFrames(31, 1));
    expect(await rejection(b.push('three', streamFrames(32, 1)))).toMatchObject({
      code: 'E_CAPACITY',
      stream: 'three',
    });
    expect(await rejection(engine.open(''))).toMatchObject({ code: 'E_ARGUMENT' });
    // The streams that were fine still are.
    const frames = streamFrames(33, 2);
    await engine.reset('one');
    expect(maxAbsDiff(await b.push('one', frames.slice()), referenceOutputs(frames))).toBeLessThan(1e-5);
  });

  it('client-side refusals: malformed chunks and backpressure', async () => {
    const engine = await start({ batching: { maxPendingChunks: 2 } });
    const b = engine.batcher();
    expect(await rejection(b.push('x', new Float32Array(I + 1)))).toMatchObject({
      code: 'E_BAD_CHUNK',
      stream: 'x',
    });
    const accepted = [b.push('x', streamFrames(40, 1)), b.push('y', streamFrames(41, 1))];
    expect(await rejection(b.push('z', streamFrames(42, 1)))).toMatchObject({
      code: 'E_CAPACITY',
      stream: 'z',
    });
    await Promise.all(accepted);
  });

  it('bad model sets fail createEngine with a coded error', async () => {
    const missing = await rejection(createEngine({ models: [join(MODELS_DIR, 'test', 'nope.tflite')] }));
    expect(missing).toMatchObject({ code: 'E_ARGUMENT' });
    expect(missing.message).toMatch(/cannot read model file .*nope\.tflite/);
    const mixed = await rejection(createEngine({ models: [modelPath(1), modelPath(8, 'float16')] }));
    expect(mixed).toMatchObject({ code: 'E_MANIFEST' });
    expect(mixed.message).toMatch(/batch variants of one model/);
    expect(await rejection(createEngine({ models: [] }))).toMatchObject({ code: 'E_ARGUMENT' });
    const file = readModelFile(modelPath(8));
    const tampered = await rejection(
      createEngine({
        models: [{ bytes: file.bytes, manifest: { ...file.manifest, sha256: '0'.repeat(64) } }],
      }),
    );
    expect(tampered).toMatchObject({ code: 'E_MANIFEST' });
  });

  it('takes model files as bytes with their manifest too', async () => {
    const engine = await start({ models: [readModelFile(modelPath(8))] });
    const frames = streamFrames(50, 5);
    expect(
      maxAbsDiff(await engine.batcher().push('a', frames.slice()), referenceOutputs(frames)),
    ).toBeLessThan(1e-5);
  });
});
