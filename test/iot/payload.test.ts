/** Telemetry payload checks: every refusal reason, with a message naming the sensor and the value. */
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, parseTelemetry } from '../../demo/iot/gateway/payload.js';

const enc = (v: unknown): Uint8Array =>
  new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const good = { t: 1_700_000_000_000, current: 10.5, temperature: 41, vibration: 1.5, pressure: 2.7 };

describe('parseTelemetry', () => {
  it('accepts epoch ms and ISO times, channels in the model order', () => {
    const a = parseTelemetry('pump-1', enc(good));
    expect(a).toEqual({ ok: true, sample: { t: good.t, values: Float64Array.of(10.5, 41, 1.5, 2.7) } });
    const b = parseTelemetry('pump-1', enc({ ...good, t: '2024-03-04T10:05:00Z' }));
    expect(b.ok && b.sample.t).toBe(Date.UTC(2024, 2, 4, 10, 5));
  });

  it.each([
    ['bad-sensor-id', '$gateway', enc(good), "sensor id '$gateway'"],
    ['too-large', 'p', new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(32), `${MAX_PAYLOAD_BYTES + 1} bytes`],
    ['not-json', 'p', enc('{"t":'), 'not UTF-8 JSON'],
    ['not-json', 'p', Uint8Array.of(0x7b, 0xff, 0x7d), 'not UTF-8 JSON'],
    ['not-object', 'p', enc('42'), 'got number'],
    ['not-object', 'p', enc('null'), 'got null'],
    ['unknown-field', 'p', enc({ ...good, humidity: 3 }), "'humidity'"],
    ['bad-time', 'p', enc({ ...good, t: 'yesterday' }), '"yesterday"'],
    ['bad-time', 'p', enc({ ...good, t: undefined }), 'got undefined'],
    ['missing-channel', 'p', enc({ ...good, pressure: undefined }), "'pressure' is missing"],
    [
      'non-finite',
      'p',
      enc('{"t":1,"current":1e999,"temperature":1,"vibration":1,"pressure":1}'),
      'got null',
    ],
    [
      'non-finite',
      'p',
      enc({ ...good, vibration: 'NaN' }),
      `'vibration': expected a finite number, got "NaN"`,
    ],
    ['non-finite', 'p', enc({ ...good, current: null }), 'got null'],
  ])('refuses %s (%s)', (reason, sensor, payload, detail) => {
    const r = parseTelemetry(sensor, payload);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.message).toContain(detail);
    if (reason !== 'bad-sensor-id') expect(r.message).toContain(`sensor '${sensor}'`);
  });
});
