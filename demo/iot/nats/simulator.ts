/**
 * A plant of N simulated sensors publishing to NATS JetStream (`gru.<sensor>.telemetry` with `seq`),
 * from the sensor model's own generator, `rate` samples per second per sensor.
 *
 * `npx tsx demo/iot/nats/simulator.ts --nats nats://127.0.0.1:4222 --sensors 300 --rate 1`
 * (also `--seed N`, `--samples N` to stop after N samples per sensor, `--give-up-ms N`: how long a
 * sample is retried while the stream cannot store it, default 60 000, see `publisher.ts`). Prints
 * progress every 5 s.
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { generateSeries } from '../../../models/sensors/generator.js';
import { GruStreamError } from '../../../src/node.js';
import { CHANNELS } from '../contract.js';
import { PUBLISH_GIVE_UP_MS, publishTelemetry } from './publisher.js';

const BLOCK = 1152;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      sensors: { type: 'string', default: '100' },
      rate: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      samples: { type: 'string', default: '0' },
      'give-up-ms': { type: 'string', default: String(PUBLISH_GIVE_UP_MS) },
    },
  });
  const n = Number(values.sensors);
  const rate = Number(values.rate);
  const samples = Number(values.samples);
  const giveUpAfterMs = Number(values['give-up-ms']);
  if (!Number.isInteger(n) || n < 1)
    throw new GruStreamError('E_ARGUMENT', `--sensors: expected an integer ≥ 1, got '${values.sensors}'`);
  if (!(rate > 0 && rate <= 1000))
    throw new GruStreamError('E_ARGUMENT', `--rate: expected Hz in (0, 1000], got '${values.rate}'`);
  const nc = await connect({ servers: values.nats.split(','), maxReconnectAttempts: -1 });
  const js = jetstream(nc);
  const ids = Array.from({ length: n }, (_, i) => `sensor-${String(i + 1).padStart(4, '0')}`);
  const series = ids.map(
    (_, i) =>
      generateSeries({ seed: Number(values.seed) * 1_000_003 + i * 1009, length: BLOCK, anomalyRate: 2 })
        .values,
  );
  console.log(`simulating ${n} sensors at ${rate} Hz into ${values.nats}; Ctrl-C stops`);
  let stored = 0;
  const progress = setInterval(() => console.log(`stored ${stored} samples`), 5000);
  const started = performance.now();
  for (let k = 0; samples === 0 || k < samples; k++) {
    const due = started + (k * 1000) / rate;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    const t = Date.now();
    await Promise.all(
      ids.map((id, i) => {
        const v = series[i]!.subarray((k % BLOCK) * 4, (k % BLOCK) * 4 + 4);
        const sample = { t, ...Object.fromEntries(CHANNELS.map((c, j) => [c, Number(v[j]!.toFixed(4))])) };
        return publishTelemetry(js, id, k + 1, sample as Parameters<typeof publishTelemetry>[3], {
          giveUpAfterMs,
        }).then(() => stored++);
      }),
    );
  }
  clearInterval(progress);
  console.log(`stored ${stored} samples`);
  await nc.drain();
}

main().catch((e: unknown) => {
  console.error(`simulator: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
