import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { ErrorCode, GruStreamError } from '../errors.js';
import type { Chunk } from './chunk.js';
import type { EngineClient } from './client.js';
import { closeStreamAfter } from './close-stream.js';
import { answerOf, emitPredictions } from './prediction.js';
import type { ChunkAnswer, Prediction } from './prediction.js';

export interface InferManyOptions {
  /** Batching window in milliseconds (see `infer`). Default 0: one microtask. */
  windowMs?: number;
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
  seq: number;
  nextFrame: number;
  opened: boolean;
  /** Answers of this stream are handled in push order along this chain. */
  tail: Promise<unknown>;
}

/**
 * Runs many streams through the engine from one source of `{ stream, frames }` chunks (frames: a
 * Float32Array of T × inputSize floats) and emits their predictions, each stream's in frame order.
 *
 * One Observable cannot error per stream, so a chunk the engine refuses is emitted as a
 * {@link ChunkFailure} value (test with {@link isChunkFailure}) and that stream, like all others,
 * keeps flowing: the refused chunk did not touch its state. Only failures of the whole engine
 * (E_WORKER_DEAD, E_TIMEOUT, E_DISPOSED) error the Observable. When the subscription ends, every
 * stream it opened is closed in the engine.
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
      const streams = new Map<string, StreamState>();
      let unanswered = 0;
      let sourceDone = false;

      const handle = (stream: string, state: StreamState, seq: number, s: ChunkAnswer): void => {
        unanswered--;
        if ('error' in s) {
          if (subscriber.closed) return;
          if (FATAL.includes(s.error.code)) {
            subscriber.error(s.error);
            return;
          }
          subscriber.next({ stream, seq, error: s.error });
        } else {
          state.opened = true;
          // Frames are numbered here, in push order: a refused chunk did not advance the stream.
          const firstFrame = state.nextFrame;
          state.nextFrame += s.outputs.length / outputSize;
          if (subscriber.closed) return;
          emitPredictions(subscriber, stream, seq, firstFrame, s.outputs, outputSize, labels);
        }
        if (sourceDone && unanswered === 0) subscriber.complete();
      };

      const subscription = source.subscribe({
        next: (chunk) => {
          // Read defensively: a malformed value must become this chunk's E_BAD_CHUNK, not a throw here.
          const { stream, frames } = (chunk ?? {}) as Partial<Chunk> as Chunk;
          let state = streams.get(stream);
          if (state === undefined) {
            state = { seq: 0, nextFrame: 0, opened: false, tail: Promise.resolve() };
            streams.set(stream, state);
          }
          const s = state;
          const seq = s.seq++;
          unanswered++;
          // Send now (so it batches with its peers), but handle answers in push order.
          const settled = answerOf(batcher.push(stream, frames));
          s.tail = s.tail.then(() => settled).then((result) => handle(stream, s, seq, result));
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          sourceDone = true;
          if (unanswered === 0) subscriber.complete();
        },
      });

      return () => {
        subscription.unsubscribe();
        for (const [stream, state] of streams)
          closeStreamAfter(engine, stream, state.tail, () => state.opened);
      };
    });
}
