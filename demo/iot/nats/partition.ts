/**
 * One partition owned by this gateway: its sensors' sessions (the MQTT gateway's {@link Sessions}
 * on the process's shared engine), fed by an ordered JetStream consumer over the partition's
 * telemetry subjects, scores and alarms published to the results stream (each awaited; a failed
 * publish is retried), and snapshots to KV.
 *
 * Snapshot = one consistent cut: input is held, the engine drained, every score publish
 * acknowledged; then the states, each sensor's last `seq` and the last stream sequence fed are
 * written. The snapshot key is also the fence: the owner writes it with the revision it last wrote
 * (compare-and-set), and a new owner's first act is to rewrite it, so a stale owner (lease lost while
 * stalled) fails its next write and stops.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { EngineClient, GruStreamError } from '../../../src/node.js';
import { isGruStreamError } from '../../../src/node.js';
import type { SensorModel } from '../gateway/sensor-model.js';
import { Sessions } from '../gateway/sessions.js';
import type { Scored } from '../gateway/sessions.js';
import { errorText, isRevisionConflict } from './cas.js';
import {
  PROBE_HEADER,
  TELEMETRY_STREAM,
  alarmSubject,
  leaseKey,
  partitionFilter,
  scoreSubject,
} from './contract.js';
import { parseNatsTelemetry } from './payload.js';
import type { NatsRefusalReason } from './payload.js';
import { OrderedReader } from './reader.js';
import { alarmMessage, scoreMessage } from './results.js';
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from './snapshot.js';
import type { PartitionSnapshot } from './snapshot.js';
import { FailureLog } from './failure-log.js';

export interface PartitionContext {
  /** This gateway's id (written into snapshots). */
  gatewayId: string;
  js: JetStreamClient;
  snapshots: KV;
  engine: EngineClient;
  model: SensorModel;
  /** Snapshot period, ms (0: only on release). */
  snapshotEveryMs: number;
  /** Wait before retrying a failed score publish, ms. */
  retryMs: number;
  log(line: string): void;
  refused(reason: NatsRefusalReason, message: string): void;
  /** One sample scored and its score published (acknowledged). */
  published(lagMs: number): void;
  /** The engine failed as a whole. */
  fatal(error: unknown): void;
  /** The owner gave the partition up (fenced off by a newer owner, or its consumer failed). */
  lost(owner: PartitionOwner): void;
}

export interface PartitionDetail {
  /** Telemetry messages fed since acquisition. */
  fed: number;
  /** Last telemetry stream sequence read. */
  streamSeq: number;
  /** Results published and not yet acknowledged. */
  publishing: number;
  /** Input held for a snapshot. */
  held: boolean;
  /** Consumers replaced (their server gone silent). */
  consumersReplaced: number;
}

/** How many times a claim of the snapshot key is retried when another writer gets in between. */
const CLAIM_ATTEMPTS = 20;

export class PartitionOwner {
  /** Last telemetry stream sequence fed to the sessions. */
  private streamSeq = 0;
  /** Revision of the snapshot key this owner last wrote. */
  private revision = 0;
  private readonly lastSeq = new Map<string, number>();
  /** Per sensor, the `seq`s fed and not yet scored, in order. */
  private readonly pendingSeqs = new Map<string, number[]>();
  private readonly sessions: Sessions;
  private publishing = 0;
  /** Failed result publishes, logged as runs rather than a line each. */
  private readonly publishFailures: FailureLog;
  private publishesSettled: (() => void) | undefined;
  private held: { promise: Promise<void>; release: () => void } | undefined;
  private reader: OrderedReader | undefined;
  private loop: Promise<void> | undefined;
  private snapshotting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Input stopped (release or abort). */
  private stopped = false;
  /** Given up without a snapshot: unacknowledged publishes are dropped (the next owner replays them). */
  private aborted = false;
  /** Telemetry messages fed since acquisition. */
  fed = 0;

  /** What this owner is doing, for the gateway's status (and for diagnosing a stalled partition). */
  detail(): PartitionDetail {
    return {
      fed: this.fed,
      streamSeq: this.streamSeq,
      publishing: this.publishing,
      held: this.held !== undefined,
      consumersReplaced: this.reader?.replaced ?? 0,
    };
  }

  private constructor(
    private readonly ctx: PartitionContext,
    readonly partition: number,
    snap: PartitionSnapshot,
  ) {
    this.sessions = new Sessions(ctx.engine, ctx.model, {
      scored: (s) => this.onScored(s),
      refused: (sensor: string, e: GruStreamError) => {
        this.pendingSeqs.get(sensor)?.shift();
        ctx.refused('engine', `sensor '${sensor}': [${e.code}] ${e.message}`);
      },
      fatal: ctx.fatal,
    });
    this.publishFailures = new FailureLog(
      ctx.log,
      `gateway ${ctx.gatewayId}: partition ${partition}: publishing results`,
    );
    this.streamSeq = snap.streamSeq;
    for (const [id, { record, seq }] of Object.entries(snap.sensors)) {
      this.sessions.addSaved(id, record);
      this.lastSeq.set(id, seq);
    }
  }

  /** The stream sequence the restored snapshot covered. */
  restoredFrom = 0;

  /**
   * Takes over `partition` (the caller holds its lease): claims the snapshot key, restores the
   * states and starts consuming from the snapshot's stream sequence + 1.
   */
  static async acquire(ctx: PartitionContext, partition: number): Promise<PartitionOwner> {
    const key = leaseKey(partition);
    for (let attempt = 1; ; attempt++) {
      const entry = await ctx.snapshots.get(key);
      let snap: PartitionSnapshot;
      let bytes: Uint8Array;
      if (entry === null || entry.operation !== 'PUT') {
        snap = emptySnapshot(ctx.model.modelId, partition, ctx.gatewayId);
        bytes = encodeSnapshot(snap);
      } else {
        try {
          snap = decodeSnapshot(entry.value, ctx.model.modelId, partition);
          bytes = entry.value;
        } catch (e) {
          if (!isGruStreamError(e) || e.code !== 'E_SNAPSHOT') throw e;
          // Unusable state: start afresh and replay the partition's whole stream (nothing is lost).
          ctx.log(
            `gateway ${ctx.gatewayId}: [E_SNAPSHOT] ${e.message}; replaying partition ${partition} from the start`,
          );
          snap = emptySnapshot(ctx.model.modelId, partition, ctx.gatewayId);
          bytes = encodeSnapshot(snap);
        }
      }
      try {
        const revision =
          entry === null
            ? await ctx.snapshots.create(key, bytes)
            : await ctx.snapshots.update(key, bytes, entry.revision);
        const owner = new PartitionOwner(ctx, partition, snap);
        owner.revision = revision;
        owner.restoredFrom = snap.streamSeq;
        try {
          await owner.start();
        } catch (e) {
          owner.abort(); // its sessions are closed; the lease holder gives the partition up
          throw e;
        }
        return owner;
      } catch (e) {
        if (!isRevisionConflict(e) || attempt >= CLAIM_ATTEMPTS) throw e;
      }
    }
  }

  private async start(): Promise<void> {
    this.reader = await OrderedReader.open(this.ctx.js, {
      stream: TELEMETRY_STREAM,
      filter: partitionFilter(this.partition),
      startSeq: this.streamSeq + 1,
      name: `gateway ${this.ctx.gatewayId}: partition ${this.partition}`,
      log: this.ctx.log,
    });
    this.loop = this.consume(this.reader).catch((e: unknown) => {
      if (this.aborted) return;
      this.ctx.log(
        `gateway ${this.ctx.gatewayId}: partition ${this.partition}: consumer failed: ${errorText(e)}`,
      );
      this.abort();
      this.ctx.lost(this);
    });
    if (this.ctx.snapshotEveryMs > 0) {
      this.timer = setInterval(() => {
        this.snapshot().catch((e: unknown) => {
          // Given up while it was written (its sessions closed under it): expected, nothing to say.
          if (this.aborted) return;
          this.ctx.log(
            `gateway ${this.ctx.gatewayId}: partition ${this.partition}: snapshot failed: ${errorText(e)}`,
          );
        });
      }, this.ctx.snapshotEveryMs);
    }
  }

  private async consume(messages: OrderedReader): Promise<void> {
    for await (const m of messages) {
      if (this.held) await this.held.promise;
      if (this.stopped) break;
      this.onMessage(m);
    }
  }

  private onMessage(m: JsMsg): void {
    this.streamSeq = m.seq;
    if (m.headers?.has(PROBE_HEADER)) return;
    this.fed++;
    const sensor = m.subject.split('.')[1]!;
    const parsed = parseNatsTelemetry(sensor, m.data);
    if (!parsed.ok) return this.ctx.refused(parsed.reason, parsed.message);
    const last = this.lastSeq.get(sensor) ?? 0;
    if (parsed.seq <= last) {
      return this.ctx.refused(
        'duplicate',
        `sensor '${sensor}': seq ${parsed.seq} is not after its last ${last}`,
      );
    }
    const lastT = this.sessions.lastTime(sensor);
    if (lastT !== undefined && parsed.sample.t <= lastT) {
      return this.ctx.refused(
        'time-backwards',
        `sensor '${sensor}': seq ${parsed.seq}: t ${parsed.sample.t} is not after its last sample's ${lastT}`,
      );
    }
    this.lastSeq.set(sensor, parsed.seq);
    let q = this.pendingSeqs.get(sensor);
    if (q === undefined) this.pendingSeqs.set(sensor, (q = []));
    q.push(parsed.seq);
    this.sessions.accept(sensor, parsed.sample.t, parsed.sample.values, Date.now());
  }

  private onScored(s: Scored): void {
    const seq = this.pendingSeqs.get(s.sensor)!.shift()!;
    const score = JSON.stringify(scoreMessage(this.ctx.model, s, seq));
    const alarm = alarmMessage(s, seq);
    this.publish(scoreSubject(s.sensor), score, seq, s.lagMs);
    if (alarm) this.publish(alarmSubject(s.sensor), JSON.stringify(alarm), seq, undefined);
  }

  /**
   * Publishes to the results stream and awaits the acknowledgement, retrying until it comes. The
   * message id `<seq>@<subject>` lets the stream's duplicate window store a result once, whether the
   * copy comes from a retried publish or from a new owner replaying the samples after the last
   * snapshot (see RESULTS_DUPLICATE_WINDOW_MS).
   */
  private publish(subject: string, body: string, seq: number, lagMs: number | undefined): void {
    this.publishing++;
    const msgID = `${seq}@${subject}`;
    const attempt = (): void => {
      this.ctx.js.publish(subject, body, { msgID }).then(
        () => {
          this.publishFailures.succeeded();
          if (lagMs !== undefined) this.ctx.published(lagMs);
          if (--this.publishing === 0 && this.publishesSettled) this.publishesSettled();
        },
        (e: unknown) => {
          if (this.aborted) {
            if (--this.publishing === 0 && this.publishesSettled) this.publishesSettled();
            return; // the next owner replays from the last snapshot, which this result is after
          }
          this.publishFailures.failed(`${subject}: ${errorText(e)}`);
          setTimeout(attempt, this.ctx.retryMs);
        },
      );
    };
    attempt();
  }

  private hold(): void {
    if (this.held) return;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.held = { promise, release };
  }

  private unhold(): void {
    const h = this.held;
    this.held = undefined;
    h?.release();
  }

  /** Writes a snapshot (one at a time: a call during one returns it). */
  snapshot(): Promise<void> {
    return (this.snapshotting ??= this.writeSnapshot().finally(() => (this.snapshotting = undefined)));
  }

  private async writeSnapshot(): Promise<void> {
    let bytes: Uint8Array;
    this.hold();
    try {
      await this.sessions.pauseAndDrain();
      if (this.publishing > 0) {
        await new Promise<void>((r) => (this.publishesSettled = r));
        this.publishesSettled = undefined;
      }
      // Given up meanwhile (lease lost): its sessions are closed and the next owner replays.
      if (this.aborted) return;
      const records = await this.sessions.records();
      const snap: PartitionSnapshot = {
        ...emptySnapshot(this.ctx.model.modelId, this.partition, this.ctx.gatewayId),
        streamSeq: this.streamSeq,
        savedAt: Date.now(),
        sensors: Object.fromEntries(
          Object.entries(records).map(([id, record]) => [id, { record, seq: this.lastSeq.get(id)! }]),
        ),
      };
      bytes = encodeSnapshot(snap);
    } finally {
      this.sessions.resume();
      if (!this.stopped) this.unhold();
    }
    try {
      this.revision = await this.ctx.snapshots.update(leaseKey(this.partition), bytes, this.revision);
    } catch (e) {
      if (!isRevisionConflict(e)) throw e;
      if (this.aborted) return; // already given up: a newer owner's claim is expected
      this.ctx.log(
        `gateway ${this.ctx.gatewayId}: partition ${this.partition}: snapshot fenced by a newer owner`,
      );
      this.abort();
      this.ctx.lost(this);
    }
  }

  /** Clean hand-over: stop consuming, write the final snapshot, close the sensors' streams. */
  async release(): Promise<void> {
    this.hold();
    this.stopInput();
    await this.snapshotting;
    try {
      await this.writeSnapshot();
    } finally {
      this.sessions.close();
      this.unhold(); // the consumer loop sees `stopped` and ends
    }
  }

  /** Stops at once without a snapshot (the lease is lost: another owner replays after the last one). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.stopInput();
    this.unhold();
    this.sessions.close();
  }

  private stopInput(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.reader?.stop();
  }
}
