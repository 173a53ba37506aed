/**
 * A documented generator of realistic multivariate sensor streams with labelled anomalies, for the
 * IoT anomaly model. No public sensor data set ships in a Debian or npm package we can use here, so
 * the signals are synthesized from the parts real plant telemetry is made of:
 *
 * - a daily cycle (sampling every 5 minutes: 288 samples a day) with a per-sensor phase and shape,
 * - slow trends and random-walk drift,
 * - coupled channels (current follows load, temperature lags current, vibration rises with load),
 * - measurement noise (Gaussian, with occasional heavier-tailed jitter that is *not* an anomaly).
 *
 * Anomaly events, each labelled with its start and end sample:
 * - `spike`: one to three samples far off the signal on one channel,
 * - `stuck`: one channel repeats its last value (a frozen sensor),
 * - `level-shift`: one channel jumps to a new offset and stays there for the event,
 * - `drift`: one channel ramps away from its expected value,
 * - `noise`: one channel's noise grows several-fold (a loose connector),
 * - `decouple`: temperature stops following current (a cooling fault).
 *
 * Everything is seeded: the same seed gives the same streams and labels.
 */
import { gaussian, mulberry32 } from '../../src/model/random.js';

export const CHANNELS = ['current', 'temperature', 'vibration', 'pressure'] as const;
export const SAMPLES_PER_DAY = 288;

export type AnomalyKind = 'spike' | 'stuck' | 'level-shift' | 'drift' | 'noise' | 'decouple';
export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'spike',
  'stuck',
  'level-shift',
  'drift',
  'noise',
  'decouple',
];

export interface AnomalyEvent {
  kind: AnomalyKind;
  /** Channel index (into {@link CHANNELS}). */
  channel: number;
  /** First anomalous sample. */
  start: number;
  /** One past the last anomalous sample. */
  end: number;
}

export interface SensorSeries {
  /** `length × CHANNELS.length` floats, row-major (sample, channel), in engineering units. */
  values: Float32Array;
  length: number;
  /** 1 where a sample lies inside an anomaly event. */
  labels: Uint8Array;
  events: AnomalyEvent[];
}

export interface SeriesOptions {
  /** Samples (default 4 days). */
  length?: number;
  /** Mean anomaly events per 1,000 samples (default 2; 0 for clean training data). */
  anomalyRate?: number;
  seed: number;
}

/** One sensor's multivariate series. */
export function generateSeries(o: SeriesOptions): SensorSeries {
  const length = o.length ?? 4 * SAMPLES_PER_DAY;
  const rand = mulberry32(o.seed);
  const g = gaussian(rand);
  const C = CHANNELS.length;
  const values = new Float32Array(length * C);
  const labels = new Uint8Array(length);
  // Per-sensor character: base levels, daily phase, how strongly channels couple.
  const phase = rand() * 2 * Math.PI;
  const loadAmp = 0.3 + 0.4 * rand();
  const baseCurrent = 8 + 6 * rand();
  const baseTemp = 35 + 15 * rand();
  const basePressure = 2 + rand();
  const tempGain = 0.8 + 0.8 * rand();
  const vibGain = 0.05 + 0.1 * rand();
  const trend = (rand() - 0.5) * 0.002;
  const noise = [0.08 + 0.1 * rand(), 0.1 + 0.1 * rand(), 0.01 + 0.01 * rand(), 0.01 + 0.01 * rand()];

  const events = planEvents(length, o.anomalyRate ?? 2, rand);
  for (const e of events) labels.fill(1, e.start, e.end);

  let walk = 0;
  let temp = baseTemp;
  let stuckValue = 0;
  for (let t = 0; t < length; t++) {
    const day = (2 * Math.PI * t) / SAMPLES_PER_DAY + phase;
    // Load: daily cycle with a sharper working-hours peak, plus slow random-walk drift.
    walk += g() * 0.01;
    const load = 1 + loadAmp * (Math.sin(day) + 0.35 * Math.sin(2 * day + 1)) + walk + trend * t;
    const current = baseCurrent * load;
    // Temperature follows current with a lag (first-order), as a motor heats up under load.
    const active = events.find((e) => t >= e.start && t < e.end);
    const coupled = active?.kind === 'decouple' ? 0.2 : 1;
    temp += 0.05 * (baseTemp + tempGain * coupled * (current - baseCurrent) - temp);
    const vibration = 0.5 + vibGain * current * (1 + 0.1 * Math.sin(3 * day));
    const pressure = basePressure + 0.3 * Math.sin(day + 0.7) + 0.02 * current;
    const row = [current, temp, vibration, pressure];
    for (let c = 0; c < C; c++) {
      // Heavy-tailed jitter now and then: normal for real sensors, must not count as an anomaly.
      const jitter = rand() < 0.01 ? 3 : 1;
      row[c]! += g() * noise[c]! * jitter;
    }
    if (active) {
      const c = active.channel;
      const k = (t - active.start) / Math.max(1, active.end - active.start);
      const scale = Math.abs(row[c]!) * 0.1 + 10 * noise[c]!;
      switch (active.kind) {
        case 'spike':
          row[c]! += (rand() < 0.5 ? -1 : 1) * scale * (1.5 + rand());
          break;
        case 'stuck':
          if (t === active.start) stuckValue = values[(t - 1) * C + c] ?? row[c]!;
          row[c] = stuckValue;
          break;
        case 'level-shift':
          row[c]! += scale * (active.start % 2 ? 1 : -1);
          break;
        case 'drift':
          row[c]! += scale * 1.5 * k * (active.start % 2 ? 1 : -1);
          break;
        case 'noise':
          row[c]! += g() * noise[c]! * 6;
          break;
        case 'decouple':
          break; // applied through the temperature coupling above
      }
    }
    for (let c = 0; c < C; c++) values[t * C + c] = row[c]!;
  }
  return { values, length, labels, events };
}

/** Non-overlapping events at random positions, none in the first day (models need context first). */
function planEvents(length: number, ratePer1000: number, rand: () => number): AnomalyEvent[] {
  const events: AnomalyEvent[] = [];
  const count = Math.round((length / 1000) * ratePer1000 * (0.5 + rand()));
  const earliest = Math.min(SAMPLES_PER_DAY, Math.floor(length / 2));
  for (let tries = 0; events.length < count && tries < count * 20; tries++) {
    const kind = ANOMALY_KINDS[Math.floor(rand() * ANOMALY_KINDS.length)]!;
    const duration = kind === 'spike' ? 1 + Math.floor(rand() * 3) : 12 + Math.floor(rand() * 60);
    const start = earliest + Math.floor(rand() * (length - earliest - duration));
    const end = start + duration;
    // Keep a gap between events so each one is a separate detection.
    if (events.some((e) => start < e.end + 24 && end + 24 > e.start)) continue;
    const channel = kind === 'decouple' ? 1 : Math.floor(rand() * CHANNELS.length);
    events.push({ kind, channel, start, end });
  }
  return events.sort((a, b) => a.start - b.start);
}
