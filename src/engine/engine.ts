/**
 * The engine core: per-stream GRU state plus batched stepping over fixed-batch model runners.
 *
 * A step request is cut into per-stream queues of frames; each "round" takes the next frame of every
 * stream that still has one, so a stream's frame t+1 always sees the h' of its frame t, while many
 * streams share each model invocation. Rows are packed into the smallest runner whose batch holds them
 * (several invokes of the largest when they do not fit). The per-round loop allocates nothing per row:
 * index arrays are reused across requests, and rows are copied by offset, rows adjacent on both sides
 * (the common case) as one block.
 *
 * This is a plain object so tests call it directly; the worker exposes the same object over comlink.
 */
import { GruStreamError } from '../errors.js';
import type { ModelRunner } from '../runtime/runner.js';
import { decodeCheckpoint, decodeSnapshot, encodeCheckpoint, encodeSnapshot } from './codec.js';
import type {
  EngineApi,
  EngineInfo,
  EngineStats,
  StepRequest,
  StepResult,
  StreamOptions,
} from '../protocol/engine.js';
import { StateTable } from './state-table.js';
import { checkChunk, checkState, checkStreamId, validateRequestLayout } from './validate.js';
import { DEFAULT_CHUNK_LIMITS } from '../protocol/chunk.js';
import type { ChunkLimits } from '../protocol/chunk.js';

export interface EngineOptions {
  /** Runners of one model (same I, H, C) with distinct batch sizes, e.g. 1, 8 and 64. The engine owns them. */
  runners: ModelRunner[];
  /** sha256 (hex) of the model's weights; snapshots carry it and restore checks it. */
  modelId: string;
  /** Names of the C outputs, reported by `info()`. */
  labels?: string[];
  /** Most streams open at once (default 100 000); a new stream beyond it fails with E_CAPACITY. */
  maxStreams?: number;
  /** Streams idle longer than this (ms) are released by `evictIdle()` (default Infinity: never). */
  idleTtlMs?: number;
  /** Clock in ms (default `performance.now`); inject a fake one in tests. */
  now?: () => number;
  /**
   * Most frames in one chunk (default 16 384, see {@link ChunkLimits}); a longer chunk fails alone
   * with E_BAD_CHUNK naming the limit, so no single chunk holds the engine for long.
   */
  maxChunkFrames?: number;
  /** Most UTF-8 bytes in a stream id (default 256); longer ids are refused (E_BAD_CHUNK / E_ARGUMENT). */
  maxStreamIdBytes?: number;
  /**
   * Most UTF-8 bytes of closed stream ids remembered (so that a late chunk after `close()` fails with
   * E_STREAM); the oldest are forgotten beyond it. Default 4 MiB. At most `maxStreams` ids either way.
   */
  maxClosedIdBytes?: number;
}

/** Builds an engine over `options.runners`. See {@link EngineApi} for the methods. */
export function createEngineCore(options: EngineOptions): EngineApi {
  return new EngineCore(options);
}

/** Index arrays reused by every step; grown by doubling, never shrunk. */
class Scratch {
  /** Per chunk: first frame in request.frames, first row in outputs, next accepted chunk of its stream. */
  chunkFrame = new Int32Array(16);
  chunkOut = new Int32Array(16);
  chunkNext = new Int32Array(16);
  /** Per stream of the request ("group"): slot, current chunk, frame within it, last chunk. */
  groupSlot = new Int32Array(16);
  groupChunk = new Int32Array(16);
  groupFrame = new Int32Array(16);
  groupTail = new Int32Array(16);
  /** Groups with frames left, in first-appearance order. */
  active = new Int32Array(16);
  /** Slot → group of the current request, -1 otherwise; as long as the table's capacity. */
  groupOfSlot = new Int32Array(0);
  /** Pre-request rows of the request's streams, to roll back if a runner fails. */
  backup = new Float32Array(0);
  /** Row copiers of the gather (x, h) and scatter (h', y) around each invoke, and of the backup. */
  readonly copyX = new RowCopier();
  readonly copyH = new RowCopier();
  readonly copyHOut = new RowCopier();
  readonly copyY = new RowCopier();

  ensureChunks(n: number): void {
    if (this.chunkFrame.length >= n) return;
    const size = Math.max(n, this.chunkFrame.length * 2);
    this.chunkFrame = new Int32Array(size);
    this.chunkOut = new Int32Array(size);
    this.chunkNext = new Int32Array(size);
    this.groupSlot = new Int32Array(size);
    this.groupChunk = new Int32Array(size);
    this.groupFrame = new Int32Array(size);
    this.groupTail = new Int32Array(size);
    this.active = new Int32Array(size);
  }

  ensureSlots(capacity: number): void {
    if (this.groupOfSlot.length >= capacity) return;
    const next = new Int32Array(Math.max(capacity, this.groupOfSlot.length * 2)).fill(-1);
    next.set(this.groupOfSlot);
    this.groupOfSlot = next;
  }

  ensureBackup(floats: number): void {
    if (this.backup.length < floats) this.backup = new Float32Array(Math.max(floats, this.backup.length * 2));
  }
}

class EngineCore implements EngineApi {
  private readonly runners: ModelRunner[];
  private readonly largest: ModelRunner;
  private readonly inputSize: number;
  private readonly hiddenSize: number;
  private readonly outputSize: number;
  private readonly modelId: string;
  private readonly labels: string[] | undefined;
  private readonly idleTtlMs: number;
  private readonly now: () => number;
  private readonly table: StateTable;
  private readonly scratch = new Scratch();
  private readonly invokes: Record<number, number> = {};
  private readonly limits: ChunkLimits;
  private framesStepped = 0;
  private disposed = false;

  constructor(o: EngineOptions) {
    this.runners = checkRunners(o.runners);
    this.largest = this.runners[this.runners.length - 1]!;
    const first = this.runners[0]!;
    this.inputSize = first.inputSize;
    this.hiddenSize = first.hiddenSize;
    this.outputSize = first.outputSize;
    if (typeof o.modelId !== 'string' || o.modelId.length === 0) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `modelId: expected a non-empty string, got ${String(o.modelId)}`,
      );
    }
    this.modelId = o.modelId;
    if (o.labels !== undefined && o.labels.length !== this.outputSize) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `labels: expected ${this.outputSize} (the model's outputSize), got ${o.labels.length}`,
      );
    }
    this.labels = o.labels?.slice();
    this.idleTtlMs = o.idleTtlMs ?? Infinity;
    if (!(this.idleTtlMs > 0)) {
      throw new GruStreamError('E_ARGUMENT', `idleTtlMs: expected a number > 0 (ms), got ${o.idleTtlMs}`);
    }
    this.now = o.now ?? (() => performance.now());
    this.limits = {
      maxChunkFrames: limitOption('maxChunkFrames', o.maxChunkFrames, DEFAULT_CHUNK_LIMITS.maxChunkFrames),
      maxStreamIdBytes: limitOption(
        'maxStreamIdBytes',
        o.maxStreamIdBytes,
        DEFAULT_CHUNK_LIMITS.maxStreamIdBytes,
      ),
    };
    this.table = new StateTable({
      hiddenSize: this.hiddenSize,
      maxStreams: o.maxStreams ?? 100_000,
      maxClosedIdBytes: limitOption('maxClosedIdBytes', o.maxClosedIdBytes, 4 << 20),
    });
    for (const r of this.runners) this.invokes[r.batch] = 0;
  }

  info(): EngineInfo {
    this.live();
    const info: EngineInfo = {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      outputSize: this.outputSize,
      batchSizes: this.runners.map((r) => r.batch),
      modelId: this.modelId,
      runner: [...new Set(this.runners.map((r) => r.kind))].join('+'),
      limits: { ...this.limits },
    };
    if (this.labels !== undefined) info.labels = this.labels.slice();
    return info;
  }

  open(stream: string, options?: StreamOptions): void {
    this.live();
    checkStreamId(stream, 'open', this.limits.maxStreamIdBytes);
    const initial = options?.initialState;
    if (initial !== undefined) checkState(stream, initial, this.hiddenSize);
    this.table.open(stream, this.now(), initial);
  }

  reset(stream: string): void {
    this.live();
    checkStreamId(stream, 'reset', this.limits.maxStreamIdBytes);
    const slot = this.table.require(stream);
    this.table.reset(slot);
    this.table.touch(slot, this.now());
  }

  close(stream: string): void {
    this.live();
    checkStreamId(stream, 'close', this.limits.maxStreamIdBytes);
    this.table.close(stream, this.now());
  }

  evictIdle(): string[] {
    this.live();
    if (this.idleTtlMs === Infinity) return [];
    return this.table.evictIdle(this.now(), this.idleTtlMs);
  }

  snapshot(stream: string): Uint8Array {
    this.live();
    checkStreamId(stream, 'snapshot', this.limits.maxStreamIdBytes);
    const H = this.hiddenSize;
    const slot = this.table.require(stream);
    const h = this.table.data.subarray(slot * H, (slot + 1) * H);
    return encodeSnapshot({ modelId: this.modelId, hiddenSize: H, h });
  }

  /** Also reopens a closed stream, like {@link open}; the restored state is not its reset target. */
  restore(stream: string, snapshot: Uint8Array): void {
    this.live();
    checkStreamId(stream, 'restore', this.limits.maxStreamIdBytes);
    // Decode first: a refused snapshot must leave the table untouched.
    const { h } = decodeSnapshot(snapshot, { modelId: this.modelId, hiddenSize: this.hiddenSize, stream });
    const now = this.now();
    let slot = this.table.slotOf(stream);
    if (slot < 0) slot = this.table.open(stream, now);
    this.table.data.set(h, slot * this.hiddenSize);
    this.table.touch(slot, now);
  }

  checkpoint(): Uint8Array {
    this.live();
    const H = this.hiddenSize;
    const streams: string[] = [];
    const h = new Float32Array(this.table.size * H);
    const data = this.table.data;
    this.table.forEachOpen((stream, slot) => {
      h.set(data.subarray(slot * H, (slot + 1) * H), streams.length * H);
      streams.push(stream);
    });
    return encodeCheckpoint({ modelId: this.modelId, hiddenSize: H, streams, h });
  }

  restoreCheckpoint(checkpoint: Uint8Array): number {
    this.live();
    const H = this.hiddenSize;
    // Decode (and check) everything first: a refused checkpoint leaves the table untouched.
    const c = decodeCheckpoint(checkpoint, { modelId: this.modelId, hiddenSize: H });
    const now = this.now();
    for (let k = 0; k < c.streams.length; k++) {
      const stream = c.streams[k]!;
      let slot = this.table.slotOf(stream);
      if (slot < 0) slot = this.table.open(stream, now);
      this.table.data.set(c.h.subarray(k * H, (k + 1) * H), slot * H);
    }
    return c.streams.length;
  }

  stats(): EngineStats {
    this.live();
    return {
      openStreams: this.table.size,
      maxStreams: this.table.maxStreams,
      framesStepped: this.framesStepped,
      invokes: { ...this.invokes },
      stateBytes: this.table.bytes,
      closedIds: this.table.closedIds.count,
      closedIdBytes: this.table.closedIds.bytes,
    };
  }

  /** Disposes the runners too; every later call throws E_DISPOSED. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.runners) r.dispose();
  }

  step(request: StepRequest): StepResult {
    this.live();
    const I = this.inputSize;
    validateRequestLayout(request, I);
    const { streams, frameCounts } = request;
    const n = streams.length;
    const s = this.scratch;
    s.ensureChunks(n);
    // open() and restore() may have grown the table since the last step.
    s.ensureSlots(this.table.capacity);
    const now = this.now();
    const outputCounts = new Int32Array(n);
    const errors: StepResult['errors'] = [];
    /** Streams this request opened, released again if a runner fails. */
    const opened: string[] = [];
    let groups = 0;
    let frameStart = 0;
    let rows = 0;
    try {
      for (let i = 0; i < n; i++) {
        const count = frameCounts[i]!;
        s.chunkFrame[i] = frameStart;
        const bad = checkChunk(request, i, frameStart, I, this.limits);
        frameStart += count;
        if (bad !== undefined) {
          errors.push({ index: i, error: bad.toJSON() });
          continue;
        }
        const stream = streams[i] as string;
        // One map lookup for a known stream; opening (or refusing) a new one is the rare path.
        let slot = this.table.slotOf(stream);
        if (slot < 0) {
          try {
            slot = this.table.acquire(stream, now);
          } catch (e) {
            // Closed stream or full table: only this chunk fails.
            if (!(e instanceof GruStreamError)) throw e;
            errors.push({ index: i, error: e.toJSON() });
            continue;
          }
          opened.push(stream);
          s.ensureSlots(this.table.capacity);
        }
        this.table.touch(slot, now);
        // An empty chunk (allowEmpty) opens and touches its stream but has no frame to step.
        if (count === 0) continue;
        s.chunkOut[i] = rows;
        s.chunkNext[i] = -1;
        rows += count;
        outputCounts[i] = count;
        const g = s.groupOfSlot[slot]!;
        if (g < 0) {
          s.groupOfSlot[slot] = groups;
          s.groupSlot[groups] = slot;
          s.groupChunk[groups] = i;
          s.groupFrame[groups] = 0;
          s.groupTail[groups] = i;
          s.active[groups] = groups;
          groups++;
        } else {
          s.chunkNext[s.groupTail[g]!] = i;
          s.groupTail[g] = i;
        }
      }
      const outputs = new Float32Array(rows * this.outputSize);
      this.runRounds(request, groups, outputs, opened);
      this.framesStepped += rows;
      return { outputs, outputCounts, errors };
    } finally {
      for (let g = 0; g < groups; g++) s.groupOfSlot[s.groupSlot[g]!] = -1;
    }
  }

  /** Steps every group to the end of its chunks; on a runner failure restores the pre-request state. */
  private runRounds(request: StepRequest, groups: number, outputs: Float32Array, opened: string[]): void {
    const s = this.scratch;
    const H = this.hiddenSize;
    s.ensureBackup(groups * H);
    const state = this.table.data;
    const backup = s.copyH.begin(s.backup, state, H);
    for (let g = 0; g < groups; g++) backup.row(g * H, s.groupSlot[g]! * H);
    backup.end();
    try {
      let active = groups;
      while (active > 0) {
        for (let done = 0; done < active;) done += this.invokeRows(request, done, active - done, outputs);
        active = this.advance(request.frameCounts, active);
      }
    } catch (e) {
      const restore = s.copyH.begin(state, s.backup, H);
      for (let g = 0; g < groups; g++) restore.row(s.groupSlot[g]! * H, g * H);
      restore.end();
      for (const stream of opened) this.table.release(stream);
      if (e instanceof GruStreamError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new GruStreamError(
        'E_RUNTIME',
        `model runner failed during step (request rolled back): ${reason}`,
      );
    }
  }

  /**
   * One invoke for the active groups from position `from`: gather x and h rows, run, scatter h' into
   * the table and y into `outputs`.
   * @returns the rows handled (at most the chosen runner's batch)
   */
  private invokeRows(request: StepRequest, from: number, remaining: number, outputs: Float32Array): number {
    const { inputSize: I, hiddenSize: H, outputSize: C } = this;
    const s = this.scratch;
    const runner = this.pickRunner(remaining);
    const rows = Math.min(remaining, runner.batch);
    const state = this.table.data;
    const x = s.copyX.begin(runner.x, request.frames, I);
    const h = s.copyH.begin(runner.h, state, H);
    for (let r = 0; r < rows; r++) {
      const g = s.active[from + r]!;
      const c = s.groupChunk[g]!;
      x.row(r * I, (s.chunkFrame[c]! + s.groupFrame[g]!) * I);
      h.row(r * H, s.groupSlot[g]! * H);
    }
    x.end();
    h.end();
    // Padding rows: outputs are ignored, zeros keep runs deterministic.
    if (rows < runner.batch) {
      runner.x.fill(0, rows * I);
      runner.h.fill(0, rows * H);
    }
    runner.invoke();
    // Fresh views: WASM memory may have grown during invoke().
    const hOut = s.copyHOut.begin(state, runner.hOut, H);
    const y = s.copyY.begin(outputs, runner.y, C);
    for (let r = 0; r < rows; r++) {
      const g = s.active[from + r]!;
      const c = s.groupChunk[g]!;
      hOut.row(s.groupSlot[g]! * H, r * H);
      y.row((s.chunkOut[c]! + s.groupFrame[g]!) * C, r * C);
    }
    hOut.end();
    y.end();
    this.invokes[runner.batch] = (this.invokes[runner.batch] ?? 0) + 1;
    return rows;
  }

  /** Moves every active group to its next frame, dropping finished ones. @returns groups still active */
  private advance(frameCounts: Int32Array, active: number): number {
    const s = this.scratch;
    let kept = 0;
    for (let k = 0; k < active; k++) {
      const g = s.active[k]!;
      const frame = s.groupFrame[g]! + 1;
      const c = s.groupChunk[g]!;
      if (frame < frameCounts[c]!) {
        s.groupFrame[g] = frame;
      } else {
        const next = s.chunkNext[c]!;
        if (next < 0) continue;
        s.groupChunk[g] = next;
        s.groupFrame[g] = 0;
      }
      s.active[kept++] = g;
    }
    return kept;
  }

  /**
   * The runner for the next invoke of `rows` pending rows: the smallest that holds them all, unless
   * more than half of it would be padding (9 rows in a batch-64 model cost about as much as 64), in
   * which case the largest runner they fill completely, leaving the rest to the next invoke.
   * With more rows than the largest batch: the largest.
   */
  private pickRunner(rows: number): ModelRunner {
    let under: ModelRunner | undefined;
    for (const r of this.runners) {
      if (r.batch >= rows) return r.batch <= 2 * rows || under === undefined ? r : under;
      under = r;
    }
    return this.largest;
  }

  private live(): void {
    if (this.disposed) throw new GruStreamError('E_DISPOSED', 'engine was disposed');
  }
}

/** An optional positive integer option (Infinity allowed), or its default. */
function limitOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 1) || (value !== Infinity && !Number.isInteger(value))) {
    throw new GruStreamError('E_ARGUMENT', `${name}: expected an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/** Checks the runners agree on I, H and C and have distinct batch sizes; returns them by batch, ascending. */
function checkRunners(runners: ModelRunner[]): ModelRunner[] {
  if (!Array.isArray(runners) || runners.length === 0) {
    throw new GruStreamError('E_ARGUMENT', 'runners: expected at least one ModelRunner, got none');
  }
  const sorted = runners.slice().sort((a, b) => a.batch - b.batch);
  const first = sorted[0]!;
  for (const r of sorted) {
    for (const key of ['inputSize', 'hiddenSize', 'outputSize'] as const) {
      if (r[key] !== first[key]) {
        throw new GruStreamError(
          'E_ARGUMENT',
          `runner with batch ${r.batch} has ${key} ${r[key]}; expected ${first[key]} like the batch-${first.batch} runner`,
        );
      }
    }
  }
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]!.batch === sorted[k - 1]!.batch) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `two runners have batch ${sorted[k]!.batch}; expected distinct batch sizes`,
      );
    }
  }
  return sorted;
}

/** Runs shorter than this many floats are copied by a loop: a `subarray` view costs more than that. */
const BLOCK_FLOATS = 256;

/**
 * Copies rows of a fixed length from `src` to `dst`, merging rows that are adjacent on both sides
 * into one block copy (`set` of a `subarray`, i.e. a memcpy). With streams in slot order and one
 * frame per chunk (the common case) a whole batch moves in a few calls instead of a JS loop per row.
 *
 * @example
 * const c = copier.begin(dst, src, H);
 * for (const [d, s] of rows) c.row(d, s);
 * c.end();
 */
class RowCopier {
  private dst: Float32Array = new Float32Array(0);
  private src: Float32Array = new Float32Array(0);
  private rowLength = 0;
  private dstStart = 0;
  private srcStart = 0;
  /** Floats of the pending run (0: none). */
  private length = 0;

  /** Starts copying rows of `rowLength` floats; returns itself. */
  begin(dst: Float32Array, src: Float32Array, rowLength: number): this {
    this.dst = dst;
    this.src = src;
    this.rowLength = rowLength;
    this.length = 0;
    return this;
  }

  /** Copies one row: `src[srcOffset …]` to `dst[dstOffset …]` (at the latest on {@link end}). */
  row(dstOffset: number, srcOffset: number): void {
    const n = this.length;
    if (n > 0 && dstOffset === this.dstStart + n && srcOffset === this.srcStart + n) {
      this.length = n + this.rowLength;
      return;
    }
    if (n > 0) this.flush();
    this.dstStart = dstOffset;
    this.srcStart = srcOffset;
    this.length = this.rowLength;
  }

  /** Copies what is pending. Call before reading `dst` or touching `src`. */
  end(): void {
    if (this.length > 0) this.flush();
  }

  private flush(): void {
    const { dst, src, dstStart, srcStart, length } = this;
    if (length >= BLOCK_FLOATS) dst.set(src.subarray(srcStart, srcStart + length), dstStart);
    else for (let k = 0; k < length; k++) dst[dstStart + k] = src[srcStart + k]!;
    this.length = 0;
  }
}
