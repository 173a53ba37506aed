/**
 * A gateway started before its cluster: it retries with backoff and a log line per attempt, and
 * comes up once the servers do (here: started only after the gateway has logged a failed attempt,
 * so the order is certain, not a race); with no server at all it exits with a coded E_TIMEOUT
 * naming the servers after `--startup-timeout-ms`.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, expect, it } from 'vitest';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { publishTelemetry } from '../../demo/iot/nats/publisher.js';
import { freePort } from '../iot/mosquitto.js';
import { plant, referenceScores, telemetry } from '../iot/plant.js';
import { clusterPorts, startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';
import { natsGatewayArgs, spawnNatsGatewayProcess } from './gateway-process.js';
import type { NatsGatewayProcess } from './gateway-process.js';
import { ResultsObserver } from './observer.js';

const P = 3;
let cluster: NatsCluster | undefined;
const gateways: NatsGatewayProcess[] = [];

afterAll(async () => {
  for (const g of gateways)
    if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
  await cluster?.stop();
});

it('waits for a cluster started after it, logging each attempt, then scores', async () => {
  const ports = await clusterPorts(3);
  const urls = ports.map((p) => `nats://127.0.0.1:${p}`);
  const g = spawnNatsGatewayProcess('early', [
    ...natsGatewayArgs(urls, { partitions: P, leaseMs: 3000, statusEveryMs: 0 }),
    '--startup-timeout-ms',
    '120000',
  ]);
  gateways.push(g);
  const first = await g.untilLog(/connecting to NATS .* attempt 1 failed/);
  expect(first).toContain(urls[0]);
  expect(first).toMatch(/retrying in \d+ ms/);
  cluster = await startNatsCluster(3, P, { ports });
  await g.ready;
  await g.until((e) => e.event === 'owns' && e.partitions.length === P);

  // It works: a few samples of 3 sensors are scored as the library scores them.
  const sensors = plant(['s-0', 's-1', 's-2'], 8);
  const nc = await connect({ servers: urls });
  try {
    const observer = await ResultsObserver.start(nc);
    const js = jetstream(nc);
    for (let k = 0; k < 8; k++) {
      await Promise.all(sensors.map((s) => publishTelemetry(js, s.id, k + 1, telemetry(s, k))));
    }
    const ids = sensors.map((s) => s.id);
    await observer.until(() => observer.complete(ids, 8));
    observer.stop();
    const ref = await referenceScores(loadSensorModel(), sensors);
    for (const s of sensors) {
      for (let k = 1; k <= 8; k++) {
        const got = observer.scores.get(s.id)!.get(k)![0]!.score;
        const want = ref.get(s.id)![k - 1]!.score;
        // The failover test's tolerance (relative; measured there: identical).
        expect(Math.abs(got - want) / Math.max(1, want)).toBeLessThanOrEqual(1e-6);
      }
    }
  } finally {
    await nc.close();
  }
}, 120_000);

it('gives up with E_TIMEOUT naming the servers when none comes up in time', async () => {
  const url = `nats://127.0.0.1:${await freePort()}`;
  const g = spawnNatsGatewayProcess('alone', ['--nats', url, '--startup-timeout-ms', '1500']);
  gateways.push(g);
  const { code } = await g.exited;
  expect(code).toBe(1);
  const last = g.log.at(-1)!;
  expect(last).toMatch(/^gateway: \[E_TIMEOUT\] gateway alone: connecting to NATS \[/);
  expect(last).toContain(url);
  expect(last).toMatch(/gave up after \d+ attempts in \d+ ms \(limit 1500 ms\)/);
  expect(g.log.filter((l) => /attempt \d+ failed/.test(l)).length).toBeGreaterThanOrEqual(1);
}, 60_000);
