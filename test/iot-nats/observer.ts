/**
 * Reads everything the gateways published from the results stream (the gateway's own
 * {@link OrderedReader}: a plain ordered consumer that lived on a killed server would go silent for
 * good on nats-server 2.9.10), per sensor and `seq`, keeping every copy so duplicates can be counted
 * and compared.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { expect } from 'vitest';
import { RESULTS_STREAM } from '../../demo/iot/nats/contract.js';
import { OrderedReader } from '../../demo/iot/nats/reader.js';
import type { NatsScore } from '../../demo/iot/nats/contract.js';

export class ResultsObserver {
  /** sensor → seq → every score published for it. */
  readonly scores = new Map<string, Map<number, NatsScore[]>>();
  /** Score messages received (copies included). */
  received = 0;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(
    private readonly messages: OrderedReader,
    /** Its reader's log lines (consumers replaced). */
    readonly log: string[],
  ) {}

  static async start(nc: NatsConnection): Promise<ResultsObserver> {
    const log: string[] = [];
    const reader = await OrderedReader.open(jetstream(nc), {
      stream: RESULTS_STREAM,
      filter: 'gru.*.score',
      startSeq: 1,
      name: 'results observer',
      log: (line) => log.push(line),
    });
    const o = new ResultsObserver(reader, log);
    void o.run();
    return o;
  }

  private async run(): Promise<void> {
    for await (const m of this.messages) {
      const sensor = m.subject.split('.')[1]!;
      const s = m.json<NatsScore>();
      let bySeq = this.scores.get(sensor);
      if (!bySeq) this.scores.set(sensor, (bySeq = new Map()));
      bySeq.set(s.seq, [...(bySeq.get(s.seq) ?? []), s]);
      this.received++;
      this.waiters = this.waiters.filter((w) => {
        if (!w.check()) return true;
        w.resolve();
        return false;
      });
    }
  }

  /** Resolves once `check()` holds after some message (or at once); bounded by the test's timeout. */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  /** True when every sensor has a score for each seq 1…n. */
  complete(sensors: string[], n: number): boolean {
    return sensors.every((id) => {
      const bySeq = this.scores.get(id);
      if (!bySeq) return n === 0;
      for (let k = 1; k <= n; k++) if (!bySeq.has(k)) return false;
      return true;
    });
  }

  /** Distinct (sensor, seq) pairs scored. */
  get distinct(): number {
    let n = 0;
    for (const m of this.scores.values()) n += m.size;
    return n;
  }

  stop(): void {
    this.messages.stop();
  }
}

/**
 * Checks that every sensor has a score for each seq 1…`samples` (no gap) and measures every copy of
 * every score against the library's scores of the same telemetry (`ref`: sensor → per-seq scores).
 * @returns the largest relative difference, and how many copies beyond the first were seen
 */
export function compareWithReference(
  observer: ResultsObserver,
  ids: string[],
  samples: number,
  ref: Map<string, { score: number }[]>,
): { worst: number; copies: number } {
  let worst = 0;
  let copies = 0;
  for (const id of ids) {
    const bySeq = observer.scores.get(id)!;
    expect([...bySeq.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: samples }, (_, k) => k + 1));
    for (const [seq, got] of bySeq) {
      copies += got.length - 1;
      const want = ref.get(id)![seq - 1]!;
      for (const g of got) worst = Math.max(worst, Math.abs(g.score - want.score) / Math.max(1, want.score));
    }
  }
  return { worst, copies };
}
