/**
 * A plant of N simulated sensors publishing telemetry over MQTT (QoS 1, persistent session
 * `clean: false`), from the sensor model's own generator (`models/sensors/generator.ts`): daily
 * cycles, drift, coupled channels, noise, and anomaly events of six kinds at random times.
 *
 * Each sensor publishes `rate` samples per second, spread evenly over the period (sensor i of N at
 * offset i/N). A sample's `t` is the wall clock at publication (epoch ms), so the gateway's lag and a
 * benchmark's latency can be read off it. The generator's series are made `blockSamples` at a time
 * (a new seed per block; the step between blocks is not an anomaly event of the generator).
 *
 * `npx tsx demo/iot/simulator.ts --broker mqtt://127.0.0.1:1883 --sensors 100 --rate 1` (also
 * `--seed N`, `--client-id ID`, `--block-samples N`, `--anomaly-rate R`; prints `simulating …` once
 * connected).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { generateSeries } from '../../models/sensors/generator.js';
import type { AnomalyEvent } from '../../models/sensors/generator.js';
import { CHANNELS, telemetryTopic } from './contract.js';

export interface SimulatorOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  broker: string;
  /** Number of sensors (ids `sensor-0001`…). Default 100. */
  sensors?: number;
  /** Samples per second per sensor. Default 1. */
  rateHz?: number;
  /** Seed of the whole plant. Default 1. */
  seed?: number;
  /** Anomaly events per 1,000 samples per sensor (the generator's rate). Default 2. */
  anomalyRate?: number;
  /** Samples generated per block per sensor. Default 1,152 (4 days at 5 minutes). */
  blockSamples?: number;
  /** MQTT client id of the persistent session. Default `gru-simulator`. */
  clientId?: string;
  /** Called when a sensor's anomaly event starts (e.g. to print it). */
  onAnomaly?: (sensor: string, event: AnomalyEvent) => void;
}

export interface Simulator {
  /** Samples published so far. */
  readonly published: number;
  readonly sensorIds: readonly string[];
  stop(): Promise<void>;
}

interface SimSensor {
  id: string;
  index: number;
  block: number;
  k: number;
  /** Time of its last sample, epoch ms: each sample's is later, even when a late tick catches up. */
  lastT: number;
  values: Float32Array;
  events: AnomalyEvent[];
}

export const sensorId = (i: number): string => `sensor-${String(i + 1).padStart(4, '0')}`;

/** Connects and starts publishing; resolves once connected. */
export async function startSimulator(o: SimulatorOptions): Promise<Simulator> {
  const n = o.sensors ?? 100;
  const rate = o.rateHz ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sensors: expected an integer ≥ 1, got ${n}`);
  if (!(rate > 0 && rate <= 1000)) throw new Error(`rate: expected Hz in (0, 1000], got ${rate}`);
  const seed = o.seed ?? 1;
  const blockSamples = o.blockSamples ?? 1152;
  const makeBlock = (s: SimSensor): void => {
    const series = generateSeries({
      seed: seed * 1_000_003 + s.index * 1009 + s.block,
      length: blockSamples,
      anomalyRate: o.anomalyRate ?? 2,
    });
    s.values = series.values;
    s.events = series.events;
    s.k = 0;
  };
  const sensors: SimSensor[] = Array.from({ length: n }, (_, i) => {
    const s: SimSensor = {
      id: sensorId(i),
      index: i,
      block: 0,
      k: 0,
      lastT: 0,
      values: new Float32Array(),
      events: [],
    };
    makeBlock(s);
    return s;
  });
  const client: MqttClient = await mqtt.connectAsync(o.broker, {
    clientId: o.clientId ?? 'gru-simulator',
    clean: false,
    protocolVersion: 4,
  });
  const periodMs = 1000 / rate;
  const started = performance.now();
  let next = 0; // the (round × n + sensor)-th publication is due at started + (round + sensor/n) × period
  let published = 0;
  const tick = (): void => {
    const now = performance.now();
    while (started + (Math.floor(next / n) + (next % n) / n) * periodMs <= now) {
      const s = sensors[next % n]!;
      next++;
      if (s.k >= blockSamples) {
        s.block++;
        makeBlock(s);
      }
      const v = s.values.subarray(s.k * 4, s.k * 4 + 4);
      const event = s.events.find((e) => e.start === s.k);
      if (event) o.onAnomaly?.(s.id, event);
      s.k++;
      s.lastT = Math.max(Date.now(), s.lastT + 1);
      const body: Record<string, number> = { t: s.lastT };
      for (let c = 0; c < CHANNELS.length; c++) body[CHANNELS[c]!] = Number(v[c]!.toFixed(4));
      client.publish(telemetryTopic(s.id), JSON.stringify(body), { qos: 1 });
      published++;
    }
  };
  const timer = setInterval(tick, Math.max(1, Math.min(20, periodMs / 4)));
  return {
    get published() {
      return published;
    },
    sensorIds: sensors.map((s) => s.id),
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      sensors: { type: 'string', default: '100' },
      rate: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      'client-id': { type: 'string', default: 'gru-simulator' },
      'block-samples': { type: 'string', default: '1152' },
      'anomaly-rate': { type: 'string', default: '2' },
    },
  });
  const sim = await startSimulator({
    broker: values.broker,
    sensors: Number(values.sensors),
    rateHz: Number(values.rate),
    seed: Number(values.seed),
    clientId: values['client-id'],
    blockSamples: Number(values['block-samples']),
    anomalyRate: Number(values['anomaly-rate']),
    onAnomaly: (id, e) =>
      console.log(`${id}: ${e.kind} on ${CHANNELS[e.channel]} for ${e.end - e.start} samples`),
  });
  console.log(
    `simulating ${values.sensors} sensors at ${values.rate} Hz into ${values.broker}; Ctrl-C stops`,
  );
  const stop = (): void => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(`simulator: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
