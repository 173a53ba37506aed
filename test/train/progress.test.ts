import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressBar } from '../../models/train/progress.js';

/** A stream that records writes, and a clock the test moves. */
function fixture(tty: boolean): { out: string[]; bar: ProgressBar; tick: (ms: number) => void } {
  const out: string[] = [];
  let t = 0;
  const stream = { write: (s: string) => out.push(s), isTTY: tty, columns: 200 };
  const bar = new ProgressBar({ stream, now: () => t, logIntervalMs: 1000, label: 'kws' });
  return { out, bar, tick: (ms) => (t += ms) };
}

describe('ProgressBar', () => {
  it('prints plain lines at the log interval when not a TTY', () => {
    const { out, bar, tick } = fixture(false);
    bar.startEpoch(1, 3, 10);
    for (let b = 1; b <= 10; b++) {
      tick(250);
      bar.update({ batch: b, sequences: 64 * b, loss: 1 / b, accuracy: 0.5 });
    }
    bar.endEpoch('val acc 0.900');
    // Every 1000 ms of the 2500: at batches 4 and 8; the last batch is left to the summary.
    expect(out).toHaveLength(3);
    expect(out[0]).toBe('kws epoch 1/3 batch 4/10 loss 0.2500 acc 0.500 256 seq/s ETA 0:02\n');
    expect(out[2]).toBe('kws epoch 1/3 val acc 0.900\n');
    expect(out.join('')).not.toContain('\r');
  });

  it('redraws one line in place on a TTY', () => {
    const { out, bar, tick } = fixture(true);
    bar.startEpoch(2, 3, 4);
    for (let b = 1; b <= 4; b++) {
      tick(50);
      bar.update({ batch: b, sequences: 10 * b, loss: 0.5 });
    }
    bar.endEpoch('done');
    // Redraws at most every 100 ms, plus the last batch.
    expect(out).toHaveLength(4);
    expect(out[0]).toBe(
      `\rkws epoch 2/3 [#####${'.'.repeat(15)}] batch 1/4 loss 0.5000 200 seq/s ETA 0:00\x1b[K`,
    );
    expect(out[3]).toBe('\rkws epoch 2/3 done\x1b[K\n');
  });

  it('formats durations', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});
