/**
 * Gathers chunks of any number of streams for a short window and sends them to the engine as ONE
 * `step` call, then hands each chunk's outputs (or its own error) back to whoever pushed it.
 *
 * At most `maxInFlight` step calls (default one) are in flight: chunks pushed meanwhile accumulate and
 * go out together as soon as one returns, before its answers are handed out, so the worker steps the
 * next batch while this thread delivers the last one. Each stream's chunks stay in push order across
 * flushes: batches are sent in order, the worker handles its messages in order and the engine applies
 * a request's chunks in order; answers come back in the same order. Backpressure is explicit:
 * {@link MicroBatcher.pending} and `maxPendingChunks`, beyond which a push is refused with E_CAPACITY
 * (or, for a stream pushed with the 'drop-oldest' policy, its oldest unsent chunk is answered with
 * E_CAPACITY instead), never silently dropped.
 *
 * Overload holds: `maxPendingChunks` bounds both the memory held here and how long an accepted chunk
 * waits (at most that many chunks ahead of it), refusals are built without a stack trace and returned
 * at once, and `maxFramesPerCall` bounds the work of one step call, so a long chunk of one stream
 * never holds back the others for longer than one call.
 */
import type { EngineInfo, StepRequest, StepResult } from '../protocol/engine.js';
import { deserializeError, GruStreamError, refusal } from '../errors.js';
import type { Chunk, ChunkLimits } from '../protocol/chunk.js';
import { checkChunk, chunkShapeError, DEFAULT_CHUNK_LIMITS, packChunks } from '../protocol/chunk.js';
import { Fifo, Lane } from './batch-queues.js';

/** What the batcher needs of an engine: its sizes (and limits, when it reports them) and an async `step`. */
export interface StepTarget {
  readonly model: Pick<EngineInfo, 'inputSize' | 'outputSize' | 'frontEnd' | 'limits'>;
  step(request: StepRequest): Promise<StepResult>;
  /**
   * Independent engines behind this target (an engine pool's workers). When present, the batcher
   * keeps one queue per lane and sends each lane's chunks to it directly, instead of one call that
   * the target would split per lane and merge again. `step` is then not used by the batcher.
   */
  readonly lanes?: StepLanes;
}

/** See {@link StepTarget.lanes}. */
export interface StepLanes {
  /** Number of lanes (≥ 1). */
  readonly count: number;
  /** The lane of a stream, in [0, count); the same for every chunk of a stream, so its order holds. */
  laneOf(stream: string): number;
  /**
   * Steps a packed request whose chunks all belong to `lane`. The request's arrays are fresh and
   * seen by nobody else: the callee may keep them (e.g. in a journal) or transfer them.
   */
  step(lane: number, request: StepRequest): Promise<StepResult>;
}

/**
 * What happens to a chunk pushed while `maxPendingChunks` chunks are pending.
 * - 'refuse-newest' (default): the new chunk is refused with E_CAPACITY.
 * - 'drop-oldest': the stream's oldest chunk not yet sent to the engine is answered with E_CAPACITY
 *   (counted in `counters.dropped`) and the new one takes its place; when none of the stream's chunks
 *   is still unsent, the new one is refused as with 'refuse-newest'. For live data where the latest
 *   chunk matters more than an old one.
 */
export type OverflowPolicy = 'refuse-newest' | 'drop-oldest';

/** What a batcher has done since it was created (chunks). */
export interface BatcherCounters {
  /** Accepted into the queue. */
  accepted: number;
  /** Accepted and answered (outputs or an error), dropped ones included. */
  answered: number;
  /** Refused at push: malformed (E_BAD_CHUNK) or over capacity (E_CAPACITY). */
  refused: number;
  /** Accepted, then dropped for a newer chunk of the same stream ('drop-oldest'). */
  dropped: number;
}

export interface MicroBatcherOptions {
  /**
   * Window in milliseconds from the first chunk of a batch to its flush. Default 0: flush in a
   * microtask, i.e. batch whatever the current synchronous code pushes.
   */
  windowMs?: number;
  /** Most chunks per step call; a full batch flushes at once without waiting for the window. Default 4096. */
  maxChunks?: number;
  /**
   * Most chunks accepted but not yet answered; more are refused with E_CAPACITY (see
   * {@link OverflowPolicy}). Bounds the memory held and the wait of an accepted chunk
   * (≈ maxPendingChunks / chunks stepped per second). Default 100 000.
   */
  maxPendingChunks?: number;
  /**
   * Most frames (summed over chunks) per step call; a batch closes before the chunk that would exceed
   * it (a batch always takes at least one chunk). Bounds the time of one call, so streams with short
   * chunks are not held back behind long ones. Default 65 536.
   */
  maxFramesPerCall?: number;
  /**
   * Most step calls in flight at once, per lane (see {@link StepTarget.lanes}: per pool worker).
   * Default 1 (the engine clients of `createEngine` and the pool use 2). With 2, the next batch is
   * already queued in the worker while it steps the current one, which hides the round trip and this
   * thread's packing; order per stream is kept either way.
   */
  maxInFlight?: number;
}

/**
 * Where the answer of a chunk queued with {@link MicroBatcher.submit} goes. The batcher calls exactly
 * one method once per accepted chunk, in push order; `token` and `tag` are what the caller passed.
 * @internal used by the operators, which deliver answers without a promise per chunk
 */
export interface ChunkSink<T> {
  /** The chunk's T × C outputs are `outputs[offset, offset + length)`, a buffer of this batch only. */
  answer(token: T, tag: number, outputs: Float32Array, offset: number, length: number): void;
  fail(token: T, tag: number, error: GruStreamError): void;
}

interface Entry extends Chunk {
  sink: ChunkSink<unknown>;
  token: unknown;
  tag: number;
  /** 0: queued; 1: sent in a step call; 2: dropped while queued (skipped when packing). */
  state: 0 | 1 | 2;
  /** The lane (pool worker) whose queue holds it; 0 without lanes. */
  lane: number;
  /** Pushed with 'drop-oldest': listed in the batcher's per-stream queue of droppable entries. */
  droppable: boolean;
}

interface Settle {
  resolve(outputs: Float32Array): void;
  reject(error: GruStreamError): void;
}

/** The sink behind {@link MicroBatcher.push}: settles the chunk's promise. */
const PROMISE_SINK: ChunkSink<Settle> = {
  answer: (settle, _tag, outputs, offset, length) =>
    settle.resolve(outputs.subarray(offset, offset + length)),
  fail: (settle, _tag, error) => settle.reject(error),
};

/**
 * Micro-batches chunks into step calls.
 *
 * @example
 * const batcher = new MicroBatcher(engine, { windowMs: 4 });
 * const outputs = await batcher.push('mic-1', frames); // T × C floats
 */
export class MicroBatcher {
  private readonly windowMs: number;
  private readonly maxChunks: number;
  private readonly maxPendingChunks: number;
  private readonly maxInFlight: number;
  private readonly maxFramesPerCall: number;
  private readonly limits: ChunkLimits;
  /** One queue per lane (one without lanes). */
  private readonly lanes: Lane<Entry>[];
  private readonly laneOf: ((stream: string) => number) | undefined;
  /** Per stream pushed with 'drop-oldest': its queued entries, oldest first (sent ones trimmed at flush). */
  private readonly droppable = new Map<string, Fifo<Entry>>();
  private refused = 0;
  private dropped = 0;
  private flushQueued = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private answered = 0;
  private accepted = 0;

  constructor(
    private readonly target: StepTarget,
    options: MicroBatcherOptions = {},
  ) {
    this.windowMs = checkOption('windowMs', options.windowMs ?? 0, 0);
    this.maxChunks = checkOption('maxChunks', options.maxChunks ?? 4096, 1);
    this.maxPendingChunks = checkOption('maxPendingChunks', options.maxPendingChunks ?? 100_000, 1);
    this.maxInFlight = checkOption('maxInFlight', options.maxInFlight ?? 1, 1);
    this.maxFramesPerCall = checkOption('maxFramesPerCall', options.maxFramesPerCall ?? 65_536, 1);
    this.limits = target.model.limits ?? DEFAULT_CHUNK_LIMITS;
    const lanes = target.lanes;
    if (lanes === undefined) {
      // `target.step` looked up per call, so a wrapper installed later (a benchmark's counter) is used.
      this.lanes = [new Lane<Entry>((request) => this.target.step(request))];
    } else {
      if (!Number.isInteger(lanes.count) || lanes.count < 1) {
        throw new GruStreamError(
          'E_ARGUMENT',
          `MicroBatcher lanes: expected a count ≥ 1, got ${lanes.count}`,
        );
      }
      this.lanes = Array.from({ length: lanes.count }, (_, k) => new Lane<Entry>((r) => lanes.step(k, r)));
      this.laneOf = (stream) => lanes.laneOf(stream);
    }
  }

  /** What the batcher has done so far. */
  get counters(): BatcherCounters {
    return { accepted: this.accepted, answered: this.answered, refused: this.refused, dropped: this.dropped };
  }

  /** Chunks accepted and not yet answered (queued or in the step call in flight). */
  get pending(): number {
    return this.accepted - this.answered;
  }

  /**
   * Queues one chunk for the next step call.
   * @param frames T × inputSize floats; read when the batch is packed, so do not modify it before then
   * @returns the chunk's outputs, T × outputSize floats (a view into the batch's result, never reused)
   * @throws (rejects) E_BAD_CHUNK for a malformed chunk, E_CAPACITY beyond `maxPendingChunks`, or the
   *   error the engine reported for this chunk or for the whole call
   */
  push(stream: string, frames: Float32Array): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      const refused = this.submit(stream, frames, PROMISE_SINK, { resolve, reject });
      if (refused !== undefined) reject(refused);
    });
  }

  /**
   * Queues one chunk like {@link push}, but hands its answer to `sink` (no promise per chunk).
   * @param overflow what to do when `maxPendingChunks` are pending (default 'refuse-newest')
   * @returns the refusal (E_BAD_CHUNK, E_CAPACITY) when the chunk was not accepted; `sink` is then
   *   never called for it. Refusals carry no stack trace: under overload they are the hot path.
   * @internal used by the operators
   */
  submit<T>(
    stream: string,
    frames: Float32Array,
    sink: ChunkSink<T>,
    token: T,
    tag = 0,
    overflow: OverflowPolicy = 'refuse-newest',
  ): GruStreamError | undefined {
    const I = this.target.model.inputSize;
    const full = this.pending >= this.maxPendingChunks;
    // Under overload most pushes are refused: a well-shaped chunk that is refused anyway is not scanned
    // for NaN first (the scan reads every float). A chunk that may displace another one is scanned.
    const bad =
      full && overflow === 'refuse-newest'
        ? chunkShapeError(stream, frames, I, this.limits)
        : checkChunk(stream, frames, I, this.limits);
    if (bad !== undefined) {
      this.refused++;
      return bad;
    }
    if (full && !(overflow === 'drop-oldest' && this.dropOldest(stream))) {
      this.refused++;
      return refusal(
        'E_CAPACITY',
        `chunk of stream '${stream}' refused: ${this.pending} chunks are pending, the limit (maxPendingChunks) ` +
          `is ${this.maxPendingChunks}; wait for results before pushing more`,
        stream,
      );
    }
    this.accepted++;
    const droppable = overflow === 'drop-oldest';
    const lane = this.laneOf === undefined ? 0 : this.laneOf(stream);
    const entry: Entry = {
      stream,
      frames,
      sink: sink as ChunkSink<unknown>,
      token,
      tag,
      state: 0,
      lane,
      droppable,
    };
    this.lanes[lane]!.queue.push(entry);
    if (droppable) {
      let list = this.droppable.get(stream);
      if (list === undefined) this.droppable.set(stream, (list = new Fifo<Entry>()));
      list.push(entry);
    }
    this.schedule(this.lanes[lane]!);
    return undefined;
  }

  /**
   * Answers the stream's oldest queued (unsent) chunk with E_CAPACITY, freeing its place.
   * @returns false when the stream has no queued chunk
   */
  private dropOldest(stream: string): boolean {
    const list = this.droppable.get(stream);
    const entry = list?.shift();
    if (entry === undefined) return false;
    if (list!.size === 0) this.droppable.delete(stream);
    entry.state = 2;
    entry.frames = EMPTY; // its memory is not held until the tombstone leaves the queue
    this.answered++;
    this.dropped++;
    const error = refusal(
      'E_CAPACITY',
      `chunk of stream '${stream}' dropped before it was stepped: ${this.maxPendingChunks} chunks were ` +
        "pending (maxPendingChunks) and a newer chunk of the stream came with policy 'drop-oldest'",
      stream,
    );
    DROPPED.add(error);
    deliver(entry, undefined, 0, 0, error);
    return true;
  }

  /** A chunk was queued on `lane`: a flush is due now, after the window, or when a call returns. */
  private schedule(lane: Lane<Entry>): void {
    if (lane.inFlight >= this.maxInFlight || this.flushQueued) return;
    if (this.windowMs > 0 && lane.queued < this.maxChunks) {
      this.timer ??= setTimeout(this.flush, this.windowMs);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushQueued = true;
    queueMicrotask(this.flush);
  }

  /** Sends what every lane has queued, as far as its calls in flight allow. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const lane of this.lanes) this.flushLane(lane);
  };

  /** Sends the lane's queued chunks in batches while fewer than `maxInFlight` of its calls are out. */
  private flushLane(lane: Lane<Entry>): void {
    while (lane.inFlight < this.maxInFlight && lane.queued > 0) {
      const batch = this.takeBatch(lane);
      if (batch.length === 0) return; // only dropped chunks were queued
      lane.inFlight++;
      let sent: Promise<StepResult>;
      try {
        sent = lane.step(packChunks(batch, this.target.model.inputSize, true));
      } catch (e) {
        sent = Promise.reject(e);
      }
      sent.then(
        (result) => {
          this.returned(lane);
          this.route(batch, result);
        },
        (e: unknown) => {
          this.returned(lane);
          this.rejectAll(batch, asError(e));
        },
      );
    }
  }

  /**
   * Takes the lane's next batch off its queue: at most `maxChunks` live chunks and `maxFramesPerCall`
   * frames (at least one chunk); dropped chunks are skipped.
   */
  private takeBatch(lane: Lane<Entry>): Entry[] {
    const queue = lane.queue;
    const I = this.target.model.inputSize;
    const batch: Entry[] = [];
    let frames = 0;
    let k = lane.head;
    for (; k < queue.length && batch.length < this.maxChunks; k++) {
      const entry = queue[k]!;
      if (entry.state === 2) continue;
      const T = entry.frames.length / I;
      if (batch.length > 0 && frames + T > this.maxFramesPerCall) break;
      frames += T;
      entry.state = 1;
      if (entry.droppable) this.trimDroppable(entry);
      batch.push(entry);
    }
    // Not `queue.slice(k)` per batch: under overload the queue holds maxPendingChunks entries, and
    // copying them for every batch of 4096 was most of this thread's garbage.
    if (k === queue.length) {
      lane.queue = [];
      lane.head = 0;
    } else if (2 * k >= queue.length) {
      lane.queue = queue.slice(k);
      lane.head = 0;
    } else {
      for (let j = lane.head; j < k; j++) queue[j] = undefined as unknown as Entry; // not held
      lane.head = k;
    }
    return batch;
  }

  /** `entry` was sent: it leaves its stream's droppable list (where it is the oldest). */
  private trimDroppable(entry: Entry): void {
    const list = this.droppable.get(entry.stream);
    if (list === undefined || list.first !== entry) return;
    list.shift();
    if (list.size === 0) this.droppable.delete(entry.stream);
  }

  /**
   * A step call of `lane` returned. Whatever arrived for it meanwhile has waited long enough: it goes
   * out now, before this call's answers are handed out, so the worker steps it while this thread
   * delivers them.
   */
  private returned(lane: Lane<Entry>): void {
    lane.inFlight--;
    if (lane.queued > 0) this.flushLane(lane);
  }

  /** Hands each chunk its rows of `result.outputs`, or its error. */
  private route(batch: Entry[], result: StepResult): void {
    const { outputs, outputCounts, errors } = result;
    const { inputSize: I, outputSize: C } = this.target.model;
    const frontEnd = this.target.model.frontEnd !== undefined;
    const rows = outputCounts.reduce((a, b) => a + b, 0);
    if (outputCounts.length !== batch.length || outputs.length !== rows * C) {
      this.rejectAll(
        batch,
        new GruStreamError(
          'E_RUNTIME',
          `step result does not match its request: ${outputCounts.length} output counts for ${batch.length} chunks, ` +
            `${outputs.length} output floats for ${rows} rows × ${C}`,
        ),
      );
      return;
    }
    let failed: Map<number, GruStreamError> | undefined;
    for (const { index, error } of errors) (failed ??= new Map()).set(index, deserializeError(error));
    let row = 0;
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      const count = outputCounts[i]!;
      const error = failed?.get(i);
      this.answered++;
      const frames = entry.frames.length / I;
      if (error !== undefined) deliver(entry, undefined, 0, 0, error);
      // One row per frame, or, behind a front-end model, the GRU steps the frames completed (≤ frames).
      else if (frontEnd ? count > frames : count !== frames) {
        const message = `engine returned ${count} rows for a chunk of ${frames} frames of stream '${entry.stream}'`;
        deliver(entry, undefined, 0, 0, new GruStreamError('E_RUNTIME', message, entry.stream));
      } else deliver(entry, outputs, row * C, count * C, undefined);
      row += count;
    }
  }

  private rejectAll(batch: Entry[], error: GruStreamError): void {
    this.answered += batch.length;
    for (const entry of batch) deliver(entry, undefined, 0, 0, error);
  }
}

/**
 * Calls the entry's sink. A sink that throws must not keep the chunks after it unanswered: its error
 * is reported asynchronously, like an error thrown in a promise callback.
 */
function deliver(
  entry: Entry,
  outputs: Float32Array | undefined,
  offset: number,
  length: number,
  error: GruStreamError | undefined,
): void {
  try {
    if (error !== undefined) entry.sink.fail(entry.token, entry.tag, error);
    else entry.sink.answer(entry.token, entry.tag, outputs!, offset, length);
  } catch (e) {
    setTimeout(() => {
      throw e;
    });
  }
}

const EMPTY = new Float32Array(0);

/** The errors of dropped chunks ('drop-oldest'), told apart from the engine's E_CAPACITY. */
const DROPPED = new WeakSet<GruStreamError>();

/** True when a chunk's error says it was dropped for a newer chunk of its stream ('drop-oldest'). */
export function isDropped(error: GruStreamError): boolean {
  return DROPPED.has(error);
}

function asError(e: unknown): GruStreamError {
  if (e instanceof GruStreamError) return e;
  const reason = e instanceof Error ? e.message : String(e);
  return new GruStreamError('E_RUNTIME', `step call failed: ${reason}`);
}

function checkOption(name: string, value: number, min: number): number {
  if (typeof value !== 'number' || !(value >= min) || (min > 0 && !Number.isInteger(value))) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `MicroBatcher ${name}: expected a number ≥ ${min}, got ${String(value)}`,
    );
  }
  return value;
}
