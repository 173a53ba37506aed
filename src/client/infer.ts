import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { EngineClient } from './client.js';
import { closeStreamAfter, completeAfterClosing } from './close-stream.js';
import type { GruStreamError } from '../errors.js';
import { isDropped } from './micro-batcher.js';
import type { ChunkSink, OverflowPolicy } from './micro-batcher.js';
import { emitPredictions } from './prediction.js';
import type { Prediction } from './prediction.js';
import { StreamAnswers } from './stream-answers.js';

export interface InferOptions {
  /** The stream's id in the engine; its GRU state lives there under this id while subscribed. */
  stream: string;
  /**
   * Batching window in milliseconds: chunks of all streams using the same window within it share one
   * worker call. Default 0: one microtask (no added latency).
   */
  windowMs?: number;
  /**
   * When the batcher's `maxPendingChunks` are pending: 'refuse-newest' (default) errors this
   * Observable with E_CAPACITY; 'drop-oldest' skips the stream's oldest unsent chunk instead (no
   * predictions for it, counted in `engine.batcher(windowMs).counters.dropped`) and keeps going.
   */
  overflow?: OverflowPolicy;
}

/**
 * Runs one stream through the engine: each source value is a chunk of T ≥ 1 frames (a Float32Array of
 * T × inputSize floats) and becomes T predictions, in frame order.
 *
 * - The stream's state lives in the engine from its first chunk; when the subscription ends (complete,
 *   error or unsubscribe) the stream is closed there, after its last chunk was answered. On complete
 *   the close is answered before `complete` is delivered. A closed id stays closed: to subscribe again
 *   under the same id, `open()` or `restore()` it first.
 * - An error of this stream (a malformed chunk: E_BAD_CHUNK; engine or worker failures) errors this
 *   Observable only; other streams are unaffected.
 * - The source is not paused: chunks beyond the batcher's `maxPendingChunks` fail with E_CAPACITY.
 *
 * @example
 * features$.pipe(infer(engine, { stream: 'mic-1' })).subscribe((p) => console.log(p.frame, p.label, p.score));
 */
export function infer(
  engine: Pick<EngineClient, 'model' | 'batcher' | 'close'>,
  options: InferOptions,
): OperatorFunction<Float32Array, Prediction> {
  const { stream } = options;
  return (source) =>
    new Observable<Prediction>((subscriber) => {
      const batcher = engine.batcher(options.windowMs ?? 0);
      const { outputSize, labels } = engine.model;
      let seq = 0;
      let nextFrame = 0;
      let unanswered = 0;
      let sourceDone = false;
      let opened = false;

      let finishing = false;
      /** All chunks answered after the source completed: close the stream, then complete. */
      const finish = (): void => {
        if (finishing) return;
        finishing = true;
        completeAfterClosing(engine, opened ? [stream] : [], subscriber);
        opened = false; // closed here: the teardown must not close it again
      };
      const overflow = options.overflow ?? 'refuse-newest';
      /** Set by the first refusal: the Observable errors with it, later chunks are not queued. */
      let refusedOnce = false;
      const fail = (error: GruStreamError): void => {
        unanswered--;
        subscriber.error(error);
      };
      // Answers are handled in push order: a refused chunk waits for the chunks accepted before it.
      const answers = new StreamAnswers((_seq, error) => fail(error));
      const sink: ChunkSink<undefined> = {
        answer: (_token, chunkSeq, outputs, offset, length) => {
          answers.beforeAnswer();
          unanswered--;
          opened = true;
          const firstFrame = nextFrame;
          nextFrame += length / outputSize;
          if (!subscriber.closed) {
            emitPredictions(
              subscriber,
              stream,
              chunkSeq,
              firstFrame,
              outputs,
              offset,
              length,
              outputSize,
              labels,
            );
            if (sourceDone && unanswered === 0) finish();
          }
          answers.afterAnswer();
        },
        fail: (_token, _seq, error) => {
          answers.beforeAnswer();
          if (isDropped(error)) {
            unanswered--; // skipped, not an error of the stream (see InferOptions.overflow)
            if (sourceDone && unanswered === 0) finish();
          } else fail(error);
          answers.afterAnswer();
        },
      };

      const subscription = source.subscribe({
        next: (frames) => {
          // Doomed by an earlier refusal (delivered once the chunks before it are answered): queuing
          // more would only hold memory, so an overloading source costs nothing from here on.
          if (refusedOnce) return;
          const chunkSeq = seq++;
          unanswered++;
          // Sent now (so it batches with its peers); answers are handled in push order.
          const refused = batcher.submit(stream, frames, sink, undefined, chunkSeq, overflow);
          if (refused === undefined) answers.accepted++;
          else {
            refusedOnce = true;
            answers.refuse(chunkSeq, refused);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (unanswered === 0) finish();
        },
      });

      return () => {
        subscription.unsubscribe();
        // `opened` is read when the last answer is in, not now: an answer may still open the stream.
        closeStreamAfter(engine, stream, answers.whenIdle(), () => opened);
      };
    });
}
