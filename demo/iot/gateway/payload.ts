/**
 * Checks one telemetry message. Every refusal has a code from the contract's `REFUSAL_REASONS` and a
 * message naming the sensor, what was expected and what came; the caller counts it and moves on.
 */
import { CHANNELS, SENSOR_ID } from '../contract.js';
import type { RefusalReason } from '../contract.js';

/** Largest payload accepted, bytes: a sample is ~100 bytes of JSON, so 4 KiB leaves ample room. */
export const MAX_PAYLOAD_BYTES = 4096;

const ALLOWED = new Set<string>(['t', ...CHANNELS]);

/** An accepted sample: time (epoch ms) and the channels in the model's order, in their own units. */
export interface Sample {
  t: number;
  values: Float64Array;
}

export type Parsed = { ok: true; sample: Sample } | { ok: false; reason: RefusalReason; message: string };

const refuse = (reason: RefusalReason, message: string): Parsed => ({ ok: false, reason, message });

/**
 * Parses a telemetry payload of `sensor` (see `Telemetry` in the contract). Time order against the
 * sensor's previous sample is the session's check, not this one's.
 */
export function parseTelemetry(sensor: string, payload: Uint8Array): Parsed {
  if (!SENSOR_ID.test(sensor)) {
    return refuse('bad-sensor-id', `sensor id '${sensor.slice(0, 80)}': expected 1–64 of [A-Za-z0-9._-]`);
  }
  const where = `sensor '${sensor}'`;
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return refuse(
      'too-large',
      `${where}: payload of ${payload.length} bytes; expected ≤ ${MAX_PAYLOAD_BYTES}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (e) {
    return refuse('not-json', `${where}: payload is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return refuse('not-object', `${where}: expected a JSON object, got ${got}`);
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !ALLOWED.has(k));
  if (unknown.length > 0) {
    return refuse(
      'unknown-field',
      `${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown
        .slice(0, 5)
        .map((k) => `'${k.slice(0, 40)}'`)
        .join(', ')}; expected only t, ${CHANNELS.join(', ')}`,
    );
  }
  const t = parseTime(o.t);
  if (t === undefined) {
    return refuse(
      'bad-time',
      `${where}: t: expected an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(o.t)?.slice(0, 60)}`,
    );
  }
  const values = new Float64Array(CHANNELS.length);
  for (let c = 0; c < CHANNELS.length; c++) {
    const name = CHANNELS[c]!;
    const v = o[name];
    if (v === undefined) return refuse('missing-channel', `${where}: channel '${name}' is missing`);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return refuse(
        'non-finite',
        `${where}: channel '${name}': expected a finite number, got ${JSON.stringify(v)?.slice(0, 60)}`,
      );
    }
    values[c] = v;
  }
  return { ok: true, sample: { t, values } };
}

/** Epoch ms from an ISO 8601 string (date first) or a finite number; undefined otherwise. */
function parseTime(t: unknown): number | undefined {
  if (typeof t === 'number') return Number.isFinite(t) ? t : undefined;
  if (typeof t !== 'string' || !/^\d{4}-\d\d-\d\d/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}
