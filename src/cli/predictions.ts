/**
 * The file commands' way of running their chunks: all of them through `inferMany`, every prediction
 * to a callback, and the first refused chunk fails the command (a file the model cannot take is an
 * error here, not something to skip over).
 */
import { from, lastValueFrom, tap } from 'rxjs';
import { inferMany, isChunkFailure } from '../node.js';
import type { Chunk, EngineClient, Prediction } from '../node.js';

/**
 * Streams `chunks` (in this order) through `engine` and calls `onPrediction` for each prediction.
 * @throws the GruStreamError of the first refused chunk, or of the engine
 */
export async function forEachPrediction(
  engine: Pick<EngineClient, 'model' | 'batcher' | 'close'>,
  chunks: readonly Chunk[],
  onPrediction: (p: Prediction) => void,
): Promise<void> {
  await lastValueFrom(
    from(chunks).pipe(
      inferMany(engine),
      tap((p) => {
        if (isChunkFailure(p)) throw p.error;
        onPrediction(p);
      }),
    ),
    { defaultValue: undefined },
  );
}
