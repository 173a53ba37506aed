/**
 * The device's publisher while the telemetry stream cannot store anything (no stream to answer:
 * nats-server says "no responders", which the client reports as "jetstream is not enabled", as
 * during a stream leader election): it retries with backoff and stores the sample once when the
 * stream appears (created here from its first retry, so the order is certain), gives up with a
 * coded E_TIMEOUT after its horizon, and refuses a horizon at or beyond the duplicate window.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TELEMETRY_STREAM } from '../../demo/iot/nats/contract.js';
import { publishTelemetry } from '../../demo/iot/nats/publisher.js';
import { TELEMETRY_DUPLICATE_WINDOW_MS, ensureLayout } from '../../demo/iot/nats/setup.js';
import { startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';

const P = 2;
const sample = { t: 1000, current: 1, temperature: 2, vibration: 3, pressure: 4 };
let cluster: NatsCluster;
let nc: NatsConnection;

beforeAll(async () => {
  cluster = await startNatsCluster(3, P);
  nc = await connect({ servers: cluster.urls });
});
afterAll(async () => {
  await nc?.close();
  await cluster?.stop();
});

it('gives up after its horizon with E_TIMEOUT naming the sensor, seq and last error', async () => {
  const failures: unknown[] = [];
  const err = await publishTelemetry(jetstream(nc), 'p-0', 1, sample, {
    giveUpAfterMs: 1000,
    onRetry: (_s, _q, e) => failures.push(e),
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'E_TIMEOUT', stream: 'p-0' });
  const msg = (err as Error).message;
  expect(msg).toContain("sensor 'p-0': seq 1 not stored after");
  expect(msg).toContain('(limit 1000 ms)');
  expect(msg).toContain('jetstream is not enabled');
  // Every attempt failed and was reported; the message counts them.
  expect(msg).toContain(`after ${failures.length} attempts`);
  expect(failures.length).toBeGreaterThanOrEqual(2);
});

it('refuses a horizon outside (0, the duplicate window)', async () => {
  for (const giveUpAfterMs of [0, TELEMETRY_DUPLICATE_WINDOW_MS]) {
    const err = await publishTelemetry(jetstream(nc), 'p-0', 1, sample, { giveUpAfterMs }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_ARGUMENT' });
    expect((err as Error).message).toContain(`got ${giveUpAfterMs}`);
  }
});

it('keeps retrying while the stream cannot store, and stores the sample once when it can', async () => {
  // Resolves to the creation's error, if any (checked below, so none goes unreported).
  let created: Promise<unknown> | undefined;
  let retries = 0;
  await publishTelemetry(jetstream(nc), 'p-1', 1, sample, {
    giveUpAfterMs: 60_000,
    onRetry: () => {
      retries++;
      // The stream appears only after the first failure, as after an election.
      created ??= ensureLayout(nc, { replicas: 3, maxAgeMs: 600_000, leaseMs: 3000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
    },
  });
  expect(await created).toBeUndefined();
  expect(retries).toBeGreaterThanOrEqual(1);
  // A repeat (the device not knowing its first publish was stored) is dropped by the message id.
  await publishTelemetry(jetstream(nc), 'p-1', 1, sample);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(TELEMETRY_STREAM, { subjects_filter: 'gru.p-1.telemetry.*' });
  expect(info.state.messages).toBe(1);
  const stored = await jsm.streams.getMessage(TELEMETRY_STREAM, {
    last_by_subj: Object.keys(info.state.subjects!)[0]!,
  });
  expect(stored?.json<{ seq: number }>().seq).toBe(1);
});
