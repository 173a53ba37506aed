import { describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { createEngineCore } from '../../src/engine/engine.js';
import { packChunks } from '../../src/protocol/chunk.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import type { EngineApi, StepRequest, StepResult } from '../../src/protocol/engine.js';
import type { GruWeights } from '../../src/model/gru-reference.js';
import { referenceSequence } from '../../src/model/gru-reference.js';
import { mulberry32, randomGruWeights, randomNormal } from '../../src/model/random.js';
import { ReferenceRunner } from '../../src/runtime/reference-runner.js';

const I = 8;
const H = 16;
const C = 4;
/** The reference runner does the same float64 math as referenceSequence; allow float32 rounding only. */
const TOL = 1e-6;

const weightsA = randomGruWeights({ inputSize: I, hiddenSize: H, outputSize: C, seed: 1 });

function makeEngine(
  extra: Partial<EngineOptions> = {},
  weights: GruWeights = weightsA,
  batches: number[] = [1, 8, 64],
): EngineApi {
  return createEngineCore({
    runners: batches.map((b) => new ReferenceRunner(weights, b)),
    modelId: 'model-a',
    ...extra,
  });
}

/** Output rows of chunk `index` of a step result. */
function chunkOutputs(result: StepResult, index: number): Float32Array {
  let start = 0;
  for (let k = 0; k < index; k++) start += result.outputCounts[k]!;
  return result.outputs.subarray(start * C, (start + result.outputCounts[index]!) * C);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
}

/** Cuts `frames` (T × I) into chunks of 1..maxLen frames. */
function cut(frames: Float32Array, rand: () => number, maxLen: number): Float32Array[] {
  const T = frames.length / I;
  const out: Float32Array[] = [];
  for (let t = 0; t < T;) {
    const len = Math.min(T - t, 1 + Math.floor(rand() * maxLen));
    out.push(frames.slice(t * I, (t + len) * I));
    t += len;
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('engine: streaming equivalence', () => {
  it.each([11, 22, 33, 44, 55])(
    'random chunking gives the reference sequence frame for frame (seed %i)',
    (seed) => {
      const weights = randomGruWeights({
        inputSize: I,
        hiddenSize: H,
        outputSize: C,
        seed,
        form: seed % 2 === 0 ? 'classic' : 'reset_after',
      });
      const engine = makeEngine({}, weights);
      const rand = mulberry32(seed);
      const frames = randomNormal(60 * I, seed + 1);
      const chunks = cut(frames, rand, 7);
      const outputs: Float32Array[] = [];
      // Sometimes several chunks of the stream go in one request: they must still be applied in order.
      for (let k = 0; k < chunks.length;) {
        const n = 1 + Math.floor(rand() * 3);
        const batch = chunks.slice(k, k + n).map((f) => ({ stream: 'mic', frames: f }));
        const result = engine.step(packChunks(batch, I));
        expect(result.errors).toEqual([]);
        outputs.push(result.outputs.slice());
        k += n;
      }
      const ref = referenceSequence(weights, frames);
      expect(maxAbsDiff(concat(outputs), ref.y)).toBeLessThanOrEqual(TOL);
      expect(engine.stats().framesStepped).toBe(60);
    },
  );
});

describe('engine: isolation', () => {
  it('1,000 interleaved streams each get exactly what they get alone', () => {
    const rand = mulberry32(7);
    const N = 1000;
    const sequences = Array.from({ length: N }, (_, s) =>
      randomNormal((1 + Math.floor(rand() * 6)) * I, 1000 + s),
    );
    // Split every stream into chunks and deal them over 4 requests (a stream's chunks go to
    // non-decreasing requests), then merge each request's per-stream queues in random order.
    const R = 4;
    const perRequest: Float32Array[][][] = Array.from({ length: R }, () => sequences.map(() => []));
    sequences.forEach((seq, s) => {
      const chunks = cut(seq, rand, 3);
      const where = chunks.map(() => Math.floor(rand() * R)).sort((p, q) => p - q);
      chunks.forEach((c, k) => perRequest[where[k]!]![s]!.push(c));
    });
    const requests = perRequest.map((queues) => {
      const chunks: { stream: string; frames: Float32Array }[] = [];
      const live = queues.map((q, s) => ({ s, q })).filter((e) => e.q.length > 0);
      while (live.length > 0) {
        const k = Math.floor(rand() * live.length);
        const e = live[k]!;
        chunks.push({ stream: `s${e.s}`, frames: e.q.shift()! });
        if (e.q.length === 0) live.splice(k, 1);
      }
      return chunks;
    });
    expect(requests.every((r) => new Set(r.map((c) => c.stream)).size < r.length)).toBe(true);
    const together = makeEngine();
    const got: Float32Array[][] = sequences.map(() => []);
    for (const chunks of requests) {
      const result = together.step(packChunks(chunks, I));
      expect(result.errors).toEqual([]);
      chunks.forEach((c, i) => got[Number(c.stream.slice(1))]!.push(chunkOutputs(result, i).slice()));
    }
    expect(together.stats().invokes[64]).toBeGreaterThan(0);

    const alone = makeEngine();
    let mismatches = 0;
    for (let s = 0; s < N; s++) {
      const own = alone.step(packChunks([{ stream: `s${s}`, frames: sequences[s]! }], I)).outputs;
      const mixed = concat(got[s]!);
      if (own.length !== mixed.length || own.some((v, k) => v !== mixed[k])) mismatches++;
      // Final states agree bit for bit too.
      if (s % 97 === 0) expect(together.snapshot(`s${s}`)).toEqual(alone.snapshot(`s${s}`));
    }
    expect(mismatches).toBe(0);
    const ref = referenceSequence(weightsA, sequences[0]!);
    expect(maxAbsDiff(concat(got[0]!), ref.y)).toBeLessThanOrEqual(TOL);
  });
});

describe('engine: gather and scatter', () => {
  it('streams in scattered slots, in any order, get exactly what they get alone', () => {
    // 200 streams open, every third closed, 40 new ones fill the holes: slots are no longer in
    // request order, so the block copies of adjacent rows and the per-row copies both run.
    const engine = makeEngine({ maxStreams: 1_000 });
    const rand = mulberry32(77);
    const ids = Array.from({ length: 200 }, (_, k) => `s${k}`);
    engine.step(
      packChunks(
        ids.map((stream, k) => ({ stream, frames: randomNormal(I, k) })),
        I,
      ),
    );
    ids.filter((_, k) => k % 3 === 0).forEach((id) => engine.close(id));
    const live = [...ids.filter((_, k) => k % 3 !== 0), ...Array.from({ length: 40 }, (_, k) => `n${k}`)];
    const order = live.slice().sort(() => rand() - 0.5);
    const chunks = order.map((stream, k) => ({ stream, frames: randomNormal((1 + (k % 3)) * I, 1_000 + k) }));
    const result = engine.step(packChunks(chunks, I));
    expect(result.errors).toEqual([]);
    const before = makeEngine();
    for (const [k, c] of chunks.entries()) {
      // What the stream saw before this request: its first frame (old streams) or nothing (new ones).
      const history = c.stream.startsWith('s') ? [randomNormal(I, Number(c.stream.slice(1)))] : [];
      const alone = before.step(
        packChunks([{ stream: c.stream, frames: concat([...history, c.frames]) }], I),
      );
      const tail = alone.outputs.subarray(history.length * C);
      expect(chunkOutputs(result, k)).toEqual(tail);
    }
  });

  it('reports the bytes of its state table, which grows by doubling', () => {
    const engine = makeEngine();
    const row = H * 4 + 8 + 4; // hidden row, activity time, free-list entry
    expect(engine.stats().stateBytes).toBe(64 * row);
    engine.step(
      packChunks(
        Array.from({ length: 65 }, (_, k) => ({ stream: `s${k}`, frames: randomNormal(I, k) })),
        I,
      ),
    );
    expect(engine.stats().stateBytes).toBe(128 * row);
  });
});

describe('engine: batch-size selection', () => {
  const oneFrameEach = (n: number, prefix = 's'): StepRequest =>
    packChunks(
      Array.from({ length: n }, (_, k) => ({ stream: `${prefix}${k}`, frames: randomNormal(I, k) })),
      I,
    );

  it.each([
    [1, { 1: 1, 8: 0, 64: 0 }],
    [8, { 1: 0, 8: 1, 64: 0 }],
    [9, { 1: 1, 8: 1, 64: 0 }], // a batch-64 invoke would be 55/64 padding: 8 + 1 instead
    [5, { 1: 0, 8: 1, 64: 0 }], // 3 rows of padding in 8 is fine
    [32, { 1: 0, 8: 0, 64: 1 }], // exactly half padding: one invoke of 64
    [31, { 1: 0, 8: 4, 64: 0 }], // more than half of 64 would be padding: 8 + 8 + 8 + 8 (the last holds 7)
    [64, { 1: 0, 8: 0, 64: 1 }],
    [70, { 1: 0, 8: 1, 64: 1 }],
    [129, { 1: 1, 8: 0, 64: 2 }],
    [134, { 1: 0, 8: 1, 64: 2 }],
  ])('%i active rows → invokes %o', (n, invokes) => {
    const engine = makeEngine();
    engine.step(oneFrameEach(n));
    expect(engine.stats().invokes).toEqual(invokes);
    expect(engine.stats().framesStepped).toBe(n);
  });

  it('rounds shrink as streams run out of frames', () => {
    const engine = makeEngine();
    const request = packChunks(
      [
        { stream: 'long', frames: randomNormal(3 * I, 1) },
        ...Array.from({ length: 69 }, (_, k) => ({ stream: `s${k}`, frames: randomNormal(I, k + 2) })),
      ],
      I,
    );
    engine.step(request);
    // Round 1: 70 rows (64 + 8); rounds 2 and 3: the long stream alone (batch 1).
    expect(engine.stats().invokes).toEqual({ 1: 2, 8: 1, 64: 1 });
    expect(engine.stats().framesStepped).toBe(72);
  });
});

describe('engine: lifecycle', () => {
  const x = randomNormal(5 * I, 99);

  it('reset returns to the initial state, zeros or the one given to open()', () => {
    const engine = makeEngine();
    const first = engine.step(packChunks([{ stream: 'a', frames: x }], I)).outputs;
    engine.reset('a');
    expect(engine.step(packChunks([{ stream: 'a', frames: x }], I)).outputs).toEqual(first);

    const h0 = randomNormal(H, 5, 0.5);
    engine.open('b', { initialState: h0 });
    const fromH0 = engine.step(packChunks([{ stream: 'b', frames: x }], I)).outputs;
    expect(maxAbsDiff(fromH0, referenceSequence(weightsA, x, h0).y)).toBeLessThanOrEqual(TOL);
    engine.reset('b');
    expect(engine.step(packChunks([{ stream: 'b', frames: x }], I)).outputs).toEqual(fromH0);
  });

  it('a chunk after close fails with E_STREAM alone; open() again starts fresh', () => {
    const engine = makeEngine();
    engine.step(packChunks([{ stream: 'a', frames: x }], I));
    engine.close('a');
    const result = engine.step(
      packChunks(
        [
          { stream: 'b', frames: x },
          { stream: 'a', frames: x },
          { stream: 'c', frames: x },
        ],
        I,
      ),
    );
    expect(result.errors).toHaveLength(1);
    const [err] = result.errors;
    expect(err!.index).toBe(1);
    expect(err!.error.code).toBe('E_STREAM');
    expect(err!.error.stream).toBe('a');
    expect(err!.error.message).toMatch(/stream 'a' was closed at .*; open it again with open\(\)/);
    expect(Array.from(result.outputCounts)).toEqual([5, 0, 5]);
    const ref = referenceSequence(weightsA, x).y;
    expect(maxAbsDiff(chunkOutputs(result, 0), ref)).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(chunkOutputs(result, 2), ref)).toBeLessThanOrEqual(TOL);
    expect(thrown(() => engine.reset('a')).code).toBe('E_STREAM');

    engine.open('a');
    const again = engine.step(packChunks([{ stream: 'a', frames: x }], I));
    expect(again.errors).toEqual([]);
    expect(maxAbsDiff(again.outputs, ref)).toBeLessThanOrEqual(TOL);
    expect(thrown(() => engine.open('a')).code).toBe('E_STREAM');
  });

  it('refuses streams beyond maxStreams per chunk with E_CAPACITY', () => {
    const engine = makeEngine({ maxStreams: 3 });
    const chunks = ['a', 'b', 'c', 'd', 'a'].map((stream) => ({ stream, frames: x }));
    const result = engine.step(packChunks(chunks, I));
    expect(result.errors.map((e) => [e.index, e.error.code])).toEqual([[3, 'E_CAPACITY']]);
    expect(result.errors[0]!.error.message).toContain("'d'");
    expect(result.errors[0]!.error.message).toContain('maxStreams = 3');
    expect(Array.from(result.outputCounts)).toEqual([5, 5, 5, 0, 5]);
    expect(engine.stats()).toMatchObject({ openStreams: 3, maxStreams: 3 });
    expect(thrown(() => engine.open('e')).code).toBe('E_CAPACITY');
  });

  it('evicts idle streams after the TTL on an injected clock; they come back fresh', () => {
    let now = 0;
    const engine = makeEngine({ idleTtlMs: 1000, now: () => now });
    const ref = referenceSequence(weightsA, x).y;
    engine.step(packChunks([{ stream: 'a', frames: x }], I));
    engine.step(packChunks([{ stream: 'b', frames: x }], I));
    now = 600;
    engine.step(packChunks([{ stream: 'b', frames: x }], I));
    now = 1200;
    expect(engine.evictIdle()).toEqual(['a']);
    expect(engine.stats().openStreams).toBe(1);
    expect(thrown(() => engine.snapshot('a')).code).toBe('E_STREAM');
    const back = engine.step(packChunks([{ stream: 'a', frames: x }], I));
    expect(back.errors).toEqual([]);
    expect(maxAbsDiff(back.outputs, ref)).toBeLessThanOrEqual(TOL);
    expect(makeEngine().evictIdle()).toEqual([]);
  });

  it('dispose frees the runners and refuses later calls with E_DISPOSED', () => {
    const runners = [new ReferenceRunner(weightsA, 1)];
    const engine = createEngineCore({ runners, modelId: 'model-a' });
    engine.dispose();
    engine.dispose();
    expect(thrown(() => runners[0]!.invoke()).code).toBe('E_DISPOSED');
    expect(thrown(() => engine.step(packChunks([{ stream: 'a', frames: x }], I))).code).toBe('E_DISPOSED');
    expect(thrown(() => engine.stats()).code).toBe('E_DISPOSED');
  });

  it('reports the model in info()', () => {
    const engine = makeEngine({ labels: ['a', 'b', 'c', 'd'] }, weightsA, [64, 1, 8]);
    expect(engine.info()).toEqual({
      inputSize: I,
      hiddenSize: H,
      outputSize: C,
      batchSizes: [1, 8, 64],
      modelId: 'model-a',
      labels: ['a', 'b', 'c', 'd'],
      runner: 'reference',
      limits: { maxChunkFrames: 16_384, maxStreamIdBytes: 256 },
    });
    expect(thrown(() => makeEngine({ labels: ['x'] })).message).toContain('expected 4');
    expect(thrown(() => makeEngine({}, weightsA, [8, 8])).message).toContain('batch 8');
  });
});

describe('engine: snapshots', () => {
  it('snapshot → restore into a second engine continues bit-identically', () => {
    const x1 = randomNormal(7 * I, 1);
    const x2 = randomNormal(9 * I, 2);
    const one = makeEngine();
    one.step(packChunks([{ stream: 'a', frames: x1 }], I));
    const bytes = one.snapshot('a');
    const two = makeEngine({}, weightsA, [1, 4]);
    two.restore('a', bytes);
    const y1 = one.step(packChunks([{ stream: 'a', frames: x2 }], I)).outputs;
    const y2 = two.step(packChunks([{ stream: 'a', frames: x2 }], I)).outputs;
    expect(y2).toEqual(y1);
    expect(two.snapshot('a')).toEqual(one.snapshot('a'));
    const ref = referenceSequence(weightsA, concat([x1, x2])).y;
    expect(maxAbsDiff(y1, ref.subarray(7 * C))).toBeLessThanOrEqual(TOL);
    // Restore overwrites an open stream and reopens a closed one.
    one.restore('a', bytes);
    one.close('a');
    one.restore('a', bytes);
    expect(one.step(packChunks([{ stream: 'a', frames: x2 }], I)).outputs).toEqual(y1);
  });

  it('refuses a snapshot of another model, leaving the engine unchanged', () => {
    const one = makeEngine();
    one.step(packChunks([{ stream: 'a', frames: randomNormal(I, 3) }], I));
    const other = makeEngine({ modelId: 'model-b' });
    const e = thrown(() => other.restore('a', one.snapshot('a')));
    expect(e.code).toBe('E_SNAPSHOT');
    expect(e.stream).toBe('a');
    expect(e.message).toContain("'model-a'");
    expect(e.message).toContain("'model-b'");
    expect(other.stats().openStreams).toBe(0);
    expect(thrown(() => other.restore('a', new Uint8Array([1, 2, 3]))).code).toBe('E_SNAPSHOT');
  });
});

describe('engine: bad input', () => {
  /** An engine with streams a and b advanced, and their snapshots. */
  function setup(): { engine: EngineApi; before: () => void } {
    const engine = makeEngine();
    engine.step(
      packChunks(
        [
          { stream: 'a', frames: randomNormal(3 * I, 1) },
          { stream: 'b', frames: randomNormal(2 * I, 2) },
        ],
        I,
      ),
    );
    const a = engine.snapshot('a');
    const b = engine.snapshot('b');
    const stats = engine.stats();
    // Other streams' states are unchanged and nothing new was opened.
    const before = (): void => {
      expect(engine.snapshot('a')).toEqual(a);
      expect(engine.snapshot('b')).toEqual(b);
      expect(engine.stats().openStreams).toBe(stats.openStreams);
    };
    return { engine, before };
  }
  const good = randomNormal(2 * I, 50);

  it('rejects a request whose frames are not a Float32Array, whole', () => {
    const { engine, before } = setup();
    const request = { streams: ['a'], frameCounts: Int32Array.of(1), frames: new Float64Array(I) };
    const e = thrown(() => engine.step(request as unknown as StepRequest));
    expect(e.code).toBe('E_BAD_CHUNK');
    expect(e.message).toContain("stream 'a'");
    expect(e.message).toContain("'frames' must be a Float32Array, got Float64Array(8)");
    const chunkError = thrown(() =>
      packChunks([{ stream: 'q', frames: [1, 2] as unknown as Float32Array }], I),
    );
    expect(chunkError.message).toBe(
      "chunk of stream 'q': expected a Float32Array of T × 8 floats (T ≥ 1 frames of inputSize 8), got Array(2)",
    );
    before();
  });

  it('rejects frameCounts that are not an Int32Array, whole', () => {
    const { engine, before } = setup();
    const request = { streams: ['a'], frameCounts: [1], frames: new Float32Array(I) };
    const e = thrown(() => engine.step(request as unknown as StepRequest));
    expect(e.code).toBe('E_BAD_CHUNK');
    expect(e.message).toContain("'frameCounts' must be an Int32Array, got Array(1)");
    before();
  });

  it('rejects a request whose total length does not add up, naming expected and actual', () => {
    const { engine, before } = setup();
    const request: StepRequest = {
      streams: ['a', 'b'],
      frameCounts: Int32Array.of(2, 1),
      frames: new Float32Array(3 * I + 1),
    };
    const e = thrown(() => engine.step(request));
    expect(e.code).toBe('E_BAD_CHUNK');
    expect(e.message).toBe(
      "step request (streams 'a', 'b'): frames hold 25 floats; expected sum(frameCounts) × inputSize = 3 × 8 = 24",
    );
    expect(thrown(() => packChunks([{ stream: 'r', frames: new Float32Array(I + 3) }], I)).message).toContain(
      "chunk of stream 'r': expected a Float32Array of T × 8 floats (T ≥ 1 frames of inputSize 8), got 11 floats",
    );
    before();
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('rejects only the chunk holding %s, naming stream, frame, feature and value', (value, text) => {
    const { engine, before } = setup();
    const bad = randomNormal(4 * I, 9);
    bad[2 * I + 5] = value;
    const result = engine.step(
      packChunks(
        [
          { stream: 'a', frames: bad },
          { stream: 'fresh', frames: good },
          { stream: 'new-bad', frames: bad },
        ],
        I,
      ),
    );
    expect(result.errors.map((e) => e.index)).toEqual([0, 2]);
    expect(result.errors[0]!.error).toEqual({
      name: 'GruStreamError',
      code: 'E_BAD_CHUNK',
      stream: 'a',
      message: `chunk 0 of stream 'a': frame 2, feature 5 is ${text}; expected a finite number`,
    });
    expect(Array.from(result.outputCounts)).toEqual([0, 2, 0]);
    expect(maxAbsDiff(chunkOutputs(result, 1), referenceSequence(weightsA, good).y)).toBeLessThanOrEqual(TOL);
    engine.close('fresh');
    expect(thrown(() => engine.snapshot('new-bad')).code).toBe('E_STREAM');
    before();
  });

  it('rejects an empty chunk and a bad stream id per chunk', () => {
    const { engine, before } = setup();
    const request: StepRequest = {
      streams: ['fresh', 'x', '', 42 as unknown as string],
      frameCounts: Int32Array.of(2, 0, 1, 1),
      frames: new Float32Array(4 * I),
    };
    const result = engine.step(request);
    expect(result.errors.map((e) => [e.index, e.error.code, e.error.message])).toEqual([
      [1, 'E_BAD_CHUNK', "chunk 1 of stream 'x' has 0 frames; expected ≥ 1"],
      [2, 'E_BAD_CHUNK', "chunk 2: stream id must be a non-empty string, got string ''"],
      [3, 'E_BAD_CHUNK', 'chunk 3: stream id must be a non-empty string, got number 42'],
    ]);
    expect(Array.from(result.outputCounts)).toEqual([2, 0, 0, 0]);
    expect(result.outputs).toHaveLength(2 * C);
    expect(thrown(() => engine.snapshot('x')).code).toBe('E_STREAM');
    engine.close('fresh');
    before();
  });

  it('names unknown streams for reset, close and snapshot with E_STREAM', () => {
    const { engine, before } = setup();
    for (const call of [
      () => engine.reset('ghost'),
      () => engine.close('ghost'),
      () => engine.snapshot('ghost'),
    ]) {
      const e = thrown(call);
      expect(e.code).toBe('E_STREAM');
      expect(e.stream).toBe('ghost');
      expect(e.message).toContain("stream 'ghost' is not open");
    }
    expect(thrown(() => engine.reset('' as string)).code).toBe('E_ARGUMENT');
    const init = thrown(() => engine.open('c', { initialState: new Float32Array(H - 1) }));
    expect(init.code).toBe('E_ARGUMENT');
    expect(init.message).toContain(
      `stream 'c': expected a Float32Array of ${H} floats, got Float32Array(${H - 1})`,
    );
    before();
  });

  it('rolls back every stream when a runner fails mid-request', () => {
    let calls = 0;
    const flaky = new ReferenceRunner(weightsA, 8);
    const invoke = flaky.invoke.bind(flaky);
    flaky.invoke = () => {
      if (++calls === 3) throw new Error('simulated WASM trap');
      invoke();
    };
    const engine = createEngineCore({ runners: [flaky], modelId: 'model-a' });
    engine.step(packChunks([{ stream: 'a', frames: randomNormal(I, 1) }], I));
    const a = engine.snapshot('a');
    const e = thrown(() =>
      engine.step(
        packChunks(
          [
            { stream: 'a', frames: randomNormal(4 * I, 2) },
            { stream: 'new', frames: randomNormal(4 * I, 3) },
          ],
          I,
        ),
      ),
    );
    expect(e.code).toBe('E_RUNTIME');
    expect(e.message).toContain('simulated WASM trap');
    expect(engine.snapshot('a')).toEqual(a);
    expect(engine.stats().openStreams).toBe(1);
  });
});
