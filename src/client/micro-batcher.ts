/**
 * Gathers chunks of any number of streams for a short window and sends them to the engine as ONE
 * `step` call, then hands each chunk's outputs (or its own error) back to whoever pushed it.
 *
 * At most `maxInFlight` step calls (default one) are in flight: chunks pushed meanwhile accumulate and
 * go out together as soon as one returns, before its answers are handed out, so the worker steps the
 * next batch while this thread delivers the last one. Each stream's chunks stay in push order across
 * flushes: batches are sent in order, the worker handles its messages in order and the engine applies
 * a request's chunks in order; answers come back in the same order. Backpressure is explicit:
 * {@link MicroBatcher.pending} and `maxPendingChunks`, beyond which a push is refused with E_CAPACITY,
 * never silently dropped.
 */
import type { EngineInfo, StepRequest, StepResult } from '../protocol/engine.js';
import { deserializeError, GruStreamError } from '../errors.js';
import type { Chunk } from '../protocol/chunk.js';
import { checkChunk, packChunks } from '../protocol/chunk.js';

/** What the batcher needs of an engine: its sizes and an async `step`. */
export interface StepTarget {
  readonly model: Pick<EngineInfo, 'inputSize' | 'outputSize' | 'frontEnd'>;
  step(request: StepRequest): Promise<StepResult>;
}

export interface MicroBatcherOptions {
  /**
   * Window in milliseconds from the first chunk of a batch to its flush. Default 0: flush in a
   * microtask, i.e. batch whatever the current synchronous code pushes.
   */
  windowMs?: number;
  /** Most chunks per step call; a full batch flushes at once without waiting for the window. Default 4096. */
  maxChunks?: number;
  /** Most chunks accepted but not yet answered; more are refused with E_CAPACITY. Default 100 000. */
  maxPendingChunks?: number;
  /**
   * Most step calls in flight at once. Default 1 (the engine clients of `createEngine` use 2). With 2,
   * the next batch is already queued in the worker while it steps the current one, which hides the
   * round trip and this thread's packing; order per stream is kept either way.
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
  private queue: Entry[] = [];
  private inFlight = 0;
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
   * @returns the refusal (E_BAD_CHUNK, E_CAPACITY) when the chunk was not accepted; `sink` is then
   *   never called for it
   * @internal used by the operators
   */
  submit<T>(
    stream: string,
    frames: Float32Array,
    sink: ChunkSink<T>,
    token: T,
    tag = 0,
  ): GruStreamError | undefined {
    const bad = checkChunk(stream, frames, this.target.model.inputSize);
    if (bad !== undefined) return bad;
    if (this.pending >= this.maxPendingChunks) {
      return new GruStreamError(
        'E_CAPACITY',
        `chunk of stream '${stream}' refused: ${this.pending} chunks are pending, the limit (maxPendingChunks) ` +
          `is ${this.maxPendingChunks}; wait for results before pushing more`,
        stream,
      );
    }
    this.accepted++;
    this.queue.push({ stream, frames, sink: sink as ChunkSink<unknown>, token, tag });
    this.schedule();
    return undefined;
  }

  private schedule(): void {
    if (this.inFlight >= this.maxInFlight || this.flushQueued) return;
    if (this.windowMs > 0 && this.queue.length < this.maxChunks) {
      this.timer ??= setTimeout(this.flush, this.windowMs);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushQueued = true;
    queueMicrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.maxChunks ? this.queue : this.queue.slice(0, this.maxChunks);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxChunks);
    this.inFlight++;
    let sent: Promise<StepResult>;
    try {
      sent = this.target.step(packChunks(batch, this.target.model.inputSize, true));
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent.then(
      (result) => {
        this.returned();
        this.route(batch, result);
      },
      (e: unknown) => {
        this.returned();
        this.rejectAll(batch, asError(e));
      },
    );
    // More than a full batch was queued: send the next one now if another call may be in flight.
    if (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.flush();
  };

  /**
   * A step call returned. Whatever arrived meanwhile has waited long enough: it goes out now, before
   * this call's answers are handed out, so the worker steps it while this thread delivers them.
   */
  private returned(): void {
    this.inFlight--;
    if (this.queue.length > 0) this.flush();
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
