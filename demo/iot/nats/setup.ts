/**
 * What the NATS gateways need on the cluster, created when absent: the telemetry and results
 * streams and the KV buckets; and a check that the servers' partition mapping is in place (clients
 * cannot create mappings on nats-server 2.9; see `partitionMapping`).
 */
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { GruStreamError } from '../../../src/node.js';
import {
  LEASE_BUCKET,
  MEMBER_BUCKET,
  PROBE_HEADER,
  RESULTS_STREAM,
  SNAPSHOT_BUCKET,
  SUBJECT_ROOT,
  TELEMETRY_STREAM,
  partitionMapping,
  telemetrySubject,
} from './contract.js';

export interface ClusterLayout {
  /** Replicas of the streams and buckets (1, 3 or 5; ≤ the cluster's servers). */
  replicas: number;
  /** How long telemetry and results are kept, ms (the telemetry must outlive the snapshot period). */
  maxAgeMs: number;
  /** Lease of a partition and of a membership, ms. */
  leaseMs: number;
}

export interface Buckets {
  leases: KV;
  members: KV;
  snapshots: KV;
}

const NS_PER_MS = 1_000_000;

/** Adds a stream unless it exists (several gateways may race to add it: the loser finds it). */
async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    return;
  } catch (e) {
    if (!(e instanceof Error) || !/stream not found/i.test(e.message)) throw e;
  }
  try {
    await jsm.streams.add(config);
  } catch (e) {
    await jsm.streams.info(config.name).catch(() => {
      throw e;
    });
  }
}

/**
 * The telemetry stream's duplicate window (ms): a device's retried publish (same message id
 * `<sensor>:<seq>`) within this time of the stored original is dropped. A device must give up
 * before it (see `publisher.ts`).
 */
export const TELEMETRY_DUPLICATE_WINDOW_MS = 120_000;

/**
 * The results stream's duplicate window (ms). A replayed result is dropped by the stream when it
 * comes within this time of the original: the snapshot interval plus the lease TTL plus the
 * takeover's set-up must stay below it (seconds in the shipped defaults; 2 minutes leaves room for
 * slow elections). Subscribers to the plain `gru.<sensor>.score` subjects still see the copies and
 * de-duplicate by `seq`.
 */
export const RESULTS_DUPLICATE_WINDOW_MS = 120_000;

export async function ensureLayout(nc: NatsConnection, layout: ClusterLayout): Promise<Buckets> {
  const jsm = await jetstreamManager(nc);
  const common = {
    num_replicas: layout.replicas,
    storage: StorageType.File,
    max_age: layout.maxAgeMs * NS_PER_MS,
  };
  await ensureStream(jsm, {
    name: TELEMETRY_STREAM,
    subjects: [`${SUBJECT_ROOT}.*.telemetry.*`],
    // Devices publish with a message id `<sensor>:<seq>`: a retried publish is stored once.
    duplicate_window: TELEMETRY_DUPLICATE_WINDOW_MS * NS_PER_MS,
    ...common,
  });
  await ensureStream(jsm, {
    name: RESULTS_STREAM,
    subjects: [`${SUBJECT_ROOT}.*.score`, `${SUBJECT_ROOT}.*.alarm`],
    // Gateways publish results with the message id `<seq>@<subject>`: a takeover's replay of the
    // samples after the last snapshot is stored once, as long as it comes within this window.
    duplicate_window: RESULTS_DUPLICATE_WINDOW_MS * NS_PER_MS,
    ...common,
  });
  const kvm = new Kvm(nc);
  const opts = { replicas: layout.replicas, history: 1 };
  return {
    leases: await kvm.create(LEASE_BUCKET, { ...opts, ttl: layout.leaseMs }),
    members: await kvm.create(MEMBER_BUCKET, { ...opts, ttl: layout.leaseMs }),
    snapshots: await kvm.create(SNAPSHOT_BUCKET, opts),
  };
}

/**
 * Checks that the servers map `gru.<sensor>.telemetry` onto exactly `partitions` partitions: 16 ×
 * `partitions` fixed probe ids are published (with the probe header, which owners skip) and every
 * mapped partition number must be below `partitions`, each seen at least once. The ids are fixed and
 * the mapping deterministic, so the check gives the same answer every time.
 * @throws GruStreamError E_ARGUMENT quoting the configuration block to add
 */
export async function checkPartitionMapping(
  nc: NatsConnection,
  partitions: number,
  timeoutMs = 5000,
): Promise<void> {
  const ids = Array.from({ length: 16 * partitions }, (_, i) => `_probe-${i}`);
  const seen = new Set<number>();
  const fix = `; every nats-server needs:\n${partitionMapping(partitions)}`;
  const sub = nc.subscribe(`${SUBJECT_ROOT}.*.telemetry.>`);
  const raw = nc.subscribe(`${SUBJECT_ROOT}._probe-0.telemetry`, { max: 1 });
  const done = (async () => {
    let got = 0;
    for await (const m of sub) {
      if (!m.headers?.has(PROBE_HEADER)) continue;
      const p = Number(m.subject.split('.').pop());
      if (!Number.isInteger(p) || p < 0 || p >= partitions) {
        throw new GruStreamError(
          'E_ARGUMENT',
          `partition mapping: '${m.subject}' is partition ${p}, expected 0–${partitions - 1} (--partitions ${partitions})${fix}`,
        );
      }
      seen.add(p);
      if (++got === ids.length) break;
    }
  })();
  const unmapped = (async () => {
    for await (const _ of raw) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `partition mapping: '${telemetrySubject('_probe-0')}' arrived unmapped${fix}`,
      );
    }
  })();
  const h = headers();
  h.set(PROBE_HEADER, '1');
  for (const id of ids) nc.publish(telemetrySubject(id), '', { headers: h });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new GruStreamError(
            'E_TIMEOUT',
            `partition mapping: ${ids.length} probes published, mapped ones seen for partitions [${[...seen].sort((a, b) => a - b).join(',')}] after ${timeoutMs} ms${fix}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([done, unmapped, timeout]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
    raw.unsubscribe();
  }
  if (seen.size !== partitions) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `partition mapping: probes reached partitions [${[...seen].sort((a, b) => a - b).join(',')}], expected all of 0–${partitions - 1}${fix}`,
    );
  }
}
