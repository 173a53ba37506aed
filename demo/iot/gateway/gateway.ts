/**
 * The MQTT gateway: telemetry in (`gru/+/telemetry`, QoS 1, persistent session), the sensor model and
 * an anomaly scorer per sensor in between ({@link Sessions}), scores, alarms and a retained status
 * out (topic contract: `../contract.ts`).
 *
 * Durability: every accepted sample is appended to the journal before its MQTT acknowledgement
 * leaves; a snapshot (all states, one consistent cut: new samples are held and journaled while the
 * engine drains) is written periodically, on shutdown and after start-up; at start the last snapshot
 * is restored and the journal after it replayed. So a `kill -9` loses no acknowledged sample, and the
 * broker redelivers the unacknowledged ones (refused as `duplicate` when already journaled).
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { createEngine, isGruStreamError } from '../../../src/node.js';
import type { EngineClient, GruStreamError } from '../../../src/node.js';
import {
  CHANNELS,
  REFUSAL_REASONS,
  STATUS_TOPIC,
  TELEMETRY_FILTER,
  alarmTopic,
  parseTopic,
  scoreTopic,
} from '../contract.js';
import type { AlarmMessage, Channel, GatewayStatus, RefusalReason, ScoreMessage } from '../contract.js';
import { parseTelemetry } from './payload.js';
import { loadSensorModel } from './sensor-model.js';
import type { SensorModel } from './sensor-model.js';
import { Sessions } from './sessions.js';
import type { Scored } from './sessions.js';
import { DirectoryStore } from './store.js';

export interface GatewayOptions {
  /** Broker URL: `mqtt://host:port` or `ws://host:port/path`. */
  broker: string;
  /** Directory of the snapshot and journal (created when missing). */
  stateDir: string;
  /** The sensor model's `.tflite` (its -b1/-b8/-b64 siblings are loaded too). Default: the shipped model. */
  model?: string;
  /** MQTT client id of the persistent session. Default `gru-gateway`. */
  clientId?: string;
  /** Snapshot period, ms (0: only at start-up and shutdown). Default 30 000. */
  snapshotEveryMs?: number;
  /** Also snapshot after every this many accepted samples (0: never). Default 0. */
  snapshotEverySamples?: number;
  /** Sensors silent for longer than this (ms, by `now`) are evicted at the next snapshot. Default 600 000. */
  ttlMs?: number;
  /** Status period, ms (0: only on {@link Gateway.publishStatus}). Default 1 000. */
  statusEveryMs?: number;
  /** Most sensors live in the engine at once. Default 100 000. */
  maxStreams?: number;
  /** The clock of the TTL, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Where log lines go. Default `console.error`. */
  log?: (line: string) => void;
  /** Called when the engine fails as a whole; the gateway cannot go on. Default: log and exit(1). */
  onFatal?: (error: unknown) => void;
}

export interface Gateway {
  readonly model: SensorModel;
  /** The status as it would be published now. */
  status(): GatewayStatus;
  publishStatus(): Promise<void>;
  /** Evicts idle sensors and writes a snapshot (one at a time; a call during one waits for it). */
  snapshot(): Promise<void>;
  /** Snapshot, disconnect, stop the engine. */
  stop(): Promise<void>;
}

/** Refusals logged per status interval at most; the rest are only counted. */
const LOGGED_REFUSALS = 10;

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const log = o.log ?? ((line: string) => console.error(line));
  const now = o.now ?? Date.now;
  const model = loadSensorModel(o.model);
  const store = new DirectoryStore(o.stateDir);
  let saved;
  try {
    saved = await store.load(model.modelId);
  } catch (e) {
    if (!isGruStreamError(e) || e.code !== 'E_SNAPSHOT') throw e;
    log(
      `gateway: [E_SNAPSHOT] ${e.message}; starting afresh, the file is kept as ${await store.setAside(now())}`,
    );
  }
  const engine: EngineClient = await createEngine({
    models: model.files,
    maxStreams: o.maxStreams ?? 100_000,
    // A minute, not the default 10 s: on a starved machine a burst of thousands of new streams can
    // take longer than 10 s, and a missed deadline ends the engine (and this gateway).
    callTimeoutMs: 60_000,
  });

  // The journal after the snapshot is replayed (below) in the same tick as the connection starts, and
  // the message handler is on before any message can arrive: nothing is acknowledged unjournaled.
  const { records, torn } = await store.readJournal(saved?.journal ?? 0);
  const gens = await store.journals();
  store.startJournal(Math.max(saved?.journal ?? 0, ...gens) + 1);
  const client: MqttClient = mqtt.connect(o.broker, {
    clientId: o.clientId ?? 'gru-gateway',
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1000,
  });
  client.on('message', (topic, payload) => onMessage(topic, payload));
  const startedAt = now();
  const refused = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;
  let accepted = 0;
  let acceptedAtStatus = 0;
  let statusAt = performance.now();
  let lags: number[] = [];
  let loggedRefusals = 0;
  let lastSnapshot: GatewayStatus['snapshot'] = null;

  const sigma = Object.fromEntries(
    CHANNELS.map((c, k) => [c, model.scorer.residualStd[k]! * model.std[k]!]),
  ) as Record<Channel, number>;

  const logError = (what: string) => (e: unknown) =>
    log(`gateway: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  const refuse = (reason: RefusalReason, message: string): void => {
    refused[reason]++;
    if (loggedRefusals++ < LOGGED_REFUSALS) log(`gateway: refused [${reason}] ${message}`);
  };
  const publishScored = (s: Scored): void => {
    lags.push(s.lagMs);
    const forecast = {} as Record<Channel, number>;
    for (let k = 0; k < CHANNELS.length; k++) {
      forecast[CHANNELS[k]!] = s.forecast[k]! * model.std[k]! + model.mean[k]!;
    }
    const msg: ScoreMessage = {
      t: s.t,
      score: s.result.score,
      channel: CHANNELS[s.result.channel]!,
      alarm: s.result.alarm,
      forecast,
    };
    client.publish(scoreTopic(s.sensor), JSON.stringify(msg), { qos: 0 });
    if (s.alarm) {
      const a = s.alarm.episode;
      const alarm: AlarmMessage = {
        state: s.alarm.state,
        since: a.since,
        until: a.until,
        peak: a.peak,
        channel: CHANNELS[a.channel]!,
      };
      client.publish(alarmTopic(s.sensor), JSON.stringify(alarm), { qos: 1, retain: true });
    }
  };
  const fatal =
    o.onFatal ??
    ((e: unknown) => {
      log(`gateway: the engine failed, stopping: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    });
  const sessions = new Sessions(engine, model, {
    scored: publishScored,
    refused: (sensor: string, e: GruStreamError) =>
      refuse('engine', `sensor '${sensor}': [${e.code}] ${e.message}`),
    fatal,
  });
  for (const [id, r] of Object.entries(saved?.sensors ?? {})) sessions.addSaved(id, r);

  let snapshotting: Promise<void> | undefined;
  const snapshot = (): Promise<void> =>
    (snapshotting ??= (async () => {
      const started = performance.now();
      // Samples accepted from here on go to the next journal generation. Every sample of the older
      // ones is in the records taken below (each taken once its sensor is idle), so once the
      // snapshot is on disk they go; the replay skips per sensor what a record already includes.
      const gen = store.generation + 1;
      store.startJournal(gen);
      try {
        await sessions.evictIdle(now() - (o.ttlMs ?? 600_000));
        const sensors = await sessions.records();
        await store.save({ v: 1, modelId: model.modelId, journal: gen, savedAt: now(), sensors });
        await store.dropJournalsBefore(gen);
        lastSnapshot = { at: now(), sensors: Object.keys(sensors).length, ms: performance.now() - started };
      } finally {
        snapshotting = undefined;
      }
    })());

  /**
   * The accept path shared by MQTT messages and the journal replay (`replay`: a record the sensor's
   * snapshot already includes is skipped silently, not refused).
   */
  const accept = (sensor: string, t: number, values: ArrayLike<number>, replay = false): boolean => {
    const last = sessions.lastTime(sensor);
    if (last !== undefined && t <= last) {
      if (replay) return false;
      refuse(
        t === last ? 'duplicate' : 'time-backwards',
        `sensor '${sensor}': t ${new Date(t).toISOString()} is not after its last sample ${new Date(last).toISOString()}`,
      );
      return false;
    }
    store.append(sensor, t, values);
    sessions.accept(sensor, t, values, now());
    accepted++;
    if (o.snapshotEverySamples && accepted % o.snapshotEverySamples === 0) {
      snapshot().catch(logError('snapshot'));
    }
    return true;
  };
  const onMessage = (topic: string, payload: Buffer): void => {
    const parts = parseTopic(topic);
    if (parts?.kind !== 'telemetry') return; // the subscription only delivers telemetry
    const parsed = parseTelemetry(parts.sensor, payload);
    if (!parsed.ok) refuse(parsed.reason, parsed.message);
    else accept(parts.sensor, parsed.sample.t, parsed.sample.values);
  };

  // The journal after the snapshot, replayed before any message can arrive (same tick as connect).
  let replayed = 0;
  for (const r of records) if (accept(r.sensor, r.t, r.values, true)) replayed++;
  if (saved || replayed > 0 || torn > 0) {
    log(
      `gateway: restored ${Object.keys(saved?.sensors ?? {}).length} sensors from the snapshot, ` +
        `replayed ${replayed} journal records${torn ? ` (${torn} torn line skipped)` : ''}`,
    );
  }
  client.on('error', (e) => log(`gateway: MQTT: ${e.message}`));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(TELEMETRY_FILTER, { qos: 1 });

  const status = (): GatewayStatus => {
    const sorted = Float64Array.from(lags).sort();
    const q = (p: number): number =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : 0;
    const seconds = (performance.now() - statusAt) / 1000;
    return {
      t: now(),
      startedAt,
      sensors: sessions.size,
      samplesPerSecond: seconds > 0 ? (accepted - acceptedAtStatus) / seconds : 0,
      accepted,
      refused: { ...refused },
      lagMs: { p50: q(0.5), p99: q(0.99), max: sorted.length ? sorted[sorted.length - 1]! : 0 },
      backlog: sessions.backlog,
      snapshot: lastSnapshot,
      replayed,
      model: { id: model.modelId, threshold: model.scorer.threshold, sigma },
    };
  };
  const publishStatus = async (): Promise<void> => {
    const s = status();
    lags = [];
    acceptedAtStatus = accepted;
    statusAt = performance.now();
    loggedRefusals = 0;
    await client.publishAsync(STATUS_TOPIC, JSON.stringify(s), { qos: 1, retain: true });
  };
  await snapshot(); // covers the replayed samples: the old journals go
  const timers = [
    o.statusEveryMs !== 0 &&
      setInterval(() => publishStatus().catch(logError('status')), o.statusEveryMs ?? 1000),
    o.snapshotEveryMs !== 0 &&
      setInterval(() => snapshot().catch(logError('snapshot')), o.snapshotEveryMs ?? 30_000),
  ].filter((t) => t !== false);

  let stopped: Promise<void> | undefined;
  return {
    model,
    status,
    publishStatus,
    snapshot,
    stop: () =>
      (stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await snapshot();
        await publishStatus();
        await client.endAsync();
        store.close();
        sessions.close();
        await engine.dispose();
      })()),
  };
}
