/**
 * Overload against a real worker (float32 test model, H = 64): a short run at twice the measured
 * capacity accounts for every chunk (predicted, or refused with E_CAPACITY; none lost) with the main
 * heap bounded; and one oversized chunk fails alone while 100 other streams are stepped correctly.
 * No speed is asserted here (that is `npm run bench:overload`); only accounting, codes and memory.
 */
import { join } from 'node:path';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/client/create-engine-node.js';
import type { WorkerEngineClient } from '../../src/client/engine-client.js';
import { inferMany, isChunkFailure } from '../../src/client/infer-multiplexed.js';
import type { Chunk } from '../../src/protocol/chunk.js';
import type { Prediction } from '../../src/client/prediction.js';
import { MODELS_DIR } from '../helpers/models.js';
import { runOverload } from '../bench/overload-run.js';
import { C, concat, H, I, maxAbsDiff, referenceOutputs, streamFrames } from '../client/helpers.js';

const ALL = [1, 8, 64].map((b) => join(MODELS_DIR, 'test', `gru-h${H}-float32-b${b}.tflite`));
const started: WorkerEngineClient[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.dispose()));
});

describe('overload', () => {
  it('2× capacity for 2 s: every chunk predicted or refused with E_CAPACITY, heap bounded', async () => {
    const engine = await createEngine({ models: ALL, batching: { maxPendingChunks: 20_000 } });
    started.push(engine);
    // Capacity here is a nominal rate chosen to overload a small pending limit, not a measurement.
    const r = await runOverload(engine, { capacity: 20_000, factor: 2, seconds: 2, streams: 200 });
    expect(r.unaccounted).toBe(0);
    expect(r.offered).toBeGreaterThan(0);
    expect(r.predicted).toBeGreaterThan(0);
    expect(Object.keys(r.failed).filter((c) => c !== 'E_CAPACITY')).toEqual([]);
    // 20,000 pending chunks of 40 floats hold a few MB; the failure mode of issue 11 was GBs.
    expect(r.heapMaxMb - r.heapStartMb).toBeLessThan(256);
  });

  it('an oversized chunk fails alone; a chunk at the limit goes in its own call; others are exact', async () => {
    const engine = await createEngine({ models: ALL, batching: { maxFramesPerCall: 4096 } });
    started.push(engine);
    const limit = engine.model.limits!.maxChunkFrames;
    const others = Array.from({ length: 100 }, (_, s) => streamFrames(500 + s, 3));
    const source = new Subject<Chunk>();
    const values = lastValueFrom(source.pipe(inferMany(engine), toArray()));
    source.next({ stream: 'huge', frames: new Float32Array((limit + 1) * I) });
    source.next({ stream: 'long', frames: streamFrames(7, limit) });
    others.forEach((frames, s) => source.next({ stream: `s${s}`, frames }));
    source.complete();
    const out = await values;
    const failures = out.filter(isChunkFailure);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.stream).toBe('huge');
    expect(failures[0]!.error.code).toBe('E_BAD_CHUNK');
    expect(failures[0]!.error.message).toContain(`the limit (maxChunkFrames) is ${limit}`);
    const predictions = out.filter((v): v is Prediction => !isChunkFailure(v));
    expect(predictions.filter((p) => p.stream === 'long')).toHaveLength(limit);
    for (let s = 0; s < 100; s++) {
      const got = concat(predictions.filter((p) => p.stream === `s${s}`).map((p) => p.output));
      expect(got.length).toBe(3 * C);
      expect(maxAbsDiff(got, referenceOutputs(others[s]!))).toBeLessThan(1e-5);
    }
  });
});
