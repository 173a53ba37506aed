/**
 * Per-sensor sessions on one engine: every sensor id is one stream of ONE long-lived `inferMany`
 * subscription, fed a one-frame chunk per accepted sample, each with its own {@link AnomalyScorer}.
 *
 * A session is live (its stream is open in the engine) or dormant (its GRU state is held as snapshot
 * bytes: after a TTL eviction, or restored from disk at start). A dormant sensor's next sample first
 * restores its stream, then flows.
 *
 * Saving never stops the flow: each sensor's record is taken at a moment when that sensor has no
 * sample in the engine (GRU state, scorer state and the time of the last sample it includes belong
 * together), a few hundred engine snapshots at a time so that steps keep interleaving. Records of
 * different sensors may be of slightly different moments; the journal replay skips, per sensor, the
 * samples its record already includes.
 */
import { Subject } from 'rxjs';
import type { Subscription } from 'rxjs';
import { GruStreamError, inferMany, isChunkFailure, isGruStreamError } from '../../../src/node.js';
import type { Chunk, EngineClient } from '../../../src/node.js';
import { AnomalyScorer } from '../../../src/postprocess/index.js';
import type { AnomalyFrameScore } from '../../../src/postprocess/index.js';
import type { SensorModel } from './sensor-model.js';
import type { OpenAlarm, SensorRecord } from './store.js';

/** One accepted sample on its way through the engine. */
interface Pending {
  t: number;
  /** Normalised channels: the model's input frame. */
  frame: Float32Array;
  /** `performance.now()` at receipt, for the lag. */
  receivedAt: number;
}

interface Session {
  id: string;
  live: boolean;
  /** The engine snapshot of a dormant session. */
  saved: Uint8Array | undefined;
  /** Set while its stream is being restored into the engine. */
  restoring: boolean;
  /** Samples waiting for the restore. */
  held: Pending[];
  /** Samples sent to the engine, in order: answers come back per stream in this order. */
  inflight: Pending[];
  scorer: AnomalyScorer;
  /** Last accepted sample time (epoch ms), for the time-order check; -Infinity before the first. */
  lastT: number;
  /**
   * Time of the last sample sent to the engine: what the GRU and scorer state include. It lags
   * `lastT` while samples are held (restoring), and it is what a snapshot records.
   */
  sentT: number;
  /** Clock time of the last accepted sample, for the TTL. */
  lastSeen: number;
  alarm: OpenAlarm | null;
  /** The record of the last snapshot while nothing has changed since. */
  record: SensorRecord | undefined;
  /** Run (synchronously) as soon as the session has nothing in the engine, nothing held. */
  whenIdle: (() => void)[];
}

/** Engine snapshot calls in flight at once while saving: keeps the worker's queue short for steps. */
const SNAPSHOT_BATCH = 256;

/** What one scored sample gives. */
export interface Scored {
  sensor: string;
  t: number;
  result: AnomalyFrameScore;
  /** The forecast of the next sample, normalised (the model's output). */
  forecast: Float32Array;
  /** Receipt → scored, ms. */
  lagMs: number;
  /** Set when this sample opened the episode, raised its peak or closed it: what to publish. */
  alarm: { episode: OpenAlarm; state: 'open' | 'closed' } | undefined;
}

export interface SessionEvents {
  scored(s: Scored): void;
  /** The engine refused a sample (its state is untouched). */
  refused(sensor: string, error: GruStreamError): void;
  /** The engine failed as a whole (worker dead): no sensor can go on. */
  fatal(error: unknown): void;
}

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly chunks = new Subject<Chunk>();
  private readonly subscription: Subscription;
  private readonly C: number;
  /** Samples accepted while paused ({@link pauseAndDrain}), in arrival order. */
  private paused: { s: Session; p: Pending }[] | undefined;

  constructor(
    private readonly engine: EngineClient,
    private readonly model: SensorModel,
    private readonly events: SessionEvents,
    /** Batching window of the engine (ms): samples arriving within it share a step. */
    windowMs = 2,
  ) {
    this.C = model.mean.length;
    this.subscription = this.chunks.pipe(inferMany(engine, { windowMs })).subscribe({
      next: (v) => {
        const s = this.sessions.get(v.stream)!;
        const p = s.inflight.shift()!;
        if (isChunkFailure(v)) this.events.refused(v.stream, v.error);
        else this.score(s, p, v.output);
        this.settle(s);
      },
      error: (e: unknown) => this.events.fatal(e),
    });
  }

  get size(): { live: number; dormant: number } {
    let live = 0;
    for (const s of this.sessions.values()) if (s.live || s.restoring) live++;
    return { live, dormant: this.sessions.size - live };
  }

  /** Samples received and not yet scored. */
  get backlog(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.held.length + s.inflight.length;
    return n;
  }

  /** The sensor's last accepted sample time (epoch ms), or undefined for an unknown sensor. */
  lastTime(sensor: string): number | undefined {
    const s = this.sessions.get(sensor);
    return s === undefined || s.lastT === -Infinity ? undefined : s.lastT;
  }

  /** Adds a dormant session from a saved record (at start, from the snapshot on disk). */
  addSaved(sensor: string, r: SensorRecord): void {
    const s = this.newSession(sensor, 0);
    s.live = false;
    s.saved = r.engine;
    s.scorer.restore(r.scorer);
    s.lastT = r.lastT;
    s.sentT = r.lastT;
    s.alarm = r.alarm && { ...r.alarm };
    s.record = r;
  }

  /**
   * Takes one accepted sample (in time order for its sensor: the caller checked) and sends it on.
   * @param values the channels in their own units
   * @param now clock time (ms) for the TTL
   */
  accept(sensor: string, t: number, values: ArrayLike<number>, now: number): void {
    const s = this.sessions.get(sensor) ?? this.newSession(sensor, now);
    const frame = new Float32Array(this.C);
    for (let c = 0; c < this.C; c++) frame[c] = (values[c]! - this.model.mean[c]!) / this.model.std[c]!;
    s.lastT = t;
    s.lastSeen = now;
    s.record = undefined;
    const p = { t, frame, receivedAt: performance.now() };
    if (this.paused !== undefined) this.paused.push({ s, p });
    else this.send(s, p);
  }

  /**
   * Holds new samples and resolves once every session is idle (nothing in the engine, nothing held),
   * so the records taken before {@link resume} form one cut across all sensors: what a NATS
   * partition's snapshot, tagged with one stream sequence, needs. The MQTT gateway saves per sensor
   * and never pauses.
   */
  async pauseAndDrain(): Promise<void> {
    this.paused ??= [];
    await Promise.all([...this.sessions.values()].map((s) => new Promise<void>((r) => this.onIdle(s, r))));
  }

  /** Sends the samples held since {@link pauseAndDrain}, in arrival order. */
  resume(): void {
    const held = this.paused ?? [];
    this.paused = undefined;
    for (const { s, p } of held) this.send(s, p);
  }

  /**
   * Every session's record, each taken when its sensor is idle (live streams are snapshotted in the
   * engine when they changed since the last call). Samples keep flowing meanwhile.
   */
  async records(): Promise<Record<string, SensorRecord>> {
    const out: Record<string, SensorRecord> = {};
    const all = [...this.sessions.values()];
    for (let i = 0; i < all.length; i += SNAPSHOT_BATCH) {
      await Promise.all(
        all.slice(i, i + SNAPSHOT_BATCH).map(async (s) => {
          out[s.id] = await this.recordOf(s);
        }),
      );
    }
    return out;
  }

  /**
   * Evicts live sessions silent since before `cutoff` (clock ms): their state becomes snapshot bytes
   * and their engine stream is closed. A sample arriving meanwhile waits and restores it.
   * @returns the evicted sensor ids
   */
  async evictIdle(cutoff: number): Promise<string[]> {
    const quiet = [...this.sessions.values()].filter((s) => s.live && !s.restoring && s.lastSeen < cutoff);
    for (let i = 0; i < quiet.length; i += SNAPSHOT_BATCH) {
      await Promise.all(quiet.slice(i, i + SNAPSHOT_BATCH).map((s) => this.evict(s)));
    }
    return quiet.map((s) => s.id);
  }

  private evict(s: Session): Promise<void> {
    return new Promise<void>((resolve, reject) =>
      this.onIdle(s, () => {
        s.restoring = true; // new samples wait in `held` until the stream is back
        const closed = this.engine.snapshot(s.id).then(async (bytes) => {
          await this.engine.close(s.id);
          s.saved = bytes;
          s.live = false;
          s.restoring = false;
          if (s.held.length > 0) this.restore(s);
          else this.settle(s);
        });
        closed.then(resolve, reject);
      }),
    );
  }

  /** The session's record: its GRU state, scorer state and last sample time, taken together. */
  private recordOf(s: Session): Promise<SensorRecord> {
    if (s.record !== undefined) return Promise.resolve(s.record);
    return new Promise<SensorRecord>((resolve, reject) =>
      this.onIdle(s, () => {
        // Synchronously with the idle check: no sample of this sensor can enter the engine between
        // reading the scorer and queueing the engine's snapshot call, which the worker answers in order.
        const scorer = s.scorer.state();
        const lastT = s.sentT;
        const alarm = s.alarm && { ...s.alarm };
        const engine = s.live ? this.engine.snapshot(s.id) : Promise.resolve(s.saved!);
        engine.then((bytes) => {
          const r: SensorRecord = { engine: bytes, scorer, lastT, alarm };
          if (s.sentT === lastT) s.record = r; // unchanged since: reusable next time
          resolve(r);
        }, reject);
      }),
    );
  }

  private onIdle(s: Session, fn: () => void): void {
    if (s.inflight.length === 0 && s.held.length === 0 && !s.restoring) fn();
    else s.whenIdle.push(fn);
  }

  /** Ends the subscription (the engine closes its streams). */
  close(): void {
    this.subscription.unsubscribe();
  }

  private newSession(id: string, now: number): Session {
    const s: Session = {
      id,
      live: true,
      saved: undefined,
      restoring: false,
      held: [],
      inflight: [],
      scorer: new AnomalyScorer(this.model.scorer),
      lastT: -Infinity,
      sentT: -Infinity,
      lastSeen: now,
      alarm: null,
      record: undefined,
      whenIdle: [],
    };
    this.sessions.set(id, s);
    return s;
  }

  private send(s: Session, p: Pending): void {
    if (s.restoring) {
      s.held.push(p);
      return;
    }
    if (!s.live) {
      s.held.push(p);
      this.restore(s);
      return;
    }
    s.sentT = p.t;
    s.inflight.push(p);
    this.chunks.next({ stream: s.id, frames: p.frame });
  }

  private restore(s: Session): void {
    s.restoring = true;
    this.engine.restore(s.id, s.saved!).then(
      () => {
        s.restoring = false;
        s.live = true;
        s.saved = undefined;
        for (const p of s.held.splice(0)) this.send(s, p);
        this.settle(s);
      },
      (e: unknown) => {
        // A saved state the engine cannot take (another model, corrupt): this sensor starts afresh,
        // the others are untouched; anything else means the engine itself failed.
        if (!isGruStreamError(e) || e.code !== 'E_SNAPSHOT') return this.events.fatal(e);
        this.events.refused(s.id, new GruStreamError(e.code, e.message, s.id));
        s.scorer.reset();
        s.alarm = null;
        s.restoring = false;
        s.live = true;
        s.saved = undefined;
        for (const p of s.held.splice(0)) this.send(s, p);
        this.settle(s);
      },
    );
  }

  /** Runs the session's idle callbacks when it has become idle. */
  private settle(s: Session): void {
    while (s.whenIdle.length > 0 && s.inflight.length === 0 && s.held.length === 0 && !s.restoring) {
      s.whenIdle.shift()!();
    }
  }

  private score(s: Session, p: Pending, output: Float32Array): void {
    const result = s.scorer.push(p.frame, output);
    let alarm: Scored['alarm'];
    if (result.alarm) {
      const a = s.alarm;
      if (a === null) {
        s.alarm = { since: p.t, until: p.t, peak: result.score, channel: result.channel };
        alarm = { episode: { ...s.alarm }, state: 'open' };
      } else {
        a.until = p.t;
        if (result.score > a.peak) {
          a.peak = result.score;
          a.channel = result.channel;
          alarm = { episode: { ...a }, state: 'open' };
        }
      }
    } else if (result.ended && s.alarm !== null) {
      alarm = { episode: { ...s.alarm }, state: 'closed' };
      s.alarm = null;
    }
    this.events.scored({
      sensor: s.id,
      t: p.t,
      result,
      forecast: output,
      lagMs: performance.now() - p.receivedAt,
      alarm,
    });
  }
}
