/**
 * The engine pool against real worker_threads running tfjs-tflite on the committed float32 test
 * models: streams are placed stably, answers equal the float32 reference GRU, and a worker killed
 * (or hung) mid-run is replaced so that every stream's outputs equal an uninterrupted run's bit for
 * bit, with a `recovered` event and no error. Ordered by awaited calls and the test hooks, no clocks
 * (the hung-worker case waits for its own 1 s call deadline).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, Subject, tap, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { inferMany, isChunkFailure } from '../../src/client/infer-multiplexed.js';
import type { Prediction } from '../../src/client/prediction.js';
import { createEnginePool } from '../../src/client/pool-node.js';
import type { NodePoolOptions } from '../../src/client/pool-node.js';
import type { EnginePool } from '../../src/client/pool.js';
import type { RecoveredEvent } from '../../src/client/supervisor.js';
import { directorySnapshotStore } from '../../src/client/snapshot-store-node.js';
import { withTestHooks, workerHooksOf } from '../../src/client/test-hooks.js';
import { placeStream } from '../../src/client/placement.js';
import { mulberry32 } from '../../src/model/random.js';
import type { StepRequest, StepResult } from '../../src/protocol/engine.js';
import { MODELS_DIR } from '../helpers/models.js';
import { C, concat, H, I, maxAbsDiff, referenceOutputs, streamFrames } from '../client/helpers.js';

const ALL = [1, 8, 64].map((b) => join(MODELS_DIR, 'test', `gru-h${H}-float32-b${b}.tflite`));
const started: EnginePool[] = [];
async function start(options: Partial<NodePoolOptions> = {}): Promise<EnginePool> {
  const pool = await createEnginePool({ models: ALL, workers: 2, ...options });
  started.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.dispose()));
});

const STREAMS = 40;
const ROUNDS = 24;

/** Round r: one chunk of 1–3 frames for each of the 40 streams, from a seeded generator. */
function rounds(): StepRequest[] {
  const rand = mulberry32(77);
  return Array.from({ length: ROUNDS }, (_, r) => {
    const streams: string[] = [];
    const counts: number[] = [];
    const parts: Float32Array[] = [];
    for (let s = 0; s < STREAMS; s++) {
      const T = 1 + Math.floor(rand() * 3);
      streams.push(`sensor-${s}`);
      counts.push(T);
      parts.push(streamFrames(1000 * r + s, T));
    }
    return { streams, frameCounts: Int32Array.from(counts), frames: concat(parts) };
  });
}

/** A request for the pool (its buffers are transferred, so each send gets a copy). */
const copy = (r: StepRequest): StepRequest => ({
  streams: r.streams.slice(),
  frameCounts: r.frameCounts.slice(),
  frames: r.frames.slice(),
});

/** Per stream: all its outputs over the rounds, concatenated. */
function perStream(requests: StepRequest[], results: StepResult[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array[]>();
  results.forEach((res, r) => {
    expect(res.errors).toEqual([]);
    let row = 0;
    requests[r]!.streams.forEach((s, i) => {
      const n = res.outputCounts[i]!;
      (out.get(s) ?? out.set(s, []).get(s)!).push(res.outputs.slice(row * C, (row + n) * C));
      row += n;
    });
  });
  return new Map([...out].map(([s, parts]) => [s, concat(parts)]));
}

/** Per stream: all its input frames over the rounds. */
function inputsPerStream(requests: StepRequest[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array[]>();
  for (const req of requests) {
    let f = 0;
    req.streams.forEach((s, i) => {
      const n = req.frameCounts[i]!;
      (out.get(s) ?? out.set(s, []).get(s)!).push(req.frames.slice(f * I, (f + n) * I));
      f += n;
    });
  }
  return new Map([...out].map(([s, parts]) => [s, concat(parts)]));
}

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('placement', () => {
  it('is stable, balanced, and moves about 1/n of the ids when a worker is added', () => {
    const ids = Array.from({ length: 20_000 }, (_, k) => `device-${k}`);
    const two = ids.map((id) => placeStream(id, 2));
    expect(ids.map((id) => placeStream(id, 2))).toEqual(two);
    const share = two.filter((w) => w === 0).length / ids.length;
    expect(Math.abs(share - 0.5)).toBeLessThan(0.02);
    const three = ids.map((id) => placeStream(id, 3));
    const moved = three.filter((w, k) => w !== two[k]).length / ids.length;
    // Rendezvous: only ids won by the new worker move (expected 1/3), and they all go to it.
    expect(Math.abs(moved - 1 / 3)).toBeLessThan(0.02);
    expect(three.every((w, k) => w === two[k] || w === 2)).toBe(true);
  });
});

describe('engine pool', () => {
  it('steps streams spread over 2 workers exactly like the float32 reference GRU', async () => {
    const pool = await start();
    const requests = rounds().slice(0, 8);
    const results: StepResult[] = [];
    for (const r of requests) results.push(await pool.step(copy(r)));
    const inputs = inputsPerStream(requests);
    for (const [s, outputs] of perStream(requests, results)) {
      expect(maxAbsDiff(outputs, referenceOutputs(inputs.get(s)!))).toBeLessThan(1e-5);
    }
    const counters = pool.counters();
    expect(counters.workers.map((w) => w.chunks).every((c) => c > 0)).toBe(true);
    expect(counters.total.chunks).toBe(8 * STREAMS);
    expect((await pool.stats()).openStreams).toBe(STREAMS);
  });

  it('runs inferMany unchanged over the pool, each stream equal to the reference', async () => {
    const pool = await start();
    const frames = Array.from({ length: 30 }, (_, s) => streamFrames(300 + s, 5));
    const chunks = frames.flatMap((f, s) =>
      [0, 2].map((t) => ({ stream: `op-${s}`, frames: f.slice(t * I, (t === 0 ? 2 : 5) * I) })),
    );
    const values = await lastValueFrom(from(chunks).pipe(inferMany(pool), toArray()));
    expect(values.filter(isChunkFailure)).toEqual([]);
    frames.forEach((f, s) => {
      const got = concat(
        values
          .filter((v): v is Prediction => !isChunkFailure(v) && v.stream === `op-${s}`)
          .map((p) => p.output),
      );
      expect(maxAbsDiff(got, referenceOutputs(f))).toBeLessThan(1e-5);
    });
    expect(pool.workerOf('op-0')).toBe(placeStream('op-0', 2));
  });

  it('replaces a worker killed mid-run: every stream equals the uninterrupted run bit for bit', async () => {
    const requests = rounds();
    const policy = { snapshots: { everyChunks: 60, everyMs: Infinity } };

    const calm = await start(policy);
    const expected: StepResult[] = [];
    for (const r of requests) expected.push(await calm.step(copy(r)));
    await calm.dispose();

    const pool = await start(withTestHooks(policy));
    expect(await pool.sparesReady()).toBe(1);
    const events: RecoveredEvent[] = [];
    pool.recovered$.subscribe((e) => events.push(e));
    const results: Promise<StepResult>[] = [];
    for (let r = 0; r < 10; r++)
      await pool.step(copy(requests[r]!)).then((x) => results.push(Promise.resolve(x)));
    // Five rounds in flight when worker 0 dies, then the rest sent while it is being replaced.
    for (let r = 10; r < 15; r++) results.push(pool.step(copy(requests[r]!)));
    await expect(workerHooksOf(pool, 0).crash(3)).rejects.toMatchObject({ code: 'E_WORKER_DEAD' });
    for (let r = 15; r < ROUNDS; r++) results.push(pool.step(copy(requests[r]!)));
    const got = await Promise.all(results);

    const want = perStream(requests, expected);
    const have = perStream(requests, got);
    expect(have.size).toBe(STREAMS);
    for (const [s, outputs] of want) expect(bits(have.get(s)!)).toEqual(bits(outputs));
    const inputs = inputsPerStream(requests);
    for (const [s, outputs] of have) {
      expect(maxAbsDiff(outputs, referenceOutputs(inputs.get(s)!))).toBeLessThan(1e-5);
    }
    expect(events).toHaveLength(1);
    // The warm spare took the dead worker's place; a new spare was started for the next failure.
    expect(events[0]).toMatchObject({ worker: 0, code: 'E_WORKER_DEAD', warm: true });
    expect(events[0]!.spareError).toBeUndefined();
    expect(events[0]!.restoredStreams).toBeGreaterThan(0);
    expect(events[0]!.replayedChunks).toBeGreaterThan(0);
    const counters = pool.counters();
    expect(counters.spares).toBe(1);
    expect(counters.workers[0]!.recoveries).toBe(1);
    expect(counters.workers[0]!.checkpoints).toBeGreaterThan(0);
    // Checkpoints trimmed the journal: it holds fewer chunks than were sent.
    for (const w of counters.workers) expect(w.journalChunks).toBeLessThan(w.chunks);
  });

  it('inferMany over a pool: a worker killed mid-stream changes no prediction, bit for bit', async () => {
    // The operator's batcher sends each worker's chunks to it directly (one queue per worker); the
    // journal behind those calls must replay them exactly like split pool.step() calls.
    const N = 24;
    const T = 12;
    const frames = Array.from({ length: N }, (_, s) => streamFrames(500 + s, T));
    const run = async (pool: EnginePool, crashAfter?: number): Promise<Map<string, Float32Array>> => {
      const source = new Subject<{ stream: string; frames: Float32Array }>();
      const got = new Map<string, Float32Array[]>();
      let emitted = 0;
      let reached: (() => void) | undefined;
      const done = lastValueFrom(
        source.pipe(
          inferMany(pool),
          tap((v) => {
            expect(isChunkFailure(v)).toBe(false);
            const p = v as Prediction;
            (got.get(p.stream) ?? got.set(p.stream, []).get(p.stream)!).push(p.output);
            if (++emitted === crashAfter) reached?.();
          }),
          toArray(),
        ),
      );
      const push = (t: number): void => {
        for (let s = 0; s < N; s++)
          source.next({ stream: `live-${s}`, frames: frames[s]!.slice(t * I, (t + 1) * I) });
      };
      // One step call per round and worker: the flush is a microtask queued by the round's pushes.
      for (let t = 0; t < T / 2; t++) {
        push(t);
        await Promise.resolve();
      }
      if (crashAfter !== undefined) {
        await new Promise<void>((resolve) => (reached = resolve));
        await expect(workerHooksOf(pool, 0).crash(3)).rejects.toMatchObject({ code: 'E_WORKER_DEAD' });
      }
      for (let t = T / 2; t < T; t++) {
        push(t);
        await Promise.resolve();
      }
      source.complete();
      await done;
      return new Map([...got].map(([k, parts]) => [k, concat(parts)]));
    };
    // A checkpoint every 2–3 rounds per worker: the journal holds answered rounds when it is killed.
    const policy = { snapshots: { everyChunks: 30, everyMs: Infinity } };
    const calm = await start(policy);
    const want = await run(calm);
    await calm.dispose();
    const pool = await start(withTestHooks(policy));
    const events: RecoveredEvent[] = [];
    pool.recovered$.subscribe((e) => events.push(e));
    // Killed once 4 of the first 6 rounds were answered: the others are queued or in flight.
    const have = await run(pool, 4 * N);
    expect(have.size).toBe(N);
    for (const [s, outputs] of want) expect(bits(have.get(s)!)).toEqual(bits(outputs));
    frames.forEach((f, s) => {
      expect(maxAbsDiff(have.get(`live-${s}`)!, referenceOutputs(f))).toBeLessThan(1e-5);
    });
    expect(events.map((e) => [e.worker, e.code])).toEqual([[0, 'E_WORKER_DEAD']]);
    expect(pool.counters().workers[0]!.checkpoints).toBeGreaterThan(0);
  });

  it('replaces a hung worker after its deadline; callers see answers, the event says E_TIMEOUT', async () => {
    const pool = await start(withTestHooks({ callTimeoutMs: 1000 }));
    // The spare starts with the pool; let it finish first, so its start-up does not compete with
    // the healthy worker's calls for the 1 s deadline on busy cores.
    expect(await pool.sparesReady()).toBe(1);
    const events: RecoveredEvent[] = [];
    pool.recovered$.subscribe((e) => events.push(e));
    const requests = rounds().slice(0, 4);
    const first = await pool.step(copy(requests[0]!));
    const blocked = workerHooksOf(pool, 1).block(new SharedArrayBuffer(4));
    const rest = requests.slice(1).map((r) => pool.step(copy(r)));
    await expect(blocked).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    const results = [first, ...(await Promise.all(rest))];
    const inputs = inputsPerStream(requests);
    for (const [s, outputs] of perStream(requests, results)) {
      expect(maxAbsDiff(outputs, referenceOutputs(inputs.get(s)!))).toBeLessThan(1e-5);
    }
    expect(events.map((e) => [e.worker, e.code, e.warm])).toEqual([[1, 'E_TIMEOUT', true]]);
  });

  it('keeps checkpoints in a directory store, replaced atomically, and recovers from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gru-pool-'));
    try {
      const requests = rounds().slice(0, 6);
      const pool = await start(
        withTestHooks({
          store: directorySnapshotStore(dir),
          snapshots: { everyChunks: 40, everyMs: Infinity },
          spares: 0, // a cold start this time
        }),
      );
      const events: RecoveredEvent[] = [];
      pool.recovered$.subscribe((e) => events.push(e));
      const results: StepResult[] = [];
      for (const r of requests.slice(0, 4)) results.push(await pool.step(copy(r)));
      await pool.saveCheckpoints();
      const files = readdirSync(dir).filter((f) => f.endsWith('.ckpt'));
      expect(files.sort()).toEqual(['gru-pool%2Fworker-0.ckpt', 'gru-pool%2Fworker-1.ckpt']);
      await expect(workerHooksOf(pool, 1).crash(3)).rejects.toMatchObject({ code: 'E_WORKER_DEAD' });
      for (const r of requests.slice(4)) results.push(await pool.step(copy(r)));
      const inputs = inputsPerStream(requests);
      for (const [s, outputs] of perStream(requests, results)) {
        expect(maxAbsDiff(outputs, referenceOutputs(inputs.get(s)!))).toBeLessThan(1e-5);
      }
      expect(pool.counters().workers[1]!.recoveries).toBe(1);
      expect(events.map((e) => [e.worker, e.warm])).toEqual([[1, false]]);
      await pool.dispose();
      expect(readdirSync(dir).every((f) => f.endsWith('.ckpt'))).toBe(true); // no temporary files left
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
