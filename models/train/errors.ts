/**
 * Training failures that are not a caller's bad argument (those throw `GruStreamError('E_ARGUMENT')`).
 */

/** Stable codes of {@link TrainingError}. */
export type TrainingErrorCode =
  /** The loss or the gradient became NaN or infinite: lower the learning rate, or check the data. */
  | 'E_DIVERGED'
  /** A gradient worker thread failed, or did not answer. */
  | 'E_WORKER';

export class TrainingError extends Error {
  override readonly name = 'TrainingError';
  constructor(
    readonly code: TrainingErrorCode,
    message: string,
  ) {
    super(message);
  }
}
