/** The NATS telemetry check (seq here, the rest by the MQTT gateway's) and the partition snapshot codec. */
import { describe, expect, it } from 'vitest';
import { parseNatsTelemetry } from '../../demo/iot/nats/payload.js';
import { decodeSnapshot, emptySnapshot, encodeSnapshot } from '../../demo/iot/nats/snapshot.js';
import { encode } from '../../demo/iot/gateway/codec.js';

const bytes = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));
const sample = { t: 1000, current: 1, temperature: 2, vibration: 3, pressure: 4 };

describe('parseNatsTelemetry', () => {
  it('accepts the MQTT contract plus seq, with the channels in the model order', () => {
    const r = parseNatsTelemetry('s-1', bytes({ ...sample, seq: 7 }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.seq).toBe(7);
      expect(r.sample.t).toBe(1000);
      expect([...r.sample.values]).toEqual([1, 2, 3, 4]);
    }
  });

  it.each([
    ['missing', { ...sample }],
    ['zero', { ...sample, seq: 0 }],
    ['fractional', { ...sample, seq: 1.5 }],
    ['a string', { ...sample, seq: '3' }],
  ])('refuses a seq that is %s as bad-seq, naming the sensor', (_, body) => {
    const r = parseNatsTelemetry('s-2', bytes(body));
    expect(r).toMatchObject({ ok: false, reason: 'bad-seq' });
    if (!r.ok) expect(r.message).toContain("sensor 's-2'");
  });

  it("keeps the MQTT gateway's reasons for the rest", () => {
    expect(parseNatsTelemetry('s-3', new TextEncoder().encode('{oops'))).toMatchObject({
      reason: 'not-json',
    });
    expect(parseNatsTelemetry('s-3', bytes([1, 2]))).toMatchObject({ reason: 'not-object' });
    expect(parseNatsTelemetry('s-3', bytes({ ...sample, seq: 1, extra: 1 }))).toMatchObject({
      reason: 'unknown-field',
    });
    const { pressure: _, ...noPressure } = sample;
    expect(parseNatsTelemetry('s-3', bytes({ ...noPressure, seq: 1 }))).toMatchObject({
      reason: 'missing-channel',
    });
    expect(parseNatsTelemetry('s-3', new Uint8Array(5000))).toMatchObject({ reason: 'too-large' });
  });
});

describe('partition snapshots', () => {
  it('round-trips', () => {
    const s = { ...emptySnapshot('m1', 3, 'gw'), streamSeq: 42 };
    expect(decodeSnapshot(encodeSnapshot(s), 'm1', 3)).toEqual(s);
  });

  it.each([
    ['truncated bytes', encodeSnapshot(emptySnapshot('m1', 3, 'gw')).subarray(0, 20), /corrupt msgpack/],
    ['another partition', encode(emptySnapshot('m1', 4, 'gw')), /expected partition 3, got 4/],
    ['another model', encode(emptySnapshot('m2', 3, 'gw')), /model: expected 'm1', got 'm2'/],
    ['a non-object', encode(7), /expected a snapshot object/],
    ['another version', encode({ ...emptySnapshot('m1', 3, 'gw'), v: 9 }), /version: expected 1, got 9/],
  ])('refuses %s with E_SNAPSHOT naming the partition', (_, b, why) => {
    expect(() => decodeSnapshot(b, 'm1', 3)).toThrow(why);
    try {
      decodeSnapshot(b, 'm1', 3);
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_SNAPSHOT' });
      expect((e as Error).message).toContain('partition 3');
    }
  });
});
