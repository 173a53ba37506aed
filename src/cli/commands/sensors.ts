/**
 * `sensors <file.csv> [--json] [--model <file.tflite>]`: anomaly events in a sensor CSV, through the real
 * path: CSV rows → normalised frames → RxJS `inferMany` (one stream per sensor id) → worker →
 * quantized GRU forecaster → {@link AnomalyScorer} per sensor → alarm episodes.
 *
 * CSV format: a header line naming the columns `time,sensor,current,temperature,vibration,pressure`
 * (any order; other columns are ignored), then one row per sensor and sample: `time` in ISO 8601
 * (e.g. `2024-03-04T10:05:00Z`), `sensor` an id, the four channels plain numbers. Plain comma
 * separation (no quoting); blank lines are skipped. A sensor's rows must be in time order (sensors may
 * interleave); the model was trained at one sample per 5 minutes. A bad row stops the command with
 * its line and column named.
 *
 * Output: one line per anomaly event (an alarm episode), printed when it ends (or at the end of the
 * file): with `--json`, `{"sensor","start","end","peakScore","channel","peakTime"}` (`start`/`end`:
 * times of the first and last alarm sample); otherwise a readable line, and a summary.
 */
import { DEFAULT_SENSORS_MODEL } from '../default-models.js';
import { GruStreamError } from '../../errors.js';
import { AnomalyScorer, anomalyScorerFromManifest } from '../../postprocess/anomaly-scorer.js';
import type { AnomalyEpisode } from '../../postprocess/anomaly-scorer.js';
import { createEngine, modelFamily, readModelFile } from '../../node.js';
import type { Chunk } from '../../node.js';
import { forEachPrediction } from '../predictions.js';
import { readInputFile } from '../../features/input-file-node.js';
import { parseFileCommand } from '../usage.js';

/** Frames per chunk a sensor's stream is sent in (a day at 5-minute samples). */
const CHUNK_FRAMES = 288;

export interface SensorRows {
  /** Sensor ids in order of first appearance. */
  sensors: string[];
  /** Per sensor: raw channel values (`T × channels`, row-major), times (ms) and CSV line numbers. */
  streams: Map<string, { values: number[]; times: number[]; lines: number[] }>;
  rows: number;
}

/**
 * Parses a sensor CSV.
 * @param channels the model's channel names (columns that must be present besides time and sensor)
 * @throws GruStreamError E_ARGUMENT naming the line and column of the first bad row
 */
export function parseSensorCsv(text: string, channels: readonly string[], file = 'CSV'): SensorRows {
  const lines = text.split(/\r?\n/);
  const bad = (line: number, what: string): never => {
    throw new GruStreamError('E_ARGUMENT', `${file} line ${line}: ${what}`);
  };
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) bad(1, 'the file is empty; expected a header line');
  const header = lines[headerAt]!.split(',').map((h) => h.trim());
  const need = ['time', 'sensor', ...channels];
  const missing = need.filter((n) => !header.includes(n));
  if (missing.length > 0) {
    bad(
      headerAt + 1,
      `header lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}; ` +
        `expected a header naming ${need.join(',')}, got '${lines[headerAt]!.trim()}'`,
    );
  }
  const col = need.map((n) => header.indexOf(n));
  const out: SensorRows = { sensors: [], streams: new Map(), rows: 0 };
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const fields = raw.split(',').map((f) => f.trim());
    if (fields.length !== header.length) {
      bad(line, `expected ${header.length} comma-separated fields (as the header), got ${fields.length}`);
    }
    const timeText = fields[col[0]!]!;
    const time = /^\d{4}-\d\d-\d\d/.test(timeText) ? Date.parse(timeText) : NaN;
    if (Number.isNaN(time)) {
      bad(line, `column 'time': expected an ISO 8601 time such as 2024-03-04T10:05:00Z, got '${timeText}'`);
    }
    const sensor = fields[col[1]!]!;
    if (sensor === '') bad(line, "column 'sensor': expected a sensor id, got an empty field");
    let s = out.streams.get(sensor);
    if (!s) {
      s = { values: [], times: [], lines: [] };
      out.streams.set(sensor, s);
      out.sensors.push(sensor);
    }
    const prev = s.times.at(-1);
    if (prev !== undefined && time <= prev) {
      bad(
        line,
        `column 'time': ${timeText} is not after sensor '${sensor}''s previous row (line ${s.lines.at(-1)}); ` +
          "each sensor's rows must be in time order",
      );
    }
    for (let c = 0; c < channels.length; c++) {
      const text = fields[col[c + 2]!]!;
      const v = text === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) bad(line, `column '${channels[c]}': expected a number, got '${text}'`);
      s.values.push(v);
    }
    s.times.push(time);
    s.lines.push(line);
    out.rows++;
  }
  if (out.rows === 0) bad(headerAt + 1, 'no data rows after the header');
  return out;
}

/** One anomaly event as printed. */
export interface SensorEvent {
  sensor: string;
  start: string;
  end: string;
  peakScore: number;
  channel: string;
  peakTime: string;
}

const USAGE = 'usage: npm run cli -- sensors <file.csv> [--json] [--model <file.tflite>]';

function parseArgs(args: string[]): { file: string; json: boolean; model: string } {
  const { file, flags, values } = parseFileCommand(args, {
    command: 'sensors',
    fileKind: 'a CSV file',
    usage: USAGE,
    flags: ['json'],
    values: { model: DEFAULT_SENSORS_MODEL },
  });
  return { file, json: flags.json, model: values.model };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export async function sensors(args: string[]): Promise<void> {
  const o = parseArgs(args);
  // The named file (readModelFile says why when it is missing) and its batch-size siblings that exist.
  const { manifest } = readModelFile(o.model);
  const models = modelFamily(o.model);
  const features = manifest.features;
  const scorerParams = anomalyScorerFromManifest(manifest);
  if (features?.kind !== 'sensor' || !features.normalisation || !scorerParams) {
    throw new GruStreamError(
      'E_MANIFEST',
      `${o.model}: not a sensor anomaly model (needs features.kind 'sensor' with normalisation, and postprocess.anomalyScorer)`,
    );
  }
  const channels = features.channels;
  const { mean, std } = features.normalisation;
  const text = readInputFile(o.file).toString('utf8');
  const data = parseSensorCsv(text, channels, o.file);
  const C = channels.length;
  const sampleMinutes = manifest.postprocess?.sampleMinutes;
  if (typeof sampleMinutes === 'number') {
    for (const id of data.sensors) {
      const t = data.streams.get(id)!.times;
      const gaps = t
        .slice(1)
        .map((v, i) => (v - t[i]!) / 60_000)
        .sort((a, b) => a - b);
      const median = gaps[gaps.length >> 1];
      if (median !== undefined && Math.abs(median - sampleMinutes) > 0.1 * sampleMinutes) {
        console.error(
          `warning: sensor '${id}' is sampled every ${median} min (median); the model was trained at ${sampleMinutes} min`,
        );
      }
    }
  }

  // Normalised frames per sensor, cut into chunks; chunks go out in time order across sensors.
  const frames = new Map<string, Float32Array>();
  const chunks: Chunk[] = [];
  let maxT = 0;
  for (const id of data.sensors) {
    const v = data.streams.get(id)!.values;
    const f = Float32Array.from(v, (x, k) => (x - mean[k % C]!) / std[k % C]!);
    frames.set(id, f);
    maxT = Math.max(maxT, f.length / C);
  }
  for (let t = 0; t < maxT; t += CHUNK_FRAMES) {
    for (const id of data.sensors) {
      const f = frames.get(id)!;
      if (t * C < f.length) chunks.push({ stream: id, frames: f.slice(t * C, (t + CHUNK_FRAMES) * C) });
    }
  }

  const scorers = new Map(data.sensors.map((id) => [id, new AnomalyScorer(scorerParams)]));
  const events: SensorEvent[] = [];
  const report = (sensor: string, ep: AnomalyEpisode): void => {
    const times = data.streams.get(sensor)!.times;
    const e: SensorEvent = {
      sensor,
      start: iso(times[ep.start]!),
      end: iso(times[ep.end]!),
      peakScore: Number(ep.peakScore.toFixed(2)),
      channel: channels[ep.channel] ?? String(ep.channel),
      peakTime: iso(times[ep.peakFrame]!),
    };
    events.push(e);
    if (o.json) console.log(JSON.stringify(e));
    else {
      console.log(
        `${sensor.padEnd(14)} ${e.start} → ${e.end}  ${e.channel.padEnd(12)} peak ${e.peakScore.toFixed(1)} at ${e.peakTime}`,
      );
    }
  };

  const engine = await createEngine({ models });
  try {
    await forEachPrediction(engine, chunks, (p) => {
      const f = frames.get(p.stream)!;
      const r = scorers.get(p.stream)!.push(f.subarray(p.frame * C, (p.frame + 1) * C), p.output);
      if (r.ended) report(p.stream, r.ended);
    });
  } finally {
    await engine.dispose();
  }
  for (const id of data.sensors) {
    const last = scorers.get(id)!.flush();
    if (last) report(id, last);
  }
  if (!o.json) {
    const spans = data.sensors.map((id) => data.streams.get(id)!.times);
    const first = Math.min(...spans.map((t) => t[0]!));
    const last = Math.max(...spans.map((t) => t.at(-1)!));
    console.log(
      `\n${data.rows} rows, ${data.sensors.length} sensors, ${iso(first)} – ${iso(last)}: ` +
        `${events.length} anomaly event${events.length === 1 ? '' : 's'} ` +
        `(threshold ${scorerParams.threshold}, model ${o.model.split('/').pop()})`,
    );
  }
}
