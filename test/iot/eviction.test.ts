/**
 * State kept across TTL eviction and refused when it belongs to another model, with the gateway in
 * this process on the embedded aedes broker. The TTL clock is the test's (`now` option), so eviction
 * happens exactly when the test says.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../demo/iot/broker.js';
import type { EmbeddedBroker } from '../../demo/iot/broker.js';
import { startGateway } from '../../demo/iot/gateway/gateway.js';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { DirectoryStore, SNAPSHOT_FILE } from '../../demo/iot/gateway/store.js';
import { Observer, STEP_MS, T0, plant, publishSamples, referenceScores } from './plant.js';
import type { PlantSensor } from './plant.js';

let broker: EmbeddedBroker;
let dir: string;

beforeAll(async () => {
  broker = await startEmbeddedBroker(0);
  dir = await mkdtemp(join(tmpdir(), 'iot-evict-'));
});
afterAll(async () => {
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

it('evicts a quiet sensor after the TTL, saves its state and continues it exactly when it returns', async () => {
  const sensors = plant(['quiet', 'busy'], 80);
  const [quiet, busy] = sensors as [PlantSensor, PlantSensor];
  const reference = referenceScores(loadSensorModel(), sensors);
  let clock = 0;
  const observer = await Observer.connect(broker.url, 'obs-evict');
  const gateway = await startGateway({
    broker: broker.url,
    stateDir: join(dir, 'ttl'),
    clientId: 'gw-evict',
    statusEveryMs: 0,
    snapshotEveryMs: 0,
    ttlMs: 1000,
    now: () => clock,
    log: () => {},
  });
  const device = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'dev-evict' });
  try {
    await publishSamples(device, sensors, 0, 40);
    await observer.until(() => observer.hasScores(sensors, 40));
    clock = 5000; // 'quiet' goes silent for longer than the TTL; 'busy' keeps publishing
    await publishSamples(device, [busy], 40, 60);
    await observer.until(() => observer.hasScores([busy], 60));
    await gateway.snapshot();
    expect(gateway.status().sensors).toEqual({ live: 1, dormant: 1 });

    await publishSamples(device, [quiet], 40, 80); // back: its state comes from the saved bytes
    await publishSamples(device, [busy], 60, 80);
    await observer.until(() => observer.hasScores(sensors, 80));
    expect(gateway.status().sensors).toEqual({ live: 2, dormant: 0 });
  } finally {
    await device.endAsync();
    await gateway.stop();
    await observer.close();
  }
  // Every score, before and after the eviction, equals the uninterrupted library run's.
  const ref = await reference;
  for (const s of sensors) {
    for (let k = 0; k < 80; k++) {
      const got = observer.scores.get(s.id)!.get(T0 + k * STEP_MS)!;
      expect(got.length).toBe(1);
      expect(Math.abs(got[0]!.score - ref.get(s.id)![k]!.score), `${s.id} sample ${k}`).toBeLessThanOrEqual(
        1e-6,
      );
    }
  }
});

it('refuses a snapshot of another model with E_SNAPSHOT, keeps the file aside and starts afresh', async () => {
  const stateDir = join(dir, 'other');
  const store = new DirectoryStore(stateDir);
  await store.load('any'); // creates the folder
  await store.save({ v: 1, modelId: 'another-model', journal: 1, savedAt: 0, sensors: {} });
  const logs: string[] = [];
  const gateway = await startGateway({
    broker: broker.url,
    stateDir,
    clientId: 'gw-other',
    statusEveryMs: 0,
    snapshotEveryMs: 0,
    log: (l) => logs.push(l),
  });
  try {
    expect(logs.join('\n')).toMatch(
      /\[E_SNAPSHOT\] .*taken with model 'another-model', but the gateway runs model/,
    );
    const files = await readdir(stateDir);
    expect(files.some((f) => f.startsWith(`${SNAPSHOT_FILE}.rejected-`))).toBe(true);
    expect(gateway.status().sensors).toEqual({ live: 0, dormant: 0 });
  } finally {
    await gateway.stop();
  }
  // The fresh start wrote a snapshot of its own model.
  expect((await new DirectoryStore(stateDir).load(gateway.model.modelId))?.modelId).toBe(
    gateway.model.modelId,
  );
});
