/**
 * An engine with a windowed front-end model before the GRU (the speech embedding): streams send mel
 * frames; each stream's {@link EmbeddingWindow} is part of its state; the windows of every stream that
 * are due in a request are embedded in one batched call; the GRU engine then steps the embeddings.
 *
 * It wraps a GRU {@link EngineApi} instead of changing it: the inner engine keeps the stream table
 * (open, close, capacity, idle eviction) and this layer keeps one window per stream the inner engine
 * has open. A chunk that completes no window still goes to the inner engine as an empty chunk
 * (`allowEmpty`), so opening, refusing and ordering stay the inner engine's.
 */
import { GruStreamError } from '../errors.js';
import { EmbeddingWindow, SPEECH_EMBEDDING } from '../features/embedding-window.js';
import type { EmbeddingWindowState } from '../features/embedding-window.js';
import { DEFAULT_CHUNK_LIMITS } from '../protocol/chunk.js';
import type { ChunkLimits } from '../protocol/chunk.js';
import type { EngineApi, EngineInfo, StepRequest, StepResult } from '../protocol/engine.js';
import { checkCrc32, withCrc32 } from '../protocol/crc32.js';
import { decode, encode } from './codec.js';
import { checkChunk, validateRequestLayout } from './validate.js';

/** What the front-end stage needs of an embedding runner (`EmbeddingRunner` in the runtime). */
export interface WindowModel {
  readonly batchSizes: readonly number[];
  /** Embeds `count` windows of `76 × 32` floats into `count × 96` floats. */
  embed(windows: Float32Array, count: number, out?: Float32Array): Float32Array;
  dispose(): void;
}

/** Snapshot of a two-stage stream: the GRU engine's snapshot plus the stream's window. */
interface TwoStageSnapshot {
  stage: 'speech-embedding';
  gru: Uint8Array;
  window: EmbeddingWindowState;
}

const { windowSize: WINDOW_SIZE, melBins: BINS, embeddingSize: EMBED } = SPEECH_EMBEDDING;

export interface TwoStageOptions {
  /**
   * In-place normalisation of the embeddings before the GRU (the head's training statistics,
   * `postprocess.featureNorm` of its manifest, via `createNormalizer`). Default none.
   */
  normalize?: (embeddings: Float32Array) => void;
}

/**
 * Puts `frontEnd` in front of `gru`. The GRU's input size must be the embedding size (96).
 * @throws GruStreamError E_MODEL_UNSUPPORTED when the GRU does not take embeddings
 */
export function createTwoStageEngine(
  frontEnd: WindowModel,
  gru: EngineApi,
  options: TwoStageOptions = {},
): EngineApi {
  return new TwoStageEngine(frontEnd, gru, options.normalize);
}

class TwoStageEngine implements EngineApi {
  private readonly windows = new Map<string, EmbeddingWindow>();
  private readonly infoCache: EngineInfo;
  /** The GRU engine's chunk limits, applied here to the mel frames the client sends. */
  private readonly limits: ChunkLimits;
  /** Window and embedding buffers reused across steps; grown by doubling. */
  private windowBuf = new Float32Array(0);
  private embedBuf = new Float32Array(0);

  constructor(
    private readonly frontEnd: WindowModel,
    private readonly gru: EngineApi,
    private readonly normalize: ((embeddings: Float32Array) => void) | undefined,
  ) {
    const inner = gru.info();
    this.limits = inner.limits ?? DEFAULT_CHUNK_LIMITS;
    if (inner.inputSize !== EMBED) {
      throw new GruStreamError(
        'E_MODEL_UNSUPPORTED',
        `speech-embedding front end: the GRU model must take ${EMBED} inputs, got inputSize ${inner.inputSize}`,
      );
    }
    this.infoCache = {
      ...inner,
      inputSize: BINS,
      frontEnd: {
        kind: 'speech-embedding',
        inputSize: BINS,
        windowFrames: SPEECH_EMBEDDING.windowFrames,
        stepFrames: SPEECH_EMBEDDING.stepFrames,
        outputSize: EMBED,
        batchSizes: [...frontEnd.batchSizes].sort((a, b) => a - b),
      },
    };
  }

  info(): EngineInfo {
    return this.infoCache;
  }

  open(stream: string, options?: Parameters<EngineApi['open']>[1]): void {
    this.gru.open(stream, options);
    this.windows.set(stream, new EmbeddingWindow());
  }

  step(request: StepRequest): StepResult {
    validateRequestLayout(request, BINS);
    const { streams, frameCounts, frames } = request;
    const n = streams.length;
    // First pass: which chunks are usable here, and how many windows each completes.
    const due = new Int32Array(n);
    const refused: StepResult['errors'] = [];
    const pending = new Map<string, number>(); // frames already counted per new-window stream
    let totalDue = 0;
    let start = 0;
    for (let i = 0; i < n; i++) {
      const count = frameCounts[i]!;
      // The engine's own per-chunk check (id, length, limits, finite values), on the mel frames.
      const bad = checkChunk(request, i, start, BINS, this.limits);
      start += count;
      if (bad !== undefined) {
        refused.push({ index: i, error: bad.toJSON() });
        due[i] = -1;
        continue;
      }
      const id = streams[i]!;
      const window = this.windows.get(id);
      const seen = (window?.framesSeen ?? 0) + (pending.get(id) ?? 0);
      due[i] = windowsDue(seen, count);
      pending.set(id, (pending.get(id) ?? 0) + count);
      totalDue += due[i]!;
    }
    // Second pass: fill the windows (in request order, so a stream's chunks stay in order).
    const windowsOut = this.buffer('windowBuf', totalDue * WINDOW_SIZE);
    const created: string[] = [];
    let written = 0;
    start = 0;
    for (let i = 0; i < n; i++) {
      const count = frameCounts[i]!;
      const from = start * BINS;
      start += count;
      if (due[i]! < 0) continue;
      const id = streams[i]!;
      let window = this.windows.get(id);
      if (window === undefined) {
        window = new EmbeddingWindow();
        this.windows.set(id, window);
        created.push(id);
      }
      written += window.push(frames.subarray(from, from + count * BINS), windowsOut, written * WINDOW_SIZE);
    }
    const embeddings = this.buffer('embedBuf', totalDue * EMBED);
    if (totalDue > 0) {
      this.frontEnd.embed(windowsOut, totalDue, embeddings);
      this.normalize?.(embeddings.subarray(0, totalDue * EMBED));
    }
    // The GRU steps the embeddings of the chunks accepted here (in order; empty when a chunk completed
    // no window, so the inner engine still opens or refuses its stream).
    const accepted: number[] = [];
    for (let i = 0; i < n; i++) if (due[i]! >= 0) accepted.push(i);
    const inner: StepRequest = {
      streams: accepted.map((i) => streams[i]!),
      frameCounts: Int32Array.from(accepted, (i) => due[i]!),
      frames: embeddings.subarray(0, totalDue * EMBED),
      finite: true,
      allowEmpty: true,
    };
    const result = this.gru.step(inner);
    const outputCounts = new Int32Array(n);
    accepted.forEach((i, k) => (outputCounts[i] = result.outputCounts[k]!));
    for (const { index, error } of result.errors) {
      const i = accepted[index]!;
      refused.push({ index: i, error });
      // Refused there (closed stream, capacity): a window opened for it here must go too.
      if (created.includes(streams[i]!)) this.windows.delete(streams[i]!);
    }
    refused.sort((a, b) => a.index - b.index);
    // Refused chunks have no rows, so the inner outputs are already in request order.
    return { outputs: result.outputs, outputCounts, errors: refused };
  }

  reset(stream: string): void {
    this.gru.reset(stream);
    this.windows.get(stream)?.reset();
  }

  close(stream: string): void {
    this.gru.close(stream);
    this.windows.delete(stream);
  }

  evictIdle(): string[] {
    const evicted = this.gru.evictIdle();
    for (const id of evicted) this.windows.delete(id);
    return evicted;
  }

  snapshot(stream: string): Uint8Array {
    const gru = this.gru.snapshot(stream);
    const window = (this.windows.get(stream) ?? new EmbeddingWindow()).snapshot();
    const snap: TwoStageSnapshot = { stage: 'speech-embedding', gru, window };
    return withCrc32(encode(snap));
  }

  restore(stream: string, snapshot: Uint8Array): void {
    // The GRU engine checks the id (and the GRU part) when it restores.
    const snap = decodeTwoStage(stream, snapshot);
    const window = new EmbeddingWindow();
    window.restore(snap.window);
    this.gru.restore(stream, snap.gru);
    this.windows.set(stream, window);
  }

  checkpoint(): Uint8Array {
    const windows: [string, EmbeddingWindowState][] = [];
    for (const [id, w] of this.windows) windows.push([id, w.snapshot()]);
    return withCrc32(encode({ stage: 'speech-embedding', gru: this.gru.checkpoint(), windows }));
  }

  restoreCheckpoint(checkpoint: Uint8Array): number {
    const fail = (why: string): GruStreamError =>
      new GruStreamError('E_SNAPSHOT', `two-stage checkpoint: ${why}`);
    const body = checkCrc32(checkpoint);
    if (body === undefined)
      throw fail(`checksum mismatch (${checkpoint.length} bytes): corrupt or truncated`);
    let value: unknown;
    try {
      value = decode(body);
    } catch (e) {
      throw fail(`not a checkpoint (${(e as Error).message})`);
    }
    const c = value as { stage?: unknown; gru?: unknown; windows?: unknown } | null;
    if (c === null || typeof c !== 'object' || c.stage !== 'speech-embedding')
      throw fail("expected stage 'speech-embedding'");
    if (!(c.gru instanceof Uint8Array) || !Array.isArray(c.windows))
      throw fail('expected the GRU checkpoint and the windows');
    // Every window first (a bad one refuses the whole checkpoint), then the GRU engine's table.
    const restored = new Map<string, EmbeddingWindow>();
    for (const entry of c.windows as unknown[]) {
      const [id, state] = Array.isArray(entry) ? (entry as [unknown, unknown]) : [];
      if (typeof id !== 'string') throw fail('a window without its stream id');
      const w = new EmbeddingWindow();
      w.restore(state as EmbeddingWindowState);
      restored.set(id, w);
    }
    const n = this.gru.restoreCheckpoint(c.gru);
    for (const [id, w] of restored) this.windows.set(id, w);
    return n;
  }

  stats(): ReturnType<EngineApi['stats']> {
    const inner = this.gru.stats();
    // Each window holds 76 × 32 floats.
    return { ...inner, stateBytes: inner.stateBytes + this.windows.size * WINDOW_SIZE * 4 };
  }

  dispose(): void {
    this.gru.dispose();
    this.frontEnd.dispose();
    this.windows.clear();
  }

  private buffer(name: 'windowBuf' | 'embedBuf', floats: number): Float32Array {
    if (this[name].length < floats) this[name] = new Float32Array(Math.max(floats, this[name].length * 2));
    return this[name];
  }
}

/** Windows completed when `count` frames follow `seen` frames (one per 8 frames from frame 75 on). */
function windowsDue(seen: number, count: number): number {
  const { windowFrames: W, stepFrames: S } = SPEECH_EMBEDDING;
  const done = (n: number): number => (n < W ? 0 : Math.floor((n - W) / S) + 1);
  return done(seen + count) - done(seen);
}

function decodeTwoStage(stream: string, bytes: Uint8Array): TwoStageSnapshot {
  const fail = (why: string): GruStreamError =>
    new GruStreamError('E_SNAPSHOT', `snapshot of stream '${stream}': ${why}`, stream);
  // Checksummed like every snapshot of the library (a flipped bit is refused, not restored).
  const body = bytes instanceof Uint8Array ? checkCrc32(bytes) : undefined;
  if (body === undefined) throw fail('checksum mismatch: the snapshot is corrupt or truncated');
  let value: unknown;
  try {
    value = decode(body);
  } catch (e) {
    throw fail(`not a snapshot (${(e as Error).message})`);
  }
  const s = value as Partial<TwoStageSnapshot> | null;
  if (typeof s !== 'object' || s === null || s.stage !== 'speech-embedding') {
    throw fail(
      "expected a two-stage snapshot (stage 'speech-embedding'); was it taken from a GRU-only engine?",
    );
  }
  if (!(s.gru instanceof Uint8Array)) throw fail('gru: expected the GRU snapshot bytes');
  if (typeof s.window !== 'object' || s.window === null) throw fail('window: expected the window state');
  return s as TwoStageSnapshot;
}
