/**
 * Gathers chunks of any number of streams for a short window and sends them to the engine as ONE
 * `step` call, then hands each chunk's outputs (or its own error) back to whoever pushed it.
 *
 * At most one step call is in flight: chunks pushed meanwhile accumulate and go out together as soon
 * as it returns. That keeps each stream's chunks in push order across flushes (the engine applies a
 * request's chunks in order) and gives natural backpressure, made explicit by {@link MicroBatcher.pending}
 * and `maxPendingChunks`: beyond it a push is refused with E_CAPACITY, never silently dropped.
 */
import type { EngineInfo, StepRequest, StepResult } from '../engine/protocol.js';
import { deserializeError, GruStreamError } from '../errors.js';
import type { Chunk } from './chunk.js';
import { checkChunk, packChunks } from './chunk.js';

/** What the batcher needs of an engine: its sizes and an async `step`. */
export interface StepTarget {
  readonly model: Pick<EngineInfo, 'inputSize' | 'outputSize'>;
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
}

interface Entry extends Chunk {
  resolve(outputs: Float32Array): void;
  reject(error: GruStreamError): void;
}

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
  private queue: Entry[] = [];
  private inFlight = false;
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
    const bad = checkChunk(stream, frames, this.target.model.inputSize);
    if (bad !== undefined) return Promise.reject(bad);
    if (this.pending >= this.maxPendingChunks) {
      return Promise.reject(
        new GruStreamError(
          'E_CAPACITY',
          `chunk of stream '${stream}' refused: ${this.pending} chunks are pending, the limit (maxPendingChunks) ` +
            `is ${this.maxPendingChunks}; wait for results before pushing more`,
          stream,
        ),
      );
    }
    return new Promise<Float32Array>((resolve, reject) => {
      this.accepted++;
      this.queue.push({ stream, frames, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.flushQueued) return;
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
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.length <= this.maxChunks ? this.queue : this.queue.slice(0, this.maxChunks);
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxChunks);
    this.inFlight = true;
    let sent: Promise<StepResult>;
    try {
      sent = this.target.step(packChunks(batch, this.target.model.inputSize));
    } catch (e) {
      sent = Promise.reject(e);
    }
    sent
      .then(
        (result) => this.route(batch, result),
        (e: unknown) => this.rejectAll(batch, asError(e)),
      )
      .finally(() => {
        this.inFlight = false;
        // Whatever arrived during the call has waited long enough: send it now.
        if (this.queue.length > 0) this.flush();
      });
  };

  /** Hands each chunk its rows of `result.outputs`, or its error. */
  private route(batch: Entry[], result: StepResult): void {
    const { outputs, outputCounts, errors } = result;
    const { inputSize: I, outputSize: C } = this.target.model;
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
    const failed = new Map<number, GruStreamError>();
    for (const { index, error } of errors) failed.set(index, deserializeError(error));
    let row = 0;
    for (let i = 0; i < batch.length; i++) {
      const entry = batch[i]!;
      const count = outputCounts[i]!;
      const error = failed.get(i);
      this.answered++;
      const frames = entry.frames.length / I;
      if (error !== undefined) entry.reject(error);
      else if (count !== frames) {
        const message = `engine returned ${count} rows for a chunk of ${frames} frames of stream '${entry.stream}'`;
        entry.reject(new GruStreamError('E_RUNTIME', message, entry.stream));
      } else entry.resolve(outputs.subarray(row * C, (row + count) * C));
      row += count;
    }
  }

  private rejectAll(batch: Entry[], error: GruStreamError): void {
    this.answered += batch.length;
    for (const entry of batch) entry.reject(error);
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
