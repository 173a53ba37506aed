import { describe, expect, it } from 'vitest';
import { FailureLog } from '../../demo/iot/nats/failure-log.js';

describe('FailureLog', () => {
  const setup = (): { lines: string[]; clock: { t: number }; f: FailureLog } => {
    const lines: string[] = [];
    const clock = { t: 1000 };
    return {
      lines,
      clock,
      f: new FailureLog(
        (l) => lines.push(l),
        'publish',
        5000,
        () => clock.t,
      ),
    };
  };

  it('logs the first failure, then one line per interval, then the recovery', () => {
    const { lines, clock, f } = setup();
    for (let i = 0; i < 300; i++) {
      f.failed('jetstream is not enabled');
      clock.t += 40; // 300 failures over 12 s
    }
    f.succeeded();
    expect(lines).toEqual([
      'publish failed, retrying: jetstream is not enabled',
      'publish: 126 failures in 5000 ms, still retrying: jetstream is not enabled',
      'publish: 251 failures in 10000 ms, still retrying: jetstream is not enabled',
      'publish works again after 300 failures in 12000 ms',
    ]);
  });

  it('says nothing while everything succeeds, and starts a new run after a recovery', () => {
    const { lines, clock, f } = setup();
    f.succeeded();
    expect(lines).toEqual([]);
    f.failed('a');
    clock.t += 10;
    f.succeeded();
    f.failed('b');
    expect(lines).toEqual([
      'publish failed, retrying: a',
      'publish works again after 1 failures in 10 ms',
      'publish failed, retrying: b',
    ]);
  });
});
