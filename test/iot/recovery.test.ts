/**
 * `kill -9` of the gateway process mid-run, then a restart on the same state directory, against
 * mosquitto: the scores after recovery must equal an uninterrupted run's (the library's scores of the
 * same samples), every sample must be scored, and the counts of lost and duplicated samples are
 * measured and printed.
 *
 * The devices keep publishing (QoS 1) while the gateway is dead; the broker queues them for the
 * gateway's persistent session. Snapshots fall every 37 accepted samples; the kill comes after 12 more
 * samples are scored on top of the snapshot at 111, once that is on disk, so the journal must carry
 * at least those.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { startGatewayProcess } from './gateway-process.js';
import type { GatewayProcess } from './gateway-process.js';
import { startMosquitto } from './mosquitto.js';
import type { Mosquitto } from './mosquitto.js';
import { Observer, STEP_MS, T0, plant, publishSamples, referenceScores } from './plant.js';

const SAMPLES = 120;
/** Samples 0…KILL_AT are published first; the gateway is killed once they are all scored. */
const KILL_AT = 30;
/** Samples before this one (4 × 28 = 112 accepted) include the 111th, which starts a snapshot. */
const SNAPSHOT_AT = 28;
const SPIKE = { sensor: 'm-2', sample: 90, channel: 0, offset: 40 };
const sensors = plant(['m-0', 'm-1', 'm-2', 'm-3'], SAMPLES, SPIKE);

let mosquitto: Mosquitto;
let stateDir: string;
let observer: Observer;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  mosquitto = await startMosquitto();
  stateDir = await mkdtemp(join(tmpdir(), 'iot-recovery-'));
  observer = await Observer.connect(mosquitto.url);
});
afterAll(async () => {
  for (const g of running) {
    try {
      process.kill(g.pid, 'SIGKILL');
    } catch {
      // already gone: the test ended it
    }
  }
  await observer?.close();
  await mosquitto?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** The journal generations in the state directory (`journal-<gen>.jsonl`), ascending. */
async function journalGenerations(): Promise<number[]> {
  return (await readdir(stateDir))
    .map((n) => /^journal-(\d+)\.jsonl$/.exec(n)?.[1])
    .filter((g): g is string => g !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Polls `check` every 20 ms until it holds (bounded by the test's timeout). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

const args = (): string[] => [
  '--broker',
  mosquitto.url,
  '--state',
  stateDir,
  '--snapshot-every-samples',
  '37',
  '--snapshot-every-ms',
  '0',
  '--status-every-ms',
  '0',
];

it('continues after kill -9 as if uninterrupted: no sample lost, duplicates counted', async () => {
  const reference = referenceScores(loadSensorModel(), sensors);
  const first = await startGatewayProcess(args());
  running.push(first);
  const device = await mqtt.connectAsync(mosquitto.url, {
    protocolVersion: 4,
    clientId: 'devices',
    clean: false,
  });
  // Samples 0…SNAPSHOT_AT - 1 (4 × 28 = 112 accepted: the 111th starts a snapshot), then wait until
  // that snapshot is on disk (its journal generation is the only one left), then samples
  // SNAPSHOT_AT…KILL_AT (12 more), scored, then the kill. Those 12 are in the journal after the
  // snapshot, so the restart must replay them. (A snapshot takes each sensor's record once it is
  // idle, so one still running when later samples arrive may include them; waiting for it to finish
  // is what makes the replay certain.)
  const journalsBefore = await journalGenerations();
  await publishSamples(device, sensors, 0, SNAPSHOT_AT);
  await observer.until(() => observer.hasScores(sensors, SNAPSHOT_AT));
  await until(async () => {
    const gens = await journalGenerations();
    return gens.length === 1 && gens[0]! > Math.max(...journalsBefore);
  });
  await publishSamples(device, sensors, SNAPSHOT_AT, KILL_AT + 1);
  await observer.until(() => observer.hasScores(sensors, KILL_AT + 1));
  process.kill(first.pid, 'SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  const scoredBeforeKill = [...observer.scores.values()].reduce((n, byT) => n + byT.size, 0);

  // The rest reaches the broker while the gateway is dead.
  await publishSamples(device, sensors, KILL_AT + 1, SAMPLES);
  const second = await startGatewayProcess(args());
  running.push(second);
  const lastT = T0 + (SAMPLES - 1) * STEP_MS;
  await observer.until(() => sensors.every((s) => observer.scores.get(s.id)?.has(lastT)));
  process.kill(second.pid, 'SIGTERM');
  const end = await second.exited;
  expect(end, `the restarted gateway's exit after SIGTERM; its log:\n${second.log.join('\n')}`).toEqual({
    code: 0,
    signal: null,
  });
  await observer.until(() => observer.status !== undefined);
  await device.endAsync();

  const ref = await reference;
  let lost = 0;
  let duplicated = 0;
  let worst = 0;
  for (const s of sensors) {
    const byT = observer.scores.get(s.id)!;
    for (let k = 0; k < SAMPLES; k++) {
      const got = byT.get(T0 + k * STEP_MS);
      if (got === undefined) {
        lost++;
        continue;
      }
      duplicated += got.length - 1;
      for (const m of got) {
        worst = Math.max(
          worst,
          Math.abs(m.score - ref.get(s.id)![k]!.score) / Math.max(1, ref.get(s.id)![k]!.score),
        );
      }
    }
  }
  const status = observer.status!;
  console.log(
    `kill -9 after ${scoredBeforeKill} of ${sensors.length * SAMPLES} samples scored: ` +
      `${lost} lost, ${duplicated} scores published twice (journal replay), ` +
      `${status.refused.duplicate} redeliveries refused as duplicates, ${status.replayed} replayed; ` +
      `worst relative score difference to an uninterrupted run ${worst.toExponential(2)}`,
  );
  expect(lost).toBe(0);
  // Journal records after the last snapshot are re-scored at restart and published again when the
  // first process had published them already: duplicates on the score topic, never in the state.
  expect(duplicated).toBeLessThanOrEqual(status.replayed);
  expect(worst).toBeLessThanOrEqual(1e-6);
  expect(status.refused['time-backwards']).toBe(0);
  // The spike after the restart still alarms, on its channel.
  expect(observer.alarms.get(SPIKE.sensor)?.[0]).toMatchObject({
    state: 'open',
    since: T0 + SPIKE.sample * STEP_MS,
    channel: 'current',
  });
  // How many sensors the last snapshot held depends on where the kill fell (a snapshot still being
  // written when the process died does not count); the journal covers the rest either way.
  expect(second.log.join('\n')).toMatch(
    /restored [0-4] sensors from the snapshot, replayed \d+ journal records/,
  );
  expect(status.replayed).toBeGreaterThan(0);
});
