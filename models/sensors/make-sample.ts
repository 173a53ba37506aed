/**
 * Writes the bundled sample `samples/plant.csv` (4 sensors × 2 days at 5-minute samples, rows in time
 * order, all sensors interleaved as a live feed would deliver them) and the ground truth beside it,
 * `samples/plant.events.json`.
 *
 *   npx tsx models/sensors/make-sample.ts
 *
 * The series come from the generator with seeds of their own (outside every training, calibration
 * and test range) and a higher anomaly rate than the test split, so two days hold several events;
 * the generator puts none in the first day. Seeds are taken in order from {@link FIRST_SEED}, each kept
 * when it adds an anomaly kind not yet in the sample, until every kind is in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  CHANNELS,
  generateSeries,
  SAMPLES_PER_DAY,
  type AnomalyKind,
  type SensorSeries,
} from './generator.js';
import { SAMPLE_MINUTES } from './data.js';

const FIRST_SEED = 900_000;
const SENSORS = ['pump-1', 'pump-2', 'fan-3', 'compressor-4'];
const DAYS = 2;
const RATE = 4;
const START = Date.UTC(2024, 2, 4, 0, 0, 0);
/** Decimals per channel in the CSV: finer than each channel's noise. */
const DECIMALS = [3, 3, 4, 4];

export interface SampleEvent {
  sensor: string;
  kind: AnomalyKind;
  channel: string;
  /** Time of the first anomalous sample. */
  start: string;
  /** Time of the last anomalous sample (inclusive). */
  end: string;
  /** The same as 0-based sample indices of the sensor's stream (end inclusive). */
  startSample: number;
  endSample: number;
}

export function sampleTime(i: number): string {
  return new Date(START + i * SAMPLE_MINUTES * 60_000).toISOString().replace('.000Z', 'Z');
}

function pickSeries(): { seed: number; series: SensorSeries }[] {
  const picked: { seed: number; series: SensorSeries }[] = [];
  const kinds = new Set<AnomalyKind>();
  for (let seed = FIRST_SEED; picked.length < SENSORS.length; seed++) {
    const series = generateSeries({ length: DAYS * SAMPLES_PER_DAY, anomalyRate: RATE, seed });
    const adds = series.events.some((e) => !kinds.has(e.kind));
    const left = SENSORS.length - picked.length;
    // Keep a seed that adds a kind; once every kind is in, take the next seeds with any events.
    if (adds || (kinds.size === 6 && series.events.length > 0) || seed > FIRST_SEED + 10_000 * left) {
      picked.push({ seed, series });
      for (const e of series.events) kinds.add(e.kind);
    }
  }
  return picked;
}

function main(): void {
  const picked = pickSeries();
  const lines = ['time,sensor,current,temperature,vibration,pressure'];
  const length = DAYS * SAMPLES_PER_DAY;
  for (let t = 0; t < length; t++) {
    picked.forEach(({ series }, k) => {
      const v = CHANNELS.map((_, c) => series.values[t * CHANNELS.length + c]!.toFixed(DECIMALS[c]!));
      lines.push(`${sampleTime(t)},${SENSORS[k]},${v.join(',')}`);
    });
  }
  const events: SampleEvent[] = picked.flatMap(({ series }, k) =>
    series.events.map((e) => ({
      sensor: SENSORS[k]!,
      kind: e.kind,
      channel: CHANNELS[e.channel]!,
      start: sampleTime(e.start),
      end: sampleTime(e.end - 1),
      startSample: e.start,
      endSample: e.end - 1,
    })),
  );
  const dir = new URL('samples/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('plant.csv', dir), `${lines.join('\n')}\n`);
  const truth = {
    description:
      'Ground truth of plant.csv: anomaly events injected by models/sensors/generator.ts (end inclusive).',
    seeds: Object.fromEntries(picked.map(({ seed }, k) => [SENSORS[k]!, seed])),
    anomalyRatePer1000: RATE,
    events,
  };
  writeFileSync(new URL('plant.events.json', dir), `${JSON.stringify(truth, null, 2)}\n`);
  console.log(
    `plant.csv: ${lines.length - 1} rows, ${SENSORS.length} sensors × ${length} samples; ${events.length} events: ` +
      events.map((e) => `${e.sensor} ${e.kind}/${e.channel}`).join(', '),
  );
}

main();
