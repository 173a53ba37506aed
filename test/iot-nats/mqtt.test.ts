/**
 * Devices that speak MQTT: nats-server's own MQTT listener (it needs JetStream and a server_name)
 * maps the topic `gru/<sensor>/telemetry` onto the subject `gru.<sensor>.telemetry`, the servers'
 * partition mapping then onto the telemetry stream, and a NATS gateway scores it. An mqtt.js device
 * publishes 3 sensors × 30 samples (QoS 1, the JSON with `seq`) to one node of a 3-node cluster;
 * every score read back from the results stream equals the library's for the same telemetry, and a
 * sample without `seq` is refused as `bad-seq` and changes nothing else.
 */
import mqtt from 'mqtt';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { startNatsGateway } from '../../demo/iot/nats/gateway.js';
import type { NatsGateway } from '../../demo/iot/nats/gateway.js';
import { plant, referenceScores, telemetry } from '../iot/plant.js';
import { startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';
import { ResultsObserver } from './observer.js';

const P = 3;
const SAMPLES = 30;
/** Relative score difference allowed against the library's run (the other NATS tests' tolerance). */
const SCORE_TOLERANCE = 1e-6;
const sensors = plant(['m-0', 'm-1', 'm-2'], SAMPLES);
const ids = sensors.map((s) => s.id);

let cluster: NatsCluster;
let nc: NatsConnection;
let gateway: NatsGateway | undefined;
let device: mqtt.MqttClient | undefined;
const log: string[] = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3, P, { mqtt: true });
  nc = await connect({ servers: cluster.urls });
});
afterAll(async () => {
  await device?.endAsync();
  await gateway?.stop();
  await nc?.close();
  await cluster?.stop();
});

it('scores MQTT telemetry mapped by nats-server onto the NATS contract', async () => {
  gateway = await startNatsGateway({
    servers: cluster.urls,
    partitions: P,
    leaseMs: 3000,
    statusEveryMs: 0,
    log: (l) => log.push(l),
    emit: () => undefined,
  });
  const observer = await ResultsObserver.start(nc);
  device = await mqtt.connectAsync(cluster.nodes[0]!.mqttUrl!, {
    protocolVersion: 4,
    clientId: 'mqtt-device',
    clean: true,
  });
  const topic = (id: string): string => `gru/${id}/telemetry`;
  // First a sample without `seq`: before m-0's good samples in its partition, so it has been judged
  // once they are scored.
  await device.publishAsync(topic('m-0'), JSON.stringify(telemetry(sensors[0]!, 0)), { qos: 1 });
  for (let k = 0; k < SAMPLES; k++) {
    for (const s of sensors) {
      await device.publishAsync(topic(s.id), JSON.stringify({ ...telemetry(s, k), seq: k + 1 }), { qos: 1 });
    }
  }
  await observer.until(() => observer.complete(ids, SAMPLES));
  observer.stop();

  const ref = await referenceScores(loadSensorModel(), sensors);
  let worst = 0;
  for (const s of sensors) {
    const bySeq = observer.scores.get(s.id)!;
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: SAMPLES }, (_, k) => k + 1));
    for (const [seq, copies] of bySeq) {
      expect(copies).toHaveLength(1); // no takeover here: nothing scored twice
      const want = ref.get(s.id)![seq - 1]!.score;
      worst = Math.max(worst, Math.abs(copies[0]!.score - want) / Math.max(1, want));
    }
  }
  console.log(
    `mqtt: ${ids.length} sensors × ${SAMPLES} samples over MQTT; worst relative difference ${worst}`,
  );
  expect(worst).toBeLessThanOrEqual(SCORE_TOLERANCE);
  const status = gateway.status();
  expect(status.refused['bad-seq']).toBe(1);
  expect(Object.values(status.refused).reduce((a, b) => a + b, 0)).toBe(1);
  expect(log.filter((l) => l.includes('[bad-seq]'))).toHaveLength(1);
}, 120_000);
