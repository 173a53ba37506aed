/**
 * The gateway in this process against two real brokers, Debian's mosquitto (started here on free
 * loopback ports) and the embedded aedes: sensors publish telemetry over MQTT, the test reads the
 * scores, alarms and status the gateway publishes and compares them with the library's own scores
 * for the same samples (each sensor's series as one chunk, outside MQTT). Bad payloads of every kind
 * are interleaved; they must be counted by reason and change no other sample's score.
 *
 * Deterministic: every wait is for messages (a count or a state), never for time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../demo/iot/broker.js';
import { CHANNELS, telemetryTopic } from '../../demo/iot/contract.js';
import { startGateway } from '../../demo/iot/gateway/gateway.js';
import type { Gateway } from '../../demo/iot/gateway/gateway.js';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { startMosquitto } from './mosquitto.js';
import { Observer, STEP_MS, T0, plant, publishSamples, referenceScores, telemetry } from './plant.js';

const SAMPLES = 110;
const SPIKE = { sensor: 'pump-b', sample: 50, channel: 1, offset: 30 };
const sensors = plant(['pump-a', 'pump-b', 'fan-c'], SAMPLES, SPIKE);
const model = loadSensorModel();
/**
 * |gateway score − reference score| / max(1, reference): the gateway steps one sample per chunk in
 * whatever batch variant (B = 1, 8, 64) the moment gives, the reference a whole series per chunk.
 * Measured on this machine: 0 (bit-identical, both brokers); allowed: 1e-6.
 */
const SCORE_TOLERANCE = 1e-6;

const reference = referenceScores(model, sensors);

/** Bad payloads, each sent on its own sensor or on a good one, with the reason it must be refused for. */
function badPayloads(): { topic: string; payload: string | Buffer; reason: string }[] {
  const good = JSON.stringify(telemetry(sensors[0]!, 0));
  const { current, temperature, vibration } = telemetry(sensors[0]!, 0);
  return [
    { topic: telemetryTopic('bad-1'), payload: 'not json {', reason: 'not-json' },
    { topic: telemetryTopic('bad-1'), payload: '[1,2,3]', reason: 'not-object' },
    {
      topic: telemetryTopic('bad-1'),
      payload: JSON.stringify({ t: T0, current, temperature, vibration }),
      reason: 'missing-channel',
    },
    {
      topic: telemetryTopic('bad-1'),
      payload: `{"t":${T0},"current":1e999,"temperature":1,"vibration":1,"pressure":1}`,
      reason: 'non-finite',
    },
    {
      topic: telemetryTopic('bad-1'),
      payload: JSON.stringify({ t: T0, current: 'NaN', temperature, vibration, pressure: 1 }),
      reason: 'non-finite',
    },
    { topic: telemetryTopic('bad-1'), payload: Buffer.alloc(1 << 20, 0x20), reason: 'too-large' },
    {
      topic: telemetryTopic('bad-1'),
      payload: JSON.stringify({ ...JSON.parse(good), colour: 'red' }),
      reason: 'unknown-field',
    },
    {
      topic: telemetryTopic('bad-1'),
      payload: JSON.stringify({ ...JSON.parse(good), t: 'soon' }),
      reason: 'bad-time',
    },
    // On good sensors, mid-run: an old sample and a repeat of the current one.
    {
      topic: telemetryTopic('pump-a'),
      payload: JSON.stringify(telemetry(sensors[0]!, 3)),
      reason: 'time-backwards',
    },
    {
      topic: telemetryTopic('fan-c'),
      payload: JSON.stringify(telemetry(sensors[2]!, 9)),
      reason: 'duplicate',
    },
  ];
}

function gatewayScenario(
  name: string,
  startBroker: () => Promise<{ url: string; stop: () => Promise<void> }>,
) {
  describe(`gateway against ${name}`, () => {
    let broker: { url: string; stop: () => Promise<void> };
    let gateway: Gateway;
    let observer: Observer;
    let device: MqttClient;
    let stateDir: string;
    const logs: string[] = [];

    beforeAll(async () => {
      broker = await startBroker();
      stateDir = await mkdtemp(join(tmpdir(), 'iot-gw-'));
      observer = await Observer.connect(broker.url);
      gateway = await startGateway({
        broker: broker.url,
        stateDir,
        statusEveryMs: 0,
        snapshotEveryMs: 0,
        log: (l) => logs.push(l),
      });
      device = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'devices' });
    });
    afterAll(async () => {
      await device?.endAsync();
      await gateway?.stop();
      await observer?.close();
      await broker?.stop();
      await rm(stateDir, { recursive: true, force: true });
    });

    it('scores every sample as the library does, alarms on the spike only, counts bad payloads', async () => {
      const bad = badPayloads();
      await publishSamples(device, sensors, 0, 10);
      for (const b of bad) await device.publishAsync(b.topic, b.payload, { qos: 1 });
      await publishSamples(device, sensors, 10, SAMPLES);
      await observer.until(() => observer.hasScores(sensors, SAMPLES));
      await observer.until(() => observer.alarms.get(SPIKE.sensor)?.at(-1)?.state === 'closed');
      await gateway.publishStatus();
      await observer.until(() => observer.status?.accepted === sensors.length * SAMPLES);

      // Scores: one per sample, equal to the library's within the tolerance.
      const ref = await reference;
      let worst = 0;
      for (const s of sensors) {
        const byT = observer.scores.get(s.id)!;
        expect(byT.size, `${s.id}: one score per sample`).toBe(SAMPLES);
        for (let k = 0; k < SAMPLES; k++) {
          const got = byT.get(T0 + k * STEP_MS)!;
          expect(got.length, `${s.id} sample ${k}: delivered once`).toBe(1);
          const want = ref.get(s.id)![k]!;
          worst = Math.max(worst, Math.abs(got[0]!.score - want.score) / Math.max(1, want.score));
          expect(got[0]!.alarm, `${s.id} sample ${k}: alarm flag`).toBe(want.alarm);
        }
      }
      expect(worst).toBeLessThanOrEqual(SCORE_TOLERANCE);
      console.log(`${name}: worst relative score difference to the library: ${worst.toExponential(2)}`);

      // Alarms: the spiked sensor opens at the spike on its channel and closes; no other sensor alarms.
      const alarms = observer.alarms.get(SPIKE.sensor)!;
      const spikeT = T0 + SPIKE.sample * STEP_MS;
      expect(alarms[0]).toMatchObject({ state: 'open', since: spikeT, channel: CHANNELS[SPIKE.channel] });
      expect(alarms.at(-1)).toMatchObject({
        state: 'closed',
        since: spikeT,
        channel: CHANNELS[SPIKE.channel],
      });
      const refAlarmTimes = ref.get(SPIKE.sensor)!.flatMap((r, k) => (r.alarm ? [T0 + k * STEP_MS] : []));
      expect(alarms.at(-1)!.until).toBe(refAlarmTimes.at(-1));
      expect(alarms.at(-1)!.peak).toBe(Math.max(...alarms.map((a) => a.peak)));
      for (const s of sensors) if (s.id !== SPIKE.sensor) expect(observer.alarms.get(s.id)).toBeUndefined();

      // Bad payloads: counted by reason, none accepted; no score published for the bad sensor.
      const want: Record<string, number> = {};
      for (const b of bad) want[b.reason] = (want[b.reason] ?? 0) + 1;
      const status = observer.status!;
      for (const [reason, n] of Object.entries(status.refused)) {
        expect(n, `refused for ${reason}`).toBe(want[reason] ?? 0);
      }
      expect(observer.scores.has('bad-1')).toBe(false);
      expect(status.sensors).toEqual({ live: sensors.length, dormant: 0 });
      expect(status.backlog).toBe(0);
      expect(status.model.id).toBe(model.modelId);
      expect(logs.some((l) => l.includes('[too-large]') && l.includes("sensor 'bad-1'"))).toBe(true);
    });
  });
}

gatewayScenario('mosquitto', async () => {
  const m = await startMosquitto();
  return { url: m.url, stop: m.stop };
});
gatewayScenario('aedes', async () => {
  const b = await startEmbeddedBroker(0);
  return { url: b.url, stop: b.close };
});
