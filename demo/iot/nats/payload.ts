/**
 * Checks one NATS telemetry message: the device's `seq` here, the rest by the MQTT gateway's
 * {@link parseTelemetry} (same checks, same refusal reasons), so both transports accept the same samples.
 */
import { MAX_PAYLOAD_BYTES, parseTelemetry } from '../gateway/payload.js';
import type { Sample } from '../gateway/payload.js';
import type { RefusalReason } from '../contract.js';

/** Refusal reasons of the NATS gateway: the MQTT contract's plus a bad or missing `seq`. */
export type NatsRefusalReason = RefusalReason | 'bad-seq';

export type NatsParsed =
  { ok: true; seq: number; sample: Sample } | { ok: false; reason: NatsRefusalReason; message: string };

const encoder = new TextEncoder();

/** Parses the payload of `gru.<sensor>.telemetry` (see `NatsTelemetry`). */
export function parseNatsTelemetry(sensor: string, payload: Uint8Array): NatsParsed {
  if (payload.length > MAX_PAYLOAD_BYTES) return parseTelemetry(sensor, payload) as NatsParsed;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return parseTelemetry(sensor, payload) as NatsParsed; // refuses it with the contract's reason
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return parseTelemetry(sensor, payload) as NatsParsed;
  }
  const { seq, ...rest } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    return {
      ok: false,
      reason: 'bad-seq',
      message: `sensor '${sensor.slice(0, 80)}': seq: expected an integer ≥ 1, got ${JSON.stringify(seq)?.slice(0, 40)}`,
    };
  }
  const parsed = parseTelemetry(sensor, encoder.encode(JSON.stringify(rest)));
  return parsed.ok ? { ok: true, seq, sample: parsed.sample } : parsed;
}
