/**
 * One gateway process on a NATS JetStream cluster. Start as many as you like, anywhere: they share
 * the P telemetry partitions evenly and hand them over when one joins or leaves.
 *
 * Every heartbeat a gateway (1) refreshes its key in the members bucket (TTL = the lease), (2) reads
 * the live members and computes the assignment (members sorted by id; partition p goes to member
 * p mod n), (3) renews the leases it holds (compare-and-set on its last revision: a lost lease stops
 * the partition at once), (4) hands over the partitions assigned elsewhere (final snapshot, then the
 * lease is deleted) and (5) tries to create the leases of the partitions assigned to it (a create
 * fails while another gateway still holds one: the partition stays with it until released or
 * expired). A killed gateway's leases expire after the lease time and the partitions move on.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createEngine } from '../../../src/node.js';
import { loadSensorModel } from '../gateway/sensor-model.js';
import type { SensorModel } from '../gateway/sensor-model.js';
import { REFUSAL_REASONS } from '../contract.js';
import { errorText, isRevisionConflict } from './cas.js';
import { MEMBER_BUCKET, leaseKey } from './contract.js';
import { PartitionOwner } from './partition.js';
import type { PartitionContext, PartitionDetail } from './partition.js';
import type { NatsRefusalReason } from './payload.js';
import { checkPartitionMapping, ensureLayout } from './setup.js';
import { connectWithRetry, retryUntil } from './startup.js';

export interface NatsGatewayOptions {
  /** Server URLs, e.g. `['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222']`. */
  servers: string[];
  /** Partitions P; must equal the servers' `partition(P, 1)` mapping. Default 12. */
  partitions?: number;
  /** This gateway's id (unique in the cluster). Default `<hostname>-<pid>-<random>`. */
  id?: string;
  /** Replicas of streams and buckets created here. Default 3 in a cluster, 1 on a lone server. */
  replicas?: number;
  /** Partition and membership lease, ms. Default 5 000. */
  leaseMs?: number;
  /**
   * Take no partition until this many gateways are members (so a fleet started together does not
   * load everything onto the first one to join). Only at start: once reached, it no longer
   * matters how many remain. Default 1.
   */
  minMembers?: number;
  /** Heartbeat (membership, lease renewal, rebalancing), ms. Default leaseMs / 5. */
  heartbeatMs?: number;
  /** Snapshot period per partition, ms (0: only on hand-over). Default 5 000. */
  snapshotEveryMs?: number;
  /** How long telemetry and results are kept, ms. Default 7 days. */
  maxAgeMs?: number;
  /** Status line period on stdout, ms (0: none). Default 5 000. */
  statusEveryMs?: number;
  /**
   * How long start-up may wait for the cluster, ms: connecting (no server reachable yet) and creating
   * the streams and buckets (JetStream not ready yet) are retried with backoff, each failure logged;
   * then it fails with E_TIMEOUT. Default 60 000.
   */
  startupTimeoutMs?: number;
  /** The sensor model's `.tflite`. Default: the shipped model. */
  model?: string;
  /** Log lines (stderr by default). */
  log?: (line: string) => void;
  /** Machine-readable events (one JSON object each; stdout by default): ownership and status. */
  emit?: (event: GatewayEvent) => void;
}

export type GatewayEvent =
  | { event: 'owns'; id: string; at: number; partitions: number[] }
  | { event: 'acquired'; id: string; at: number; partition: number; fromStreamSeq: number }
  | { event: 'status'; id: string; at: number; status: NatsGatewayStatus };

export interface NatsGatewayStatus {
  partitions: number[];
  /** Scores published and acknowledged since start. */
  published: number;
  /** Telemetry messages fed to the sessions since start (probes excluded). */
  fed: number;
  /** Per owned partition: what its owner is doing. */
  perPartition: Record<number, PartitionDetail>;
  refused: Record<NatsRefusalReason, number>;
  /** Receipt → score acknowledged, over the last status interval, ms. */
  lagMs: { p50: number; p99: number };
}

export interface NatsGateway {
  readonly id: string;
  readonly model: SensorModel;
  status(): NatsGatewayStatus;
  /** Hands every partition over (final snapshots), leaves, disconnects, stops the engine. */
  stop(): Promise<void>;
}

/** A held lease: the KV revision last written and when. */
interface Lease {
  revision: number;
  renewedAt: number;
  /** Set while renewals fail for another reason than a conflict (the bucket unavailable). */
  failing?: 'failing' | 'overdue';
}

export async function startNatsGateway(o: NatsGatewayOptions): Promise<NatsGateway> {
  const log = o.log ?? ((line: string) => console.error(line));
  const emit = o.emit ?? ((e: GatewayEvent) => console.log(JSON.stringify(e)));
  const id = o.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const P = o.partitions ?? 12;
  const leaseMs = o.leaseMs ?? 5000;
  const heartbeatMs = o.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 5));
  const model = loadSensorModel(o.model);
  const startupMs = o.startupTimeoutMs ?? 60_000;
  const startedAt = Date.now();
  const nc: NatsConnection = await connectWithRetry(
    o.servers,
    { name: `gru-gateway ${id}`, maxReconnectAttempts: -1 },
    { name: `gateway ${id}`, log, deadlineMs: startupMs },
  );
  // What the connection goes through (a server's death: disconnect, then reconnect to another seed)
  // is the first thing to read when partitions stall.
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'ldm') {
        log(`gateway ${id}: connection ${s.type} ${s.server}`);
      } else if (s.type === 'error') {
        log(`gateway ${id}: connection error: ${errorText(s.error)}`);
      } else if (s.type === 'staleConnection' || s.type === 'slowConsumer') {
        log(`gateway ${id}: connection ${s.type}`);
      }
    }
  })();
  const replicas = o.replicas ?? (nc.info?.cluster !== undefined ? 3 : 1);
  const buckets = await retryUntil(
    () => ensureLayout(nc, { replicas, maxAgeMs: o.maxAgeMs ?? 7 * 86_400_000, leaseMs }),
    {
      what: `gateway ${id}: creating the streams and buckets (replicas ${replicas})`,
      log,
      deadlineMs: Math.max(0, startupMs - (Date.now() - startedAt)),
    },
  ).catch(async (e: unknown) => {
    await nc.close();
    throw e;
  });
  await checkPartitionMapping(nc, P);
  const engine = await createEngine({ models: model.files, maxStreams: 100_000 });

  const refused = Object.fromEntries([...REFUSAL_REASONS, 'bad-seq'].map((r) => [r, 0])) as Record<
    NatsRefusalReason,
    number
  >;
  let loggedRefusals = 0;
  let published = 0;
  let lags: number[] = [];
  let stopping = false;
  /** Whether the `minMembers` gate has opened. */
  let gateOpen = false;
  const owned = new Map<number, { owner: PartitionOwner } & Lease>();
  /**
   * Partitions whose lease this gateway holds and whose owner is being set up (snapshot claimed and
   * restored, consumer created: seconds, more while a dead server's consumers are replaced). Set up
   * off the heartbeat, their leases renewed with the others, so a slow set-up neither delays the
   * membership refresh nor lets its own lease expire.
   */
  const acquiring = new Map<number, Lease & { lost?: string }>();
  const acquisitions = new Set<Promise<void>>();
  const lost = new Set<PartitionOwner>();

  const ctx: PartitionContext = {
    gatewayId: id,
    js: jetstream(nc),
    snapshots: buckets.snapshots,
    engine,
    model,
    snapshotEveryMs: o.snapshotEveryMs ?? 5000,
    retryMs: 200,
    log,
    refused: (reason, message) => {
      refused[reason]++;
      if (loggedRefusals++ < 10) log(`gateway ${id}: refused [${reason}] ${message}`);
    },
    published: (lagMs) => {
      published++;
      lags.push(lagMs);
    },
    fatal: (e) => {
      log(`gateway ${id}: the engine failed, stopping: ${errorText(e)}`);
      process.exit(1);
    },
    lost: (owner) => lost.add(owner),
  };

  /**
   * The live members, sorted. Not `kv.keys()`: its ordered consumer waits for a count of keys that a
   * TTL expiry during the listing makes unreachable, and the heartbeat hung for good (seen when a
   * killed gateway's key expired). One stream-info request lists the keys' subjects instead; a key
   * deleted on a clean leave still has a subject (its delete marker) and is filtered by its value.
   */
  const jsm = await jetstreamManager(nc);
  const memberPrefix = `$KV.${MEMBER_BUCKET}.`;
  const liveMembers = async (): Promise<string[]> => {
    const info = await jsm.streams.info(`KV_${MEMBER_BUCKET}`, { subjects_filter: `${memberPrefix}>` });
    const keys = Object.keys(info.state.subjects ?? {}).map((s) => s.slice(memberPrefix.length));
    const entries = await Promise.all(keys.map((k) => buckets.members.get(k)));
    return keys.filter((_, i) => entries[i]?.operation === 'PUT').sort();
  };

  const ownedList = (): number[] => [...owned.keys()].sort((a, b) => a - b);
  const drop = (p: number, why: string): void => {
    owned.get(p)?.owner.abort();
    owned.delete(p);
    log(`gateway ${id}: partition ${p} dropped: ${why}`);
  };

  /**
   * Renews a held lease. When it expired meanwhile (this process was too slow to renew under load)
   * and nobody took it, it is created afresh and the partition stays: no one else owned it in
   * between, and had someone, the snapshot compare-and-set would fence this owner anyway.
   *
   * While the lease bucket cannot be written at all (its stream electing a leader after a server's
   * death: 2-5 s on nats-server 2.9, longer than a short lease), the partition is kept, not dropped:
   * no other gateway can take the lease meanwhile either, and if one does once the bucket is back,
   * this owner's next renewal or snapshot write fails and it stops (results published in between
   * repeat the new owner's, same seq and value). Dropping instead made every partition of every
   * gateway move at each such election.
   */
  const renew = async (p: number, l: Lease): Promise<string | undefined> => {
    try {
      l.revision = await buckets.leases.update(leaseKey(p), id, l.revision);
      if (l.failing !== undefined) {
        log(`gateway ${id}: lease of partition ${p} renewed again after ${Date.now() - l.renewedAt} ms`);
      }
      l.renewedAt = Date.now();
      l.failing = undefined;
    } catch (e) {
      if (isRevisionConflict(e)) {
        const current = await buckets.leases.get(leaseKey(p));
        if (current?.operation === 'PUT' && current.string() === id) {
          // An earlier renewal went through though its answer was lost (a timeout during an
          // election): the lease is still this gateway's, at a later revision.
          l.revision = current.revision;
          l.renewedAt = Date.now();
          l.failing = undefined;
          return undefined;
        }
        if (current === null || current.operation !== 'PUT') {
          try {
            l.revision = await buckets.leases.create(leaseKey(p), id);
            log(
              `gateway ${id}: lease of partition ${p} had expired unclaimed (${Date.now() - l.renewedAt} ms since renewed); renewed`,
            );
            l.renewedAt = Date.now();
            l.failing = undefined;
            return undefined;
          } catch (e2) {
            if (!isRevisionConflict(e2)) throw e2;
          }
        }
        return 'lease taken by another gateway';
      }
      // One line when a streak of failures starts, one when it outlasts the lease.
      const overdue = Date.now() - l.renewedAt > leaseMs;
      if (l.failing === undefined || (overdue && l.failing === 'failing')) {
        l.failing = overdue ? 'overdue' : 'failing';
        log(
          `gateway ${id}: renewing the lease of partition ${p} failed ${Date.now() - l.renewedAt} ms after the last renewal` +
            `${overdue ? ' (past the lease; kept until another gateway takes it)' : ''}, retrying: ${errorText(e)}`,
        );
      }
    }
    return undefined;
  };

  /** The partitions last announced in an `owns` event (drops by the renewal timer included next tick). */
  let lastOwns = '';
  const tick = async (): Promise<void> => {
    const started = performance.now();
    for (const owner of lost) {
      const p = owner.partition;
      if (owned.get(p)?.owner === owner) drop(p, 'given up by its owner');
    }
    lost.clear();
    await buckets.members.put(id, JSON.stringify({ at: Date.now() }));
    const members = await liveMembers();
    const mine = new Set<number>();
    const me = members.indexOf(id);
    if (members.length >= (o.minMembers ?? 1)) gateOpen = true; // a start-up gate only: never closes again
    if (me >= 0 && gateOpen) {
      for (let p = me; p < P; p += members.length) mine.add(p);
    }
    for (const [p, l] of owned) {
      if (mine.has(p) || stopping) continue;
      await handOver(p, l.owner);
    }
    for (const p of mine) {
      if (owned.has(p) || acquiring.has(p) || stopping) continue;
      let revision: number;
      try {
        revision = await buckets.leases.create(leaseKey(p), id);
      } catch (e) {
        if (!isRevisionConflict(e)) {
          log(`gateway ${id}: lease of partition ${p}: ${errorText(e)}`);
          continue;
        }
        // Held, usually by another gateway; by this one when an earlier create went through though
        // its answer was lost (a timeout during an election).
        const current = await buckets.leases.get(leaseKey(p)).catch(() => null);
        if (current?.operation !== 'PUT' || current.string() !== id) continue;
        revision = current.revision;
      }
      const lease = { revision, renewedAt: Date.now() };
      acquiring.set(p, lease);
      const done = takeOver(p, lease).finally(() => {
        acquiring.delete(p);
        acquisitions.delete(done);
      });
      acquisitions.add(done);
    }
    announce();
    const ms = performance.now() - started;
    if (ms > leaseMs / 2) log(`gateway ${id}: heartbeat took ${ms.toFixed(0)} ms (lease ${leaseMs} ms)`);
  };

  const announce = (): void => {
    if (ownedList().join() !== lastOwns) {
      lastOwns = ownedList().join();
      emit({ event: 'owns', id, at: Date.now(), partitions: ownedList() });
    }
  };

  /** Sets up the owner of partition `p`, whose lease is held; never throws. */
  const takeOver = async (p: number, lease: Lease & { lost?: string }): Promise<void> => {
    let owner: PartitionOwner;
    try {
      owner = await PartitionOwner.acquire(ctx, p);
    } catch (e) {
      log(`gateway ${id}: taking partition ${p} failed: ${errorText(e)}`);
      if (lease.lost === undefined) {
        await buckets.leases
          .delete(leaseKey(p))
          .catch((e2: unknown) =>
            log(`gateway ${id}: releasing the lease of partition ${p}: ${errorText(e2)}`),
          );
      }
      return;
    }
    if (lease.lost !== undefined) {
      // Another gateway has the lease now; its claim of the snapshot fences this owner anyway.
      owner.abort();
      log(`gateway ${id}: partition ${p} dropped while being taken: ${lease.lost}`);
      return;
    }
    owned.set(p, { owner, ...lease });
    emit({ event: 'acquired', id, at: Date.now(), partition: p, fromStreamSeq: owner.restoredFrom });
    announce();
  };

  const handOver = async (p: number, owner: PartitionOwner): Promise<void> => {
    owned.delete(p);
    try {
      await owner.release();
      await buckets.leases.delete(leaseKey(p));
    } catch (e) {
      // The lease expires on its own; the next owner replays after the last snapshot written.
      log(`gateway ${id}: hand-over of partition ${p} failed: ${errorText(e)}`);
    }
  };

  // Leases are renewed on their own timer, all at once: a heartbeat held up by a slow acquisition
  // (a JetStream request timing out while the cluster re-elects after a server's death) must not let
  // the leases already held expire, or the partitions ping-pong between gateways.
  let renewing = false;
  const renewTimer = setInterval(() => {
    if (renewing || stopping) return;
    renewing = true;
    const failed = (p: number) => (e: unknown) => {
      log(`gateway ${id}: renewing partition ${p}: ${errorText(e)}`);
      return undefined;
    };
    void Promise.all([
      ...[...owned].map(([p, l]) =>
        renew(p, l)
          .catch(failed(p))
          .then((lost) => {
            if (lost !== undefined && owned.get(p) === l) drop(p, lost);
          }),
      ),
      ...[...acquiring].map(([p, l]) =>
        renew(p, l)
          .catch(failed(p))
          .then((lost) => {
            if (lost !== undefined) l.lost = lost;
          }),
      ),
    ]).finally(() => (renewing = false));
  }, heartbeatMs);

  let ticking: Promise<void> = Promise.resolve();
  let heartbeat: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    heartbeat = setTimeout(() => {
      ticking = tick()
        .catch((e: unknown) => log(`gateway ${id}: heartbeat failed: ${errorText(e)}`))
        .finally(() => {
          if (!stopping) schedule();
        });
    }, heartbeatMs);
  };
  ticking = tick();
  await ticking;
  schedule();

  const status = (): NatsGatewayStatus => {
    const sorted = Float64Array.from(lags).sort();
    const q = (x: number): number =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))]! : 0;
    let fed = 0;
    const perPartition: Record<number, PartitionDetail> = {};
    for (const [p, { owner }] of owned) {
      fed += owner.fed;
      perPartition[p] = owner.detail();
    }
    return {
      partitions: ownedList(),
      published,
      fed,
      perPartition,
      refused: { ...refused },
      lagMs: { p50: q(0.5), p99: q(0.99) },
    };
  };
  const statusTimer =
    (o.statusEveryMs ?? 5000) > 0
      ? setInterval(() => {
          emit({ event: 'status', id, at: Date.now(), status: status() });
          lags = [];
          loggedRefusals = 0;
        }, o.statusEveryMs ?? 5000)
      : undefined;

  let stopped: Promise<void> | undefined;
  return {
    id,
    model,
    status,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        clearTimeout(heartbeat);
        clearInterval(renewTimer);
        clearInterval(statusTimer);
        await ticking;
        await Promise.all(acquisitions);
        await buckets.members
          .delete(id)
          .catch((e: unknown) => log(`gateway ${id}: leaving: ${errorText(e)}`));
        for (const [p, l] of [...owned]) await handOver(p, l.owner);
        emit({ event: 'owns', id, at: Date.now(), partitions: [] });
        await nc.drain();
        await engine.dispose();
      })()),
  };
}
