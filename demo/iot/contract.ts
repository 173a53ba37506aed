/**
 * The MQTT topic contract of the IoT demo, shared by the gateway, the simulator, the dashboard and the
 * tests (browser-safe: no Node built-ins). `demo/iot/README.md` documents the same contract for other
 * tools; change both together.
 *
 * - `gru/<sensor>/telemetry` (in, QoS 1): {@link Telemetry}
 * - `gru/<sensor>/score` (out, QoS 0, every accepted sample): {@link ScoreMessage}
 * - `gru/<sensor>/alarm` (out, QoS 1, retained, on each episode change): {@link AlarmMessage}
 * - `gru/$gateway/status` (out, QoS 1, retained, periodically): {@link GatewayStatus}
 */

/** The sensor model's channels, in the model's order. */
export const CHANNELS = ['current', 'temperature', 'vibration', 'pressure'] as const;
export type Channel = (typeof CHANNELS)[number];

export const TOPIC_ROOT = 'gru';
export const TELEMETRY_FILTER = `${TOPIC_ROOT}/+/telemetry`;
export const SCORE_FILTER = `${TOPIC_ROOT}/+/score`;
export const ALARM_FILTER = `${TOPIC_ROOT}/+/alarm`;
export const STATUS_TOPIC = `${TOPIC_ROOT}/$gateway/status`;

/** Sensor ids: 1–64 of letters, digits, `.`, `_`, `-` (so never `$…`, `+`, `#` or `/`). */
export const SENSOR_ID = /^[A-Za-z0-9._-]{1,64}$/;

export const telemetryTopic = (sensor: string): string => `${TOPIC_ROOT}/${sensor}/telemetry`;
export const scoreTopic = (sensor: string): string => `${TOPIC_ROOT}/${sensor}/score`;
export const alarmTopic = (sensor: string): string => `${TOPIC_ROOT}/${sensor}/alarm`;

/** `gru/<sensor>/<kind>` → its parts, or undefined for another shape. */
export function parseTopic(topic: string): { sensor: string; kind: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== TOPIC_ROOT) return undefined;
  return { sensor: parts[1]!, kind: parts[2]! };
}

/** One sample of one sensor: `t` as an ISO 8601 string or epoch milliseconds, the 4 channels as numbers. */
export interface Telemetry {
  t: string | number;
  current: number;
  temperature: number;
  vibration: number;
  pressure: number;
}

/** The gateway's answer to one accepted sample. */
export interface ScoreMessage {
  /** The sample's time, epoch milliseconds (an ISO `t` is converted). */
  t: number;
  /** Anomaly score: max over channels of the smoothed squared normalised forecast error (≈ 1 when normal). */
  score: number;
  /** The channel reaching that maximum. */
  channel: Channel;
  /** True when past warm-up and `score ≥ threshold`. */
  alarm: boolean;
  /** The model's forecast of the sensor's NEXT sample, in the channels' own units. */
  forecast: Record<Channel, number>;
}

/** An anomaly episode of one sensor (retained: the last state stays on the broker). */
export interface AlarmMessage {
  state: 'open' | 'closed';
  /** Time of the episode's first alarm sample, epoch ms. */
  since: number;
  /** Time of its last alarm sample so far, epoch ms. */
  until: number;
  /** Highest score in the episode so far. */
  peak: number;
  /** The channel of that peak. */
  channel: Channel;
}

/** Why a telemetry message was refused (counted per reason on the status topic). */
export const REFUSAL_REASONS = [
  /** The topic's sensor id is not a valid id. */
  'bad-sensor-id',
  /** The payload is larger than the limit (4 KiB). */
  'too-large',
  /** The payload is not UTF-8 JSON. */
  'not-json',
  /** The payload is JSON but not an object. */
  'not-object',
  /** A field other than `t` and the channels. */
  'unknown-field',
  /** `t` missing, or neither an ISO 8601 string nor finite epoch milliseconds. */
  'bad-time',
  /** A channel is missing. */
  'missing-channel',
  /** A channel is not a finite number. */
  'non-finite',
  /** `t` is before the sensor's last accepted sample. */
  'time-backwards',
  /** `t` equals the sensor's last accepted sample (e.g. a QoS 1 redelivery). */
  'duplicate',
  /** The engine refused the sample's chunk (capacity, stream error). */
  'engine',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The gateway's retained status. */
export interface GatewayStatus {
  /** When it was published, epoch ms. */
  t: number;
  /** Gateway start, epoch ms. */
  startedAt: number;
  sensors: {
    /** Streams open in the engine. */
    live: number;
    /** Known sensors whose state is saved but not in the engine (evicted after the TTL, or restored). */
    dormant: number;
  };
  /** Accepted samples per second over the last status interval. */
  samplesPerSecond: number;
  /** Accepted samples since start. */
  accepted: number;
  /** Refused payloads since start, per reason (every reason present, 0 when none). */
  refused: Record<RefusalReason, number>;
  /** Receipt → score published, over the last status interval, milliseconds (0 when no sample). */
  lagMs: { p50: number; p99: number; max: number };
  /** Samples received and not yet scored. */
  backlog: number;
  /** The last snapshot written: when (epoch ms), how many sensors, how long it took (ms); null before any. */
  snapshot: { at: number; sensors: number; ms: number } | null;
  /** Journal records replayed at start (samples after the restored snapshot). */
  replayed: number;
  model: {
    id: string;
    /** Score at which a sample alarms. */
    threshold: number;
    /** Per channel, the forecast residual's normal std in the channel's units (for a forecast band). */
    sigma: Record<Channel, number>;
  };
}
