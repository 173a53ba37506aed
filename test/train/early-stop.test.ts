import { describe, expect, it } from 'vitest';
import { earlyStopReason } from '../../models/train/early-stop.js';

describe('earlyStopReason', () => {
  const base = { epoch: 5, bestEpoch: 3, patience: 3, minutes: 1, maxMinutes: 10 };

  it('goes on while the best epoch is recent and time is left', () => {
    expect(earlyStopReason(base)).toBeUndefined();
  });

  it('stops exactly `patience` epochs after the best one', () => {
    expect(earlyStopReason({ ...base, epoch: 6 })).toBe('no improvement for 3 epochs');
  });

  it('stops once the time budget is exceeded, not when it is reached', () => {
    expect(earlyStopReason({ ...base, minutes: 10 })).toBeUndefined();
    expect(earlyStopReason({ ...base, minutes: 10.01 })).toBe('time limit 10 min');
  });

  it('names patience first when both apply', () => {
    expect(earlyStopReason({ ...base, epoch: 9, minutes: 11 })).toBe('no improvement for 3 epochs');
  });
});
