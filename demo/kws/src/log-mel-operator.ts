/**
 * Audio → model frames, as an RxJS operator: 16 kHz sample blocks in, chunks of T ≥ 1 log-mel frames
 * out (T × melBins floats, frame-major), normalised when the model asks for it. This is the library's
 * front end (`gru-stream/features`), the same code the model's training features came from.
 */
import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { LogMelFrontEnd } from 'gru-stream/features';

/**
 * @param createFrontEnd a fresh front end per subscription (it carries the audio between blocks)
 * @param normalize in-place per-feature normalisation, when the model's manifest has statistics
 */
export function logMelChunks(
  createFrontEnd: () => LogMelFrontEnd,
  normalize?: (frames: Float32Array) => void,
): OperatorFunction<Float32Array, Float32Array> {
  return (source) =>
    new Observable<Float32Array>((subscriber) => {
      const frontEnd = createFrontEnd();
      return source.subscribe({
        next: (block) => {
          const count = frontEnd.push(block);
          // A block shorter than a hop may complete no frame.
          if (count === 0) return;
          // A fresh array per chunk: the engine's batcher keeps it until its next flush.
          const frames = new Float32Array(count * frontEnd.melBins);
          frontEnd.pull(frames);
          normalize?.(frames);
          subscriber.next(frames);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
