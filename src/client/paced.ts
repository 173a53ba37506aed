/**
 * Feeding a known sequence of chunks through an operator without tripping its backpressure: at most
 * `window` chunks are unanswered at any time, the next one goes in as each is answered. For inputs of
 * any length (a 20-minute WAV in 10 ms chunks, a 100 000-character line), where `from(chunks)` would
 * push them all at once and be refused beyond `maxPendingChunks`.
 */
import { Observable, Subject } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

/**
 * @param items the chunks, in order (read lazily)
 * @param window most items unanswered at once (keep it under the batcher's `maxPendingChunks`)
 * @param pipeline the operator the items go through, e.g. `inferMany(engine)`
 * @param completes true for the output value that completes one item (its last prediction, or its
 *   failure); each item must be completed exactly once
 *
 * @example
 * paced(chunks, 1024, inferMany(engine), (v) => isChunkFailure(v) || isLastFrame(v)).subscribe(...)
 */
export function paced<T, R>(
  items: Iterable<T>,
  window: number,
  pipeline: OperatorFunction<T, R>,
  completes: (value: R) => boolean,
): Observable<R> {
  return new Observable<R>((subscriber) => {
    const source = new Subject<T>();
    const it = items[Symbol.iterator]();
    let unanswered = 0;
    let pumping = false;
    let ended = false;
    const pump = (): void => {
      // An answer delivered synchronously inside `source.next` lands here again: the running loop
      // sees the freed slot, so a nested call has nothing to do.
      if (pumping || ended) return;
      pumping = true;
      try {
        while (unanswered < window && !subscriber.closed) {
          const n = it.next();
          if (n.done === true) {
            ended = true;
            source.complete();
            return;
          }
          unanswered++;
          source.next(n.value);
        }
      } finally {
        pumping = false;
      }
    };
    const subscription = source.pipe(pipeline).subscribe({
      next: (value) => {
        subscriber.next(value);
        if (completes(value)) {
          unanswered--;
          pump();
        }
      },
      error: (e: unknown) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    pump();
    return () => subscription.unsubscribe();
  });
}

/**
 * For `completes`: the index of the last frame of each chunk, per stream, as the operators number
 * frames (from 0 per stream, in push order).
 * @returns lastFrame(stream, seq)
 */
export function lastFrames(
  chunks: Iterable<{ stream: string; frames: number }>,
): (stream: string, seq: number) => number {
  const ends = new Map<string, number[]>();
  for (const { stream, frames } of chunks) {
    let list = ends.get(stream);
    if (list === undefined) ends.set(stream, (list = []));
    list.push((list.length === 0 ? -1 : list[list.length - 1]!) + frames);
  }
  return (stream, seq) => ends.get(stream)?.[seq] ?? -1;
}
