/**
 * Test data and references for the IoT gateway: sensors from the model's own generator (no random
 * anomalies), one spike injected at a known sample, the scores the library gives for the same
 * samples outside MQTT, and an observer client that collects what the gateway publishes.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { lastValueFrom, from, toArray } from 'rxjs';
import { createEngine, inferMany, isChunkFailure } from '../../src/node.js';
import { AnomalyScorer } from '../../src/postprocess/index.js';
import { generateSeries } from '../../models/sensors/generator.js';
import {
  ALARM_FILTER,
  CHANNELS,
  SCORE_FILTER,
  STATUS_TOPIC,
  parseTopic,
  telemetryTopic,
} from '../../demo/iot/contract.js';
import type { AlarmMessage, GatewayStatus, ScoreMessage, Telemetry } from '../../demo/iot/contract.js';
import type { SensorModel } from '../../demo/iot/gateway/sensor-model.js';

/** 5 minutes: the model's sampling interval. */
export const STEP_MS = 300_000;
export const T0 = Date.UTC(2024, 2, 4);

export interface PlantSensor {
  id: string;
  /** `length × 4` values in the channels' units. */
  values: Float32Array;
  length: number;
}

/**
 * Clean sensors from the generator (seeds of their own); `spike` adds `offset` to one channel of one
 * sample of one sensor.
 */
export function plant(
  ids: string[],
  length: number,
  spike?: { sensor: string; sample: number; channel: number; offset: number },
): PlantSensor[] {
  return ids.map((id, i) => {
    const s = generateSeries({ seed: 910_000 + i, length, anomalyRate: 0 });
    const values = s.values.slice();
    if (spike?.sensor === id) values[spike.sample * CHANNELS.length + spike.channel]! += spike.offset;
    return { id, values, length };
  });
}

export function telemetry(s: PlantSensor, k: number): Telemetry {
  const v = s.values.subarray(k * 4, k * 4 + 4);
  return { t: T0 + k * STEP_MS, current: v[0]!, temperature: v[1]!, vibration: v[2]!, pressure: v[3]! };
}

/** Publishes samples `[from, to)` of every sensor, interleaved by sample index, QoS 1, each acknowledged. */
export async function publishSamples(
  client: MqttClient,
  sensors: PlantSensor[],
  fromSample: number,
  toSample: number,
): Promise<void> {
  for (let k = fromSample; k < toSample; k++) {
    for (const s of sensors) {
      await client.publishAsync(telemetryTopic(s.id), JSON.stringify(telemetry(s, k)), { qos: 1 });
    }
  }
}

/** Per sensor, the score of every sample and its alarm flag, by the library outside MQTT. */
export async function referenceScores(
  model: SensorModel,
  sensors: PlantSensor[],
): Promise<Map<string, { score: number; alarm: boolean }[]>> {
  const engine = await createEngine({ models: model.files });
  const out = new Map<string, { score: number; alarm: boolean }[]>();
  try {
    const frames = new Map(
      sensors.map((s) => [
        s.id,
        Float32Array.from(s.values, (x, k) => (x - model.mean[k % 4]!) / model.std[k % 4]!),
      ]),
    );
    // Each sensor's whole series as ONE chunk: another batching than the gateway's one-sample chunks.
    const predictions = await lastValueFrom(
      from(sensors.map((s) => ({ stream: s.id, frames: frames.get(s.id)!.slice() }))).pipe(
        inferMany(engine),
        toArray(),
      ),
    );
    const scorers = new Map(sensors.map((s) => [s.id, new AnomalyScorer(model.scorer)]));
    for (const p of predictions) {
      if (isChunkFailure(p)) throw p.error;
      const f = frames.get(p.stream)!;
      const r = scorers.get(p.stream)!.push(f.subarray(p.frame * 4, p.frame * 4 + 4), p.output);
      if (!out.has(p.stream)) out.set(p.stream, []);
      out.get(p.stream)![p.frame] = { score: r.score, alarm: r.alarm };
    }
  } finally {
    await engine.dispose();
  }
  return out;
}

/** What the gateway published, as an observer sees it. */
export class Observer {
  /** sensor → t → every score received for it (several when delivered twice). */
  readonly scores = new Map<string, Map<number, ScoreMessage[]>>();
  readonly alarms = new Map<string, AlarmMessage[]>();
  status: GatewayStatus | undefined;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString()) as unknown;
      if (topic === STATUS_TOPIC) this.status = body as GatewayStatus;
      else {
        const p = parseTopic(topic)!;
        if (p.kind === 'score') {
          const m = body as ScoreMessage;
          const byT = this.scores.get(p.sensor) ?? new Map<number, ScoreMessage[]>();
          this.scores.set(p.sensor, byT);
          byT.set(m.t, [...(byT.get(m.t) ?? []), m]);
        } else if (p.kind === 'alarm') {
          this.alarms.set(p.sensor, [...(this.alarms.get(p.sensor) ?? []), body as AlarmMessage]);
        }
      }
      this.waiters = this.waiters.filter((w) => {
        if (!w.check()) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async connect(url: string, clientId = 'observer'): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId, clean: true });
    const o = new Observer(client);
    await client.subscribeAsync([SCORE_FILTER, ALARM_FILTER, STATUS_TOPIC], { qos: 1 });
    return o;
  }

  /** Resolves once `check()` holds after some message (or at once); bounded by the test's timeout. */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  /** True when every sensor has a score for each of its first `n` samples. */
  hasScores(sensors: PlantSensor[], n: number): boolean {
    return sensors.every((s) => {
      const byT = this.scores.get(s.id);
      if (!byT) return n === 0;
      for (let k = 0; k < n; k++) if (!byT.has(T0 + k * STEP_MS)) return false;
      return true;
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
