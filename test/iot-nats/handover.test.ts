/**
 * NATS gateways on a real 3-node nats-server cluster (loopback, started here): one gateway scores
 * every sample as the library does outside NATS; a second one joins and the partitions are shared
 * 3 + 3; it leaves with SIGTERM and hands its partitions back through a final snapshot, so no sample
 * is scored twice (no replay beyond the last snapshot) and none is missed.
 */
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GatewayEvent } from '../../demo/iot/nats/gateway.js';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { publishTelemetry } from '../../demo/iot/nats/publisher.js';
import { plant, referenceScores, telemetry } from '../iot/plant.js';
import type { PlantSensor } from '../iot/plant.js';
import { startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';
import { natsGatewayArgs, startNatsGatewayProcess } from './gateway-process.js';
import type { NatsGatewayProcess } from './gateway-process.js';
import { ResultsObserver, compareWithReference } from './observer.js';

const P = 6;
const SAMPLES = 60;
/** Relative score difference allowed against the library's run (the MQTT gateway test's). */
const SCORE_TOLERANCE = 1e-6;
const sensors = plant(
  Array.from({ length: 12 }, (_, i) => `h-${i}`),
  SAMPLES,
);
const ids = sensors.map((s) => s.id);

let cluster: NatsCluster;
let nc: NatsConnection;
let observer: ResultsObserver;
const gateways: NatsGatewayProcess[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3, P);
  nc = await connect({ servers: cluster.urls });
});
afterAll(async () => {
  for (const g of gateways)
    if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
  observer?.stop();
  await nc?.close();
  await cluster?.stop();
});

const gatewayArgs = (): string[] =>
  natsGatewayArgs(cluster.urls, {
    partitions: P,
    leaseMs: 3000,
    heartbeatMs: 300,
    snapshotEveryMs: 700,
    statusEveryMs: 0,
  });

async function publish(from: number, to: number, list: PlantSensor[] = sensors): Promise<void> {
  const js = jetstream(nc);
  for (let k = from; k < to; k++) {
    await Promise.all(list.map((s) => publishTelemetry(js, s.id, k + 1, telemetry(s, k))));
  }
}

const owns =
  (g: NatsGatewayProcess, n: number) =>
  (e: GatewayEvent): boolean =>
    e.event === 'owns' && e.partitions.length === n && g.id === e.id;

it('scores like the library, shares partitions with a joining gateway and takes them back on its clean exit', async () => {
  const a = await startNatsGatewayProcess('gw-a', gatewayArgs());
  gateways.push(a);
  await a.until(owns(a, P));
  observer = await ResultsObserver.start(nc);

  await publish(0, 20);
  await observer.until(() => observer.complete(ids, 20));

  const b = await startNatsGatewayProcess('gw-b', gatewayArgs());
  gateways.push(b);
  const aHalf = a.events.length;
  await b.until(owns(b, P / 2));
  await a.until((e) => a.events.indexOf(e) >= aHalf && owns(a, P / 2)(e));

  await publish(20, 40);
  await observer.until(() => observer.complete(ids, 40));

  b.child.kill('SIGTERM');
  expect((await b.exited).code).toBe(0);
  await a.until((e) => a.events.indexOf(e) >= aHalf && owns(a, P)(e));

  await publish(40, SAMPLES);
  await observer.until(() => observer.complete(ids, SAMPLES));

  const ref = await referenceScores(loadSensorModel(), sensors);
  const { worst, copies } = compareWithReference(
    observer,
    sensors.map((s) => s.id),
    SAMPLES,
    ref,
  );
  console.log(
    `handover: worst relative score difference ${worst.toExponential(2)}, duplicate scores ${copies}`,
  );
  expect(worst).toBeLessThanOrEqual(SCORE_TOLERANCE);
  // Clean hand-overs replay nothing beyond the final snapshot: every sample scored exactly once.
  expect(copies).toBe(0);
}, 120_000);
