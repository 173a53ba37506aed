/**
 * When a training loop that keeps its best epoch should stop: after `patience` epochs without a
 * better validation objective, or once its wall-clock budget is spent. Shared by the keyword
 * trainers, whose logs record the reason (`stopReason` in train-log.json).
 */

export interface EarlyStopState {
  /** The epoch just finished, 1-based. */
  epoch: number;
  /** The epoch with the best validation objective so far (0 before any). */
  bestEpoch: number;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Minutes spent so far. */
  minutes: number;
  /** Wall-clock budget in minutes. */
  maxMinutes: number;
}

/** The reason to stop after this epoch, in the words the training logs use, or undefined to go on. */
export function earlyStopReason(s: EarlyStopState): string | undefined {
  if (s.epoch - s.bestEpoch >= s.patience) return `no improvement for ${s.patience} epochs`;
  if (s.minutes > s.maxMinutes) return `time limit ${s.maxMinutes} min`;
  return undefined;
}
