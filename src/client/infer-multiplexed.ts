import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { ErrorCode, GruStreamError } from '../errors.js';
import type { Chunk } from '../protocol/chunk.js';
import type { EngineClient } from './client.js';
import { closeStreamAfter, completeAfterClosing } from './close-stream.js';
import type { ChunkSink, OverflowPolicy } from './micro-batcher.js';
import { emitPredictions } from './prediction.js';
import type { Prediction } from './prediction.js';
import { StreamAnswers } from './stream-answers.js';

export interface InferManyOptions {
  /** Batching window in milliseconds (see `infer`). Default 0: one microtask. */
  windowMs?: number;
  /**
   * What a stream's chunk does when the batcher's `maxPendingChunks` are pending: a policy for every
   * stream, or a function choosing one per stream id (asked once, at the stream's first chunk).
   * Default 'refuse-newest'. Either way the refused or dropped chunk is emitted as a
   * {@link ChunkFailure} with E_CAPACITY; dropped ones are also counted in the batcher's `counters`.
   */
  overflow?: OverflowPolicy | ((stream: string) => OverflowPolicy);
}

/** A chunk the engine refused; emitted in place of its predictions. Its stream keeps flowing. */
export interface ChunkFailure {
  stream: string;
  /** Index of the refused chunk in its stream, from 0 at subscription. */
  seq: number;
  /** Why: E_BAD_CHUNK (malformed), E_STREAM (closed stream), E_CAPACITY (too many streams or pending chunks)… */
  error: GruStreamError;
}

/** True for a {@link ChunkFailure} among {@link inferMany}'s values. */
export function isChunkFailure(value: Prediction | ChunkFailure): value is ChunkFailure {
  return 'error' in value;
}

/** Failures of the engine as a whole: no stream can continue, so they error the Observable. */
const FATAL: readonly ErrorCode[] = ['E_WORKER_DEAD', 'E_TIMEOUT', 'E_DISPOSED'];

interface StreamState {
  id: string;
  /** Index of the next chunk pushed. */
  seq: number;
  /** Index of the next frame answered. */
  nextFrame: number;
  opened: boolean;
  overflow: OverflowPolicy;
  /** Answers of this stream are handled in push order through this. */
  answers: StreamAnswers;
}

/**
 * Runs many streams through the engine from one source of `{ stream, frames }` chunks (frames: a
 * Float32Array of T × inputSize floats) and emits their predictions, each stream's in frame order.
 *
 * One Observable cannot error per stream, so a chunk the engine refuses is emitted as a
 * {@link ChunkFailure} value (test with {@link isChunkFailure}) and that stream, like all others,
 * keeps flowing: the refused chunk did not touch its state. Only failures of the whole engine
 * (E_WORKER_DEAD, E_TIMEOUT, E_DISPOSED) error the Observable. When the subscription ends, every
 * stream it opened is closed in the engine; on complete, those closes are answered before `complete`
 * is delivered, so the same ids can be opened again right away.
 *
 * @example
 * sensorChunks$.pipe(inferMany(engine, { windowMs: 5 })).subscribe((v) => {
 *   if (isChunkFailure(v)) log.warn(v.stream, v.error.code);
 *   else store(v.stream, v.frame, v.output);
 * });
 */
export function inferMany(
  engine: Pick<EngineClient, 'model' | 'batcher' | 'close'>,
  options: InferManyOptions = {},
): OperatorFunction<Chunk, Prediction | ChunkFailure> {
  return (source) =>
    new Observable<Prediction | ChunkFailure>((subscriber) => {
      const batcher = engine.batcher(options.windowMs ?? 0);
      const { outputSize, labels } = engine.model;
      const overflow = options.overflow ?? 'refuse-newest';
      const streams = new Map<string, StreamState>();
      /** Chunks pushed and not yet handled (answered, or refused and delivered). */
      let unanswered = 0;
      let sourceDone = false;

      let finishing = false;
      /** All chunks answered after the source completed: close the opened streams, then complete. */
      const finish = (): void => {
        if (finishing) return;
        finishing = true;
        const opened = [...streams.values()].filter((s) => s.opened);
        for (const s of opened) s.opened = false; // closed here: the teardown must not close them again
        completeAfterClosing(
          engine,
          opened.map((s) => s.id),
          subscriber,
        );
      };
      const report = (stream: string, seq: number, error: GruStreamError): void => {
        unanswered--;
        if (!subscriber.closed) {
          if (FATAL.includes(error.code)) subscriber.error(error);
          else subscriber.next({ stream, seq, error });
        }
        if (sourceDone && unanswered === 0) finish();
      };
      // One sink for all chunks: the stream's state is the token and the chunk's seq the tag.
      const sink: ChunkSink<StreamState> = {
        answer: (s, seq, outputs, offset, length) => {
          s.answers.beforeAnswer();
          unanswered--;
          s.opened = true;
          // Frames are numbered here, in push order: a refused chunk did not advance the stream.
          const firstFrame = s.nextFrame;
          s.nextFrame += length / outputSize;
          if (!subscriber.closed) {
            emitPredictions(subscriber, s.id, seq, firstFrame, outputs, offset, length, outputSize, labels);
          }
          s.answers.afterAnswer();
          if (sourceDone && unanswered === 0) finish();
        },
        fail: (s, seq, error) => {
          s.answers.beforeAnswer();
          report(s.id, seq, error);
          s.answers.afterAnswer();
        },
      };

      const subscription = source.subscribe({
        next: (chunk) => {
          // Read defensively: a malformed value must become this chunk's E_BAD_CHUNK, not a throw here.
          const { stream, frames } = (chunk ?? {}) as Partial<Chunk> as Chunk;
          let s = streams.get(stream);
          if (s === undefined) {
            const id = stream;
            s = {
              id,
              seq: 0,
              nextFrame: 0,
              opened: false,
              overflow: typeof overflow === 'function' ? overflow(id) : overflow,
              answers: new StreamAnswers((seq, error) => report(id, seq, error)),
            };
            streams.set(stream, s);
          }
          const seq = s.seq++;
          unanswered++;
          // Sent now (so it batches with its peers); answers are handled in push order.
          const refused = batcher.submit(stream, frames, sink, s, seq, s.overflow);
          if (refused === undefined) s.answers.accepted++;
          // Over capacity: emitted at once, not held behind the stream's pending chunks, so refusals
          // hold no memory and the source learns of the overload while it pushes.
          else if (refused.code === 'E_CAPACITY') report(s.id, seq, refused);
          else s.answers.refuse(seq, refused);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (unanswered === 0) finish();
        },
      });

      return () => {
        subscription.unsubscribe();
        for (const s of streams.values()) {
          closeStreamAfter(engine, s.id, s.answers.whenIdle(), () => s.opened);
        }
      };
    });
}
