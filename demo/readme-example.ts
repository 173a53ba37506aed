// The README's usage example, kept runnable (a test runs it): in this checkout
// `node --conditions=gru-stream-source --import tsx demo/readme-example.ts`.
import { from, lastValueFrom, toArray } from 'rxjs';
import { createEngine, inferMany, isChunkFailure } from 'gru-stream';

// The sensor model shipped in the package: 4 channels in, the next 4 values forecast out.
const model = (b: number) =>
  import.meta.resolve(`gru-stream/models/sensors/sensors-int8-weights-b${b}.tflite`);
// One worker; the engine picks the batch size (1, 8 or 64 rows) per step.
const engine = await createEngine({ models: [model(1), model(8), model(64)] });
const { inputSize } = engine.model; // 4 values per frame

// Three sensors, each sending 5 chunks of 4 frames (any T ≥ 1 per chunk).
const chunks = [];
for (let seq = 0; seq < 5; seq++)
  for (const stream of ['pump-1', 'pump-2', 'fan-7'])
    chunks.push({ stream, frames: Float32Array.from({ length: 4 * inputSize }, () => Math.random()) });

const predictions = await lastValueFrom(from(chunks).pipe(inferMany(engine), toArray()));
for (const p of predictions.slice(0, 3)) {
  if (isChunkFailure(p)) console.log(p.stream, p.error.code, p.error.message);
  else console.log(p.stream, `frame ${p.frame}`, Array.from(p.output, (v) => v.toFixed(3)).join(' '));
}

// Hidden state survives a restart: snapshot a stream, restore it into a new engine of the same model.
await engine.open('door-3');
const saved = await engine.snapshot('door-3');
const restarted = await createEngine({ models: [model(1)] });
await restarted.restore('door-3', saved); // refused (E_SNAPSHOT) if the model differs
console.log(`${predictions.length} predictions; snapshot: ${saved.length} bytes`);
await Promise.all([engine.dispose(), restarted.dispose()]);
