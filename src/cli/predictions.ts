/**
 * The file commands' way of running their chunks: all of them through `inferMany`, every prediction
 * to a callback, and the first refused chunk fails the command (a file the model cannot take is an
 * error here, not something to skip over).
 */
import { lastValueFrom, tap } from 'rxjs';
import { inferMany, isChunkFailure } from '../node.js';
import type { Chunk, EngineClient, Prediction } from '../node.js';
import { lastFrames, paced } from '../client/paced.js';

/** Chunks unanswered at once: well under the batcher's maxPendingChunks, enough to fill its batches. */
export const CLI_WINDOW = 8192;

/**
 * Streams `chunks` (in this order) through `engine` and calls `onPrediction` for each prediction.
 * @throws the GruStreamError of the first refused chunk, or of the engine
 */
export async function forEachPrediction(
  engine: Pick<EngineClient, 'model' | 'batcher' | 'close'>,
  chunks: readonly Chunk[],
  onPrediction: (p: Prediction) => void,
): Promise<void> {
  const I = engine.model.inputSize;
  const last = lastFrames(chunks.map((c) => ({ stream: c.stream, frames: c.frames.length / I })));
  await lastValueFrom(
    paced(
      chunks,
      CLI_WINDOW,
      inferMany(engine),
      (v) => isChunkFailure(v) || v.frame === last(v.stream, v.seq),
    ).pipe(
      tap((p) => {
        if (isChunkFailure(p)) throw p.error;
        onPrediction(p);
      }),
    ),
    { defaultValue: undefined },
  );
}
