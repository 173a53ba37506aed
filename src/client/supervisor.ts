/**
 * One supervised engine worker of a pool. Every state-changing call goes through the worker's
 * {@link Journal}; a checkpoint of all its streams is taken every `everyChunks` journaled chunks or
 * `everyMs` milliseconds and saved in the {@link SnapshotStore}, after which the journal forgets the
 * calls it covers. When the worker dies or misses a deadline (E_WORKER_DEAD / E_TIMEOUT), a new one
 * is started, restored from the stored checkpoint, and the journaled calls since are sent again in
 * order: callers get their answers from the replay, as if nothing happened, and a
 * {@link RecoveredEvent} tells what was done.
 */
import { GruStreamError, isGruStreamError, refusal } from '../errors.js';
import type { EngineInfo, StepRequest, StepResult } from '../protocol/engine.js';
import type { WorkerEngineClient } from './engine-client.js';
import { Journal } from './journal.js';
import type { JournalEntry, JournalOp } from './journal.js';
import { decodeCheckpointRecord, encodeCheckpointRecord } from './snapshot-store.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { Replacement } from './spares.js';

/** When the supervisor checkpoints a worker. */
export interface SnapshotPolicy {
  /** After this many chunks journaled since the last checkpoint. Default 20 000. */
  everyChunks?: number;
  /** And at least every this many milliseconds while chunks come in. Default 1 000. */
  everyMs?: number;
}

/** What a recovery did; emitted by the pool's `recovered$`. */
export interface RecoveredEvent {
  /** Index of the worker in the pool. */
  worker: number;
  /** Why it was replaced: the E_WORKER_DEAD or E_TIMEOUT message. */
  reason: string;
  code: 'E_WORKER_DEAD' | 'E_TIMEOUT';
  /** Streams restored from the checkpoint. */
  restoredStreams: number;
  /** Journaled calls sent again (already-answered ones for their effect, the rest for their callers). */
  replayedCalls: number;
  /** Chunks in those calls. */
  replayedChunks: number;
  /** From the failure to the replacement answering every replayed call, in milliseconds. */
  ms: number;
  /** Of `ms`, the time to get the new worker: a cold start loads its models, a warm spare is ready. */
  startMs: number;
  /** Of `ms`, loading the checkpoint from the store and restoring it into the new worker. */
  restoreMs: number;
  /** Of `ms`, sending the journaled calls again until the new worker answered them all. */
  replayMs: number;
  /** True when a warm spare replaced the worker (no cold start). */
  warm: boolean;
  /** Why the spare taken could not be used (the worker was then started cold); absent otherwise. */
  spareError?: string;
}

export interface WorkerCounters {
  index: number;
  /** Chunks sent to this worker (replays not counted). */
  chunks: number;
  frames: number;
  /** Chunks journaled since the last stored checkpoint. */
  journalChunks: number;
  checkpoints: number;
  recoveries: number;
}

export interface SupervisorOptions {
  index: number;
  /** Starts a worker engine (the same options each time). */
  start: () => Promise<WorkerEngineClient>;
  /** An engine to replace a failed one (a warm spare when the pool holds one). Default: `start`. */
  replacement?: () => Promise<Replacement>;
  store: SnapshotStore;
  /** Key of this worker's checkpoint in the store. */
  key: string;
  policy: Required<SnapshotPolicy>;
  /** Most chunks held in the journal; a step beyond it is refused with E_CAPACITY. */
  maxJournalChunks: number;
  /** Restarts tried per failure before the worker is given up (its calls fail). */
  maxRestarts: number;
  onRecovered: (event: RecoveredEvent) => void;
}

const FATAL = new Set(['E_WORKER_DEAD', 'E_TIMEOUT']);
const isFatal = (e: unknown): boolean => isGruStreamError(e) && FATAL.has(e.code);

export class SupervisedWorker {
  private client: WorkerEngineClient;
  private readonly journal = new Journal();
  /** Bumped per replacement; answers of an older worker are ignored. */
  private generation = 0;
  private recovering: Promise<void> | undefined;
  private checkpointing: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private disposed = false;
  /** Set when the worker could not be replaced: every call fails with it. */
  private lost: GruStreamError | undefined;
  private readonly counters: WorkerCounters;

  private constructor(
    private readonly o: SupervisorOptions,
    client: WorkerEngineClient,
  ) {
    this.client = client;
    this.counters = { index: o.index, chunks: 0, frames: 0, journalChunks: 0, checkpoints: 0, recoveries: 0 };
    if (Number.isFinite(o.policy.everyMs)) {
      this.timer = setInterval(() => {
        if (this.journal.size > 0) this.checkpoint();
      }, o.policy.everyMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  static async start(o: SupervisorOptions): Promise<SupervisedWorker> {
    const worker = new SupervisedWorker(o, await o.start());
    // An empty checkpoint at position 0, so a crash before the first one restores to "no streams".
    await o.store.delete(o.key);
    return worker;
  }

  get model(): EngineInfo {
    return this.client.model;
  }

  /** The current worker's client (test hooks reach it through here). */
  get current(): WorkerEngineClient {
    return this.client;
  }

  stats(): WorkerCounters {
    return { ...this.counters, journalChunks: this.journal.chunks };
  }

  /**
   * @param owned true when the request's arrays are the caller's to give away (nobody reads or
   *   writes them later): the journal then keeps them instead of a copy
   */
  step(request: StepRequest, owned = false): Promise<StepResult> {
    const chunks = request.streams.length;
    if (this.journal.chunks + chunks > this.o.maxJournalChunks) {
      this.checkpoint();
      return Promise.reject(
        refusal(
          'E_CAPACITY',
          `worker ${this.o.index}: ${this.journal.chunks} chunks await a checkpoint, the limit (maxJournalChunks) ` +
            `is ${this.o.maxJournalChunks}; retry once a checkpoint is stored`,
        ),
      );
    }
    this.counters.chunks += chunks;
    for (let i = 0; i < chunks; i++) this.counters.frames += request.frameCounts[i]!;
    const out = this.journaled({ kind: 'step', request }, owned) as Promise<StepResult>;
    if (this.journal.chunks >= this.o.policy.everyChunks) this.checkpoint();
    return out;
  }

  /** A state-changing call other than step. */
  call(op: Exclude<JournalOp, { kind: 'step' }>): Promise<void> {
    return this.journaled(op) as Promise<void>;
  }

  /** A call that changes nothing: sent as is, retried once on the replacement if the worker fails. */
  async query<T>(ask: (client: WorkerEngineClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.lost !== undefined) throw this.lost;
      await this.recovering;
      const generation = this.generation;
      try {
        return await ask(this.client);
      } catch (e) {
        if (!isFatal(e) || attempt > 0 || this.disposed) throw e;
        this.recover(generation, e as GruStreamError);
      }
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.timer);
    this.journal.failAll(() => refusal('E_DISPOSED', 'the engine pool was disposed'));
    await this.client.dispose();
  }

  private journaled(op: JournalOp, owned = false): Promise<unknown> {
    if (this.lost !== undefined) return Promise.reject(this.lost);
    if (this.disposed) return Promise.reject(refusal('E_DISPOSED', 'the engine pool was disposed'));
    return new Promise<unknown>((resolve, reject) => {
      const entry = this.journal.append(op, resolve, reject, owned);
      // During a recovery the entry waits in the journal; the replay sends it.
      if (this.recovering === undefined) this.send(entry, this.generation);
    });
  }

  /** Sends one journaled call to the current worker. */
  private send(entry: JournalEntry, generation: number): Promise<void> {
    return this.perform(entry.op).then(
      (value) => {
        if (generation === this.generation) entry.resolve(value);
      },
      (e: unknown) => {
        if (generation !== this.generation) return; // an older worker's failure: the replay answers
        if (isFatal(e) && !this.disposed) this.recover(generation, e as GruStreamError);
        else entry.reject(e as GruStreamError);
      },
    );
  }

  private perform(op: JournalOp): Promise<unknown> {
    const c = this.client;
    switch (op.kind) {
      case 'step': {
        // The journal keeps its copy: the client may transfer (detach) these buffers.
        const { streams, frameCounts, frames, finite } = op.request;
        const request: StepRequest = { streams, frameCounts: frameCounts.slice(), frames: frames.slice() };
        if (finite !== undefined) request.finite = finite;
        return c.step(request);
      }
      case 'open':
        return c.open(op.stream, op.options);
      case 'reset':
        return c.reset(op.stream);
      case 'close':
        return c.close(op.stream);
      case 'restore':
        return c.restore(op.stream, op.snapshot.slice());
    }
  }

  /**
   * Takes a checkpoint now and stores it (after the one under way, if any). Resolves once stored;
   * rejects with the store's or the engine's error (a worker failure is left to the recovery).
   */
  async saveCheckpoint(): Promise<void> {
    await this.checkpointing;
    await this.recovering;
    await this.takeCheckpoint();
  }

  /** Takes and stores a checkpoint unless one is under way or a recovery is. */
  private checkpoint(): void {
    if (this.checkpointing !== undefined || this.recovering !== undefined || this.disposed) return;
    void this.takeCheckpoint().catch(reportAsync);
  }

  private takeCheckpoint(): Promise<void> {
    const at = this.journal.position;
    const generation = this.generation;
    const taking: Promise<void> = this.client
      .checkpoint()
      .then(async (bytes) => {
        if (generation !== this.generation || this.disposed) return;
        await this.o.store.save(this.o.key, encodeCheckpointRecord({ seq: at, checkpoint: bytes }));
        if (generation !== this.generation) return;
        this.journal.trimBefore(at);
        this.counters.checkpoints++;
      })
      .catch((e: unknown) => {
        // A dying worker fails its checkpoint too (the recovery handles it), a disposed pool too.
        // Anything else is a fault of the store or the engine and must not pass silently.
        if (!isFatal(e) && !this.disposed) throw e;
      })
      .finally(() => {
        if (this.checkpointing === taking) this.checkpointing = undefined;
      });
    this.checkpointing = taking;
    return taking;
  }

  /** Starts replacing the worker of `generation` (once per generation). */
  private recover(generation: number, cause: GruStreamError): void {
    if (generation !== this.generation || this.recovering !== undefined) return;
    this.generation++;
    const began = performance.now();
    const recovering: Promise<void> = this.replace(cause, began).finally(() => {
      if (this.recovering === recovering) this.recovering = undefined;
    });
    this.recovering = recovering;
  }

  private async replace(cause: GruStreamError, began: number): Promise<void> {
    const old = this.client;
    void old.dispose();
    let lastError: unknown = cause;
    for (let attempt = 0; attempt < this.o.maxRestarts && !this.disposed; attempt++) {
      if (attempt > 0) void this.client.dispose();
      try {
        const starting = performance.now();
        const got = await (this.o.replacement?.() ??
          this.o.start().then((client) => ({ client, warm: false })));
        this.client = got.client;
        const startMs = performance.now() - starting;
        const restored = await this.restoreAndReplay();
        this.counters.recoveries++;
        const event: RecoveredEvent = {
          worker: this.o.index,
          reason: cause.message,
          code: cause.code as RecoveredEvent['code'],
          restoredStreams: restored.streams,
          replayedCalls: restored.calls,
          replayedChunks: restored.chunks,
          ms: performance.now() - began,
          startMs,
          restoreMs: restored.restoreMs,
          replayMs: restored.replayMs,
          warm: got.warm,
        };
        if ('spareError' in got && got.spareError !== undefined) {
          event.spareError =
            got.spareError instanceof Error ? got.spareError.message : String(got.spareError);
        }
        this.o.onRecovered(event);
        return;
      } catch (e) {
        lastError = e;
        if (!isFatal(e) && !(e instanceof GruStreamError && e.code === 'E_RUNTIME')) break;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    this.lost = new GruStreamError(
      'E_WORKER_DEAD',
      `worker ${this.o.index} of the engine pool died and could not be replaced (${reason})`,
    );
    this.journal.failAll(() => this.lost!);
  }

  /** Restores the stored checkpoint into the new worker and sends the journal again, in order. */
  private async restoreAndReplay(): Promise<{
    streams: number;
    calls: number;
    chunks: number;
    restoreMs: number;
    replayMs: number;
  }> {
    const generation = this.generation;
    const t0 = performance.now();
    const bytes = await this.o.store.load(this.o.key);
    let from = 0;
    let streams = 0;
    if (bytes !== undefined) {
      const record = decodeCheckpointRecord(this.o.key, bytes);
      streams = await this.client.restoreCheckpoint(record.checkpoint);
      from = record.seq;
    }
    const t1 = performance.now();
    let calls = 0;
    let chunks = 0;
    // Entries journaled while this runs are sent by the next pass; the loop ends when none are left.
    let next = from;
    for (;;) {
      const entries = this.journal.from(next);
      if (entries.length === 0) {
        // Caught up: from here on new calls go straight to the worker. Set synchronously, so no
        // call journaled in a microtask after this can be left unsent.
        this.recovering = undefined;
        break;
      }
      const sent = entries.map((entry) => this.replayOne(entry, generation));
      calls += entries.length;
      for (const e of entries) chunks += e.chunks;
      next = entries[entries.length - 1]!.seq + 1;
      await Promise.all(sent);
    }
    return { streams, calls, chunks, restoreMs: t1 - t0, replayMs: performance.now() - t1 };
  }

  /** Sends an entry again; a fatal failure fails the whole replay (the caller restarts). */
  private async replayOne(entry: JournalEntry, generation: number): Promise<void> {
    try {
      const value = await this.perform(entry.op);
      if (generation === this.generation) entry.resolve(value); // no-op when already answered
    } catch (e) {
      if (isFatal(e)) throw e;
      entry.reject(e as GruStreamError); // the call's own error, as the first worker gave it
    }
  }
}

function reportAsync(e: unknown): void {
  setTimeout(() => {
    throw e;
  });
}
