/**
 * The engine's own limits (for callers of `step` that bypass the client): a chunk over
 * maxChunkFrames and an id over maxStreamIdBytes fail alone with codes naming the limit, closed ids
 * are remembered within a byte budget, a malformed request is coded, and checkpoints round-trip
 * bit-identically and refuse corruption.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../helpers/errors.js';
import { createEngineCore } from '../../src/engine/engine.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { createInProcessEngine } from '../../src/client/in-process.js';
import { packChunks } from '../../src/protocol/chunk.js';
import type { EngineApi, StepRequest } from '../../src/protocol/engine.js';
import { ReferenceRunner } from '../../src/runtime/reference-runner.js';
import { I, streamFrames, WEIGHTS } from '../client/helpers.js';

const makeEngine = (extra: Partial<EngineOptions> = {}): EngineApi =>
  createEngineCore({ runners: [1, 8].map((b) => new ReferenceRunner(WEIGHTS, b)), modelId: 'm', ...extra });

describe('engine limits', () => {
  it('refuses only the chunk over maxChunkFrames, naming the limit; the others are stepped', () => {
    const engine = makeEngine({ maxChunkFrames: 8 });
    const result = engine.step(
      packChunks(
        [
          { stream: 'a', frames: streamFrames(1, 2) },
          { stream: 'huge', frames: streamFrames(2, 9) },
          { stream: 'b', frames: streamFrames(3, 8) },
        ],
        I,
      ),
    );
    expect([...result.outputCounts]).toEqual([2, 0, 8]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ index: 1, error: { code: 'E_BAD_CHUNK', stream: 'huge' } });
    expect(result.errors[0]!.error.message).toContain('has 9 frames; the limit (maxChunkFrames) is 8');
    expect(engine.stats().openStreams).toBe(2);
    expect(engine.info().limits).toEqual({ maxChunkFrames: 8, maxStreamIdBytes: 256 });
  });

  it('refuses ids over maxStreamIdBytes per chunk (E_BAD_CHUNK) and in API calls (E_ARGUMENT)', () => {
    const engine = makeEngine({ maxStreamIdBytes: 10 });
    const long = 'ü'.repeat(6); // 12 UTF-8 bytes
    const result = engine.step(packChunks([{ stream: long, frames: streamFrames(1, 1) }], I));
    expect(result.errors[0]!.error.code).toBe('E_BAD_CHUNK');
    expect(result.errors[0]!.error.message).toContain('12 UTF-8 bytes; the limit (maxStreamIdBytes) is 10');
    for (const call of [() => engine.open(long), () => engine.close(long), () => engine.snapshot(long)]) {
      const e = thrown(call);
      expect(e.code).toBe('E_ARGUMENT');
      expect(e.message).toContain('the limit (maxStreamIdBytes) is 10');
    }
    expect(engine.stats().openStreams).toBe(0);
  });

  it('remembers closed ids within maxClosedIdBytes, forgetting the oldest first', () => {
    const engine = makeEngine({ maxStreamIdBytes: 2000, maxClosedIdBytes: 10_000 });
    const id = (k: number): string => `${k}`.padStart(1000, '#'); // 1000 bytes each
    for (let k = 0; k < 200; k++) {
      engine.open(id(k));
      engine.close(id(k));
    }
    const stats = engine.stats();
    expect(stats).toMatchObject({ openStreams: 0, closedIds: 10, closedIdBytes: 10_000 });
    // The last 10 are still known as closed; older ones were forgotten and reopen like new ids.
    const late = engine.step(packChunks([{ stream: id(199), frames: streamFrames(1, 1) }], I));
    expect(late.errors[0]!.error.code).toBe('E_STREAM');
    const old = engine.step(packChunks([{ stream: id(0), frames: streamFrames(1, 1) }], I));
    expect(old.errors).toEqual([]);
  });

  it('answers step(null) and other malformed requests with a coded error, in process too', async () => {
    const client = createInProcessEngine(makeEngine());
    for (const bad of [null, undefined, 42, { streams: 'a' }]) {
      await expect(client.step(bad as unknown as StepRequest)).rejects.toMatchObject({ code: 'E_BAD_CHUNK' });
    }
    await client.dispose();
  });
});

describe('checkpoints', () => {
  it('restore every stream bit for bit into a fresh engine; any 1–3 bit flips are refused (fast-check)', () => {
    const a = makeEngine();
    a.step(
      packChunks(
        Array.from({ length: 20 }, (_, k) => ({ stream: `s${k}`, frames: streamFrames(k, 1 + (k % 4)) })),
        I,
      ),
    );
    a.close('s3');
    const bytes = a.checkpoint();
    const b = makeEngine();
    expect(b.restoreCheckpoint(bytes)).toBe(19);
    for (let k = 0; k < 20; k++) {
      if (k === 3) continue;
      expect(b.snapshot(`s${k}`)).toEqual(a.snapshot(`s${k}`));
    }
    expect(thrown(() => makeEngine({ modelId: 'other' }).restoreCheckpoint(bytes)).message).toContain(
      "taken from model 'm', but this engine runs model 'other'",
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(bytes.length * 8 - 1), { minLength: 1, maxLength: 3 }), (bits) => {
        const flipped = bytes.slice();
        for (const bit of bits) flipped[bit >> 3]! ^= 1 << (bit & 7);
        const fresh = makeEngine();
        expect(thrown(() => fresh.restoreCheckpoint(flipped)).code).toBe('E_SNAPSHOT');
        expect(fresh.stats().openStreams).toBe(0);
      }),
      { seed: 5, numRuns: 300 },
    );
  });
});
