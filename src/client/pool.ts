/**
 * `createEnginePoolOn`: several engine workers behind the one {@link EngineClient} API, so `infer`,
 * `inferMany`, snapshots and the batcher work unchanged. Each stream lives on one worker, chosen by
 * rendezvous hashing of its id. The batchers of the operators keep one queue per worker and send
 * each worker its own chunks; a direct `step` call is split per worker and the answers merged back in
 * request order. Every worker is supervised (see `supervisor.ts`): a crash or a missed deadline
 * is repaired from the latest checkpoint and the journal, and reported on `recovered$`, not as an
 * error.
 */
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { GruStreamError } from '../errors.js';
import type { EngineStats, StepRequest, StepResult, StreamOptions } from '../protocol/engine.js';
import type { EngineClient } from './client.js';
import { createEngineOn } from './engine-client.js';
import type { EngineOptions, WorkerEngineClient } from './engine-client.js';
import { MicroBatcher } from './micro-batcher.js';
import type { StepTarget } from './micro-batcher.js';
import { placeStream } from './placement.js';
import { browserPlatform } from './platform-browser.js';
import type { Platform } from './platform.js';
import { memorySnapshotStore } from './snapshot-store.js';
import type { SnapshotStore } from './snapshot-store.js';
import { SpareWorkers } from './spares.js';
import { SupervisedWorker } from './supervisor.js';
import type { RecoveredEvent, SnapshotPolicy, WorkerCounters } from './supervisor.js';
import { POOL_WORKER } from './test-hooks.js';

export interface PoolOptions extends Omit<EngineOptions, 'idleTtlMs'> {
  /** Engine workers (default: the cores available, `os.availableParallelism()` / `navigator.hardwareConcurrency`). */
  workers?: number;
  /** When each worker's streams are checkpointed (default every 20 000 chunks or 1 000 ms). */
  snapshots?: SnapshotPolicy;
  /** Where checkpoints are kept (default: in memory, see `memorySnapshotStore`). */
  store?: SnapshotStore;
  /** Prefix of the store keys (`<name>/worker-<i>`); give each pool sharing a store its own. Default 'gru-pool'. */
  name?: string;
  /**
   * Most chunks journaled per worker while awaiting a checkpoint; beyond it chunks are refused with
   * E_CAPACITY until one is stored. Bounds the journal's memory. Default 200 000.
   */
  maxJournalChunks?: number;
  /** Restarts tried per failure before a worker is given up and its calls fail. Default 3. */
  maxRestarts?: number;
  /**
   * Warm spare workers kept started (models loaded, idle), so a failed worker is replaced without a
   * cold start; a new spare is started after each use. Costs one idle worker's memory each.
   * Default 1; 0 starts every replacement cold.
   */
  spares?: number;
}

/** Counters of the pool: per worker and summed. */
export interface PoolCounters {
  workers: WorkerCounters[];
  total: Omit<WorkerCounters, 'index'>;
  /** Warm spares held (started or starting). */
  spares: number;
}

/** A pool of supervised engine workers; see the module comment. */
export interface EnginePool extends EngineClient {
  /** Number of workers. */
  readonly workers: number;
  /** One event per repaired worker (its calls were answered from the replay; nothing to do). */
  readonly recovered$: Observable<RecoveredEvent>;
  /** The worker a stream lives on. */
  workerOf(stream: string): number;
  counters(): PoolCounters;
  /**
   * Resolves once the warm spares (option `spares`) have started, with how many did; a spare that
   * failed to start is replaced by a cold start when needed, so this never rejects.
   */
  sparesReady(): Promise<number>;
  /**
   * Checkpoints every worker now and stores the checkpoints (e.g. before a planned shutdown, with a
   * directory store). Resolves once all are stored.
   */
  saveCheckpoints(): Promise<void>;
}

/**
 * Starts `options.workers` engine workers of `platform` with the same models.
 * @throws (rejects) E_ARGUMENT for bad options; a worker's start-up error otherwise
 */
export async function createEnginePoolOn(
  platform: Platform,
  options: PoolOptions,
  defaultWorkers: number,
): Promise<EnginePool> {
  const n = options.workers ?? Math.max(1, defaultWorkers);
  if (!Number.isInteger(n) || n < 1) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `workers: expected an integer ≥ 1, got ${String(options.workers)}`,
    );
  }
  if ((options as EngineOptions).idleTtlMs !== undefined) {
    throw new GruStreamError(
      'E_ARGUMENT',
      'idleTtlMs: not supported by the pool (idle eviction is not journaled, so a recovery could not replay it)',
    );
  }
  const store = options.store ?? memorySnapshotStore();
  const policy = {
    everyChunks: options.snapshots?.everyChunks ?? 20_000,
    everyMs: options.snapshots?.everyMs ?? 1_000,
  };
  const spareCount = options.spares ?? 1;
  if (!Number.isInteger(spareCount) || spareCount < 0) {
    throw new GruStreamError('E_ARGUMENT', `spares: expected an integer ≥ 0, got ${String(options.spares)}`);
  }
  const recovered = new Subject<RecoveredEvent>();
  const start = (): Promise<WorkerEngineClient> => createEngineOn(platform, options);
  const spares = new SpareWorkers(start, spareCount, false);
  const settled = await Promise.allSettled(
    Array.from({ length: n }, (_, index) =>
      SupervisedWorker.start({
        index,
        start,
        store,
        key: `${options.name ?? 'gru-pool'}/worker-${index}`,
        policy,
        maxJournalChunks: options.maxJournalChunks ?? 200_000,
        maxRestarts: options.maxRestarts ?? 3,
        replacement: () => spares.take(),
        onRecovered: (e) => recovered.next(e),
      }),
    ),
  );
  const members = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(members.map((m) => m.dispose()));
    throw failed.reason;
  }
  // Started after the members, so the spares do not slow the pool's own start on busy cores.
  spares.fill();
  return buildPool(members, spares, recovered, options);
}

function buildPool(
  members: SupervisedWorker[],
  spares: SpareWorkers,
  recovered: Subject<RecoveredEvent>,
  options: PoolOptions,
): EnginePool {
  const model = members[0]!.model;
  const n = members.length;
  const place = placementCache(n);
  const member = (stream: string): SupervisedWorker => members[place(stream)]!;
  const batchers = new Map<number, MicroBatcher>();
  let ended: Promise<void> | undefined;
  const pool: EnginePool = {
    model,
    workers: n,
    recovered$: recovered.asObservable(),
    workerOf: (stream) => place(stream),
    info: () => members[0]!.query((c) => c.info()),
    step: (request) => stepSplit(members, request, place),
    open: (stream, opts?: StreamOptions) =>
      member(stream).call(
        opts === undefined ? { kind: 'open', stream } : { kind: 'open', stream, options: opts },
      ),
    reset: (stream) => member(stream).call({ kind: 'reset', stream }),
    close: (stream) => member(stream).call({ kind: 'close', stream }),
    restore: (stream, snapshot) => member(stream).call({ kind: 'restore', stream, snapshot }),
    snapshot: (stream) => member(stream).query((c) => c.snapshot(stream)),
    evictIdle: async () => [],
    checkpoint: () =>
      Promise.reject(
        new GruStreamError(
          'E_ARGUMENT',
          'checkpoint(): a pool checkpoints its workers itself; use snapshot() per stream',
        ),
      ),
    restoreCheckpoint: () =>
      Promise.reject(
        new GruStreamError(
          'E_ARGUMENT',
          'restoreCheckpoint(): not available on a pool; use restore() per stream',
        ),
      ),
    stats: async () => sumStats(await Promise.all(members.map((m) => m.query((c) => c.stats())))),
    batcher: (windowMs = 0) => {
      let b = batchers.get(windowMs);
      if (b === undefined) {
        // One queue per worker (no split and merge per call), two calls in flight per worker as for
        // one engine: each worker steps one while the next waits.
        b = new MicroBatcher(target, { maxInFlight: 2, ...options.batching, windowMs });
        batchers.set(windowMs, b);
      }
      return b;
    },
    sparesReady: () => spares.whenReady(),
    saveCheckpoints: async () => {
      await Promise.all(members.map((m) => m.saveCheckpoint()));
    },
    counters: () => {
      const workers = members.map((m) => m.stats());
      const total = { chunks: 0, frames: 0, journalChunks: 0, checkpoints: 0, recoveries: 0 };
      for (const w of workers) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += w[k];
      return { workers, total, spares: spares.size };
    },
    dispose: () =>
      (ended ??= (async () => {
        await Promise.all([...members.map((m) => m.dispose()), spares.dispose()]);
        recovered.complete();
      })()),
  };
  // The batchers' view of the pool: each worker is a lane; `step` is the pool's own, looked up per call.
  const target: StepTarget = {
    model,
    step: (request) => pool.step(request),
    lanes: {
      count: n,
      laneOf: place,
      step: (w, request) => members[w]!.step(request, true), // fresh arrays: journaled as they are
    },
  };
  Object.defineProperty(pool, POOL_WORKER, { value: (i: number) => members[i]?.current });
  return pool;
}

/** Most ids {@link placementCache} remembers before it starts over (about 100 B each). */
const PLACEMENT_CACHE_IDS = 1 << 16;

/**
 * {@link placeStream} for `workers` workers, remembered per id: a pool places every chunk of every
 * step, and hashing the id each time was the largest item of the main thread's own work in a
 * profile of 1,000 streams × 1 frame per chunk. The cache starts over when it holds
 * {@link PLACEMENT_CACHE_IDS} ids, so memory stays bounded with any number of ids.
 */
function placementCache(workers: number): (stream: string) => number {
  const known = new Map<string, number>();
  return (stream) => {
    let w = known.get(stream);
    if (w === undefined) {
      if (known.size >= PLACEMENT_CACHE_IDS) known.clear();
      w = placeStream(stream, workers);
      known.set(stream, w);
    }
    return w;
  };
}

/** Splits a request per worker, steps the parts in parallel and merges the answers in request order. */
async function stepSplit(
  members: SupervisedWorker[],
  request: StepRequest,
  place: (stream: string) => number,
): Promise<StepResult> {
  const n = members.length;
  if (!wellFormed(request)) {
    // Let an engine name what is wrong, with its code; nothing of it can be journaled.
    return members[0]!.query((c) => c.step(request));
  }
  const { streams, frameCounts, frames } = request;
  const I = members[0]!.model.inputSize;
  const count = streams.length;
  const owner = new Int32Array(count);
  const chunksOf = new Int32Array(n);
  const floatsOf = new Float64Array(n);
  for (let i = 0; i < count; i++) {
    const w = place(streams[i]!);
    owner[i] = w;
    chunksOf[w]!++;
    floatsOf[w]! += frameCounts[i]! * I;
  }
  const used = chunksOf.filter((c) => c > 0).length;
  if (used <= 1) return members[count === 0 ? 0 : owner[0]!]!.step(request);
  const parts = Array.from({ length: n }, (_, w) => ({
    streams: [] as string[], // by push: a pre-sized (holey) array is posted as a sparse object
    frameCounts: new Int32Array(chunksOf[w]!),
    frames: new Float32Array(floatsOf[w]!),
    index: new Int32Array(chunksOf[w]!),
    chunks: 0,
    floats: 0,
  }));
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const p = parts[owner[i]!]!;
    const floats = frameCounts[i]! * I;
    p.streams.push(streams[i]!);
    p.frameCounts[p.chunks] = frameCounts[i]!;
    p.index[p.chunks++] = i;
    // A plain loop, not `set(subarray(…))`: chunks are short (often one frame), and a view object
    // per chunk was most of this function's time in a profile.
    const to = p.frames;
    for (let k = 0, at = p.floats; k < floats; k++) to[at + k] = frames[offset + k]!;
    p.floats += floats;
    offset += floats;
  }
  const results = await Promise.allSettled(
    parts.map((p, w) => {
      if (p.chunks === 0) return Promise.resolve(undefined);
      const sub: StepRequest = { streams: p.streams, frameCounts: p.frameCounts, frames: p.frames };
      if (request.finite !== undefined) sub.finite = request.finite;
      return members[w]!.step(sub, true); // fresh arrays, seen by nobody else: journaled as they are
    }),
  );
  return merge(parts, results, count, members[0]!.model.outputSize);
}

/** The parts' answers in request order; a part that failed as a whole fails each of its chunks alone. */
function merge(
  parts: { index: Int32Array; chunks: number }[],
  results: PromiseSettledResult<StepResult | undefined>[],
  count: number,
  C: number,
): StepResult {
  const outputCounts = new Int32Array(count);
  const errors: StepResult['errors'] = [];
  const rowStart: Int32Array[] = [];
  parts.forEach((p, w) => {
    const r = results[w]!;
    const starts = new Int32Array(p.chunks);
    if (r.status === 'fulfilled' && r.value !== undefined) {
      let row = 0;
      for (let j = 0; j < p.chunks; j++) {
        starts[j] = row;
        outputCounts[p.index[j]!] = r.value.outputCounts[j]!;
        row += r.value.outputCounts[j]!;
      }
      for (const e of r.value.errors) errors.push({ index: p.index[e.index]!, error: e.error });
    } else if (r.status === 'rejected') {
      const e = r.reason as GruStreamError;
      const error = { name: 'GruStreamError', code: e.code ?? 'E_RUNTIME', message: String(e.message) };
      for (let j = 0; j < p.chunks; j++) errors.push({ index: p.index[j]!, error });
    }
    rowStart.push(starts);
  });
  let rows = 0;
  for (let i = 0; i < count; i++) rows += outputCounts[i]!;
  const outputs = new Float32Array(rows * C);
  // Walk the request in order, taking each chunk's rows from its part.
  const cursor = new Int32Array(parts.length);
  const partOf = new Int32Array(count);
  parts.forEach((p, w) => {
    for (let j = 0; j < p.chunks; j++) partOf[p.index[j]!] = w;
  });
  let out = 0;
  for (let i = 0; i < count; i++) {
    const w = partOf[i]!;
    const j = cursor[w]!++;
    const rowsHere = outputCounts[i]!;
    if (rowsHere === 0) continue;
    const r = results[w] as PromiseFulfilledResult<StepResult>;
    const from = rowStart[w]![j]! * C;
    outputs.set(r.value.outputs.subarray(from, from + rowsHere * C), out);
    out += rowsHere * C;
  }
  errors.sort((a, b) => a.index - b.index);
  return { outputs, outputCounts, errors };
}

function wellFormed(r: unknown): r is StepRequest {
  if (typeof r !== 'object' || r === null) return false;
  const { streams, frameCounts, frames } = r as Partial<StepRequest>;
  return (
    Array.isArray(streams) &&
    frameCounts instanceof Int32Array &&
    frames instanceof Float32Array &&
    frameCounts.length === streams.length &&
    streams.every((s) => typeof s === 'string')
  );
}

function sumStats(all: EngineStats[]): EngineStats {
  const out: EngineStats = {
    openStreams: 0,
    maxStreams: 0,
    framesStepped: 0,
    invokes: {},
    stateBytes: 0,
    closedIds: 0,
    closedIdBytes: 0,
  };
  for (const s of all) {
    out.openStreams += s.openStreams;
    out.maxStreams += s.maxStreams;
    out.framesStepped += s.framesStepped;
    out.stateBytes += s.stateBytes;
    out.closedIds += s.closedIds;
    out.closedIdBytes += s.closedIdBytes;
    for (const [b, k] of Object.entries(s.invokes))
      out.invokes[Number(b)] = (out.invokes[Number(b)] ?? 0) + k;
  }
  return out;
}

export interface BrowserPoolOptions extends PoolOptions {
  /** URL of `browser-worker.js` (see `createEngine`). */
  workerUrl?: string | URL;
  /** Overrides how workers are started (tests, other hosts). */
  platform?: Platform;
}

/**
 * Starts a pool of Web Worker engines (default: `navigator.hardwareConcurrency` workers). Node code
 * gets the `worker_threads` flavour from the package's `node` entry.
 *
 * @example
 * const pool = await createEnginePool({ workerUrl: '/gru/browser-worker.js', models, workers: 4 });
 * pool.recovered$.subscribe((e) => console.info(`worker ${e.worker} replaced in ${e.ms} ms`));
 * chunks$.pipe(inferMany(pool)).subscribe(handle);
 */
export function createEnginePool(options: BrowserPoolOptions): Promise<EnginePool> {
  const cores =
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  if (options.platform !== undefined) return createEnginePoolOn(options.platform, options, cores);
  if (options.workerUrl === undefined) {
    return Promise.reject(
      new GruStreamError(
        'E_ARGUMENT',
        "workerUrl: required in browsers; in Node import from 'gru-stream/node'",
      ),
    );
  }
  return createEnginePoolOn(browserPlatform({ workerUrl: options.workerUrl }), options, cores);
}
