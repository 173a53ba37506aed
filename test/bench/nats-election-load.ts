/**
 * The traffic of a running NATS gateway deployment, for the election bench: a device publishing a
 * round of every sensor's sample `rate` times a second to the telemetry stream (message id
 * `<sensor>:<seq>`, each sample retried until stored, like `publisher.ts`), a score published to the
 * results stream for each stored sample (message id `<seq>@<subject>`), and lease renewals in the
 * lease and member buckets every 300 ms (3 gateways, 6 partitions). It records, for a given instant
 * (the kill), when the first publish and the first KV write *started after it* succeeded, and how
 * long the longest sample waited from its first attempt to being stored.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { LEASE_BUCKET, MEMBER_BUCKET, scoreSubject, telemetrySubject } from '../../demo/iot/nats/contract.js';

const RETRY_MS = 100;
const RENEW_MS = 300;

export interface LoadAfterMark {
  /** First telemetry publish started after the mark and acknowledged, ms after the mark. */
  publishOkMs?: number;
  /** First KV write started after the mark and acknowledged, ms after the mark. */
  kvOkMs?: number;
  /** Longest wait of a sample pending at or after the mark, first attempt → stored, ms. */
  longestSampleMs: number;
  /** Failed attempts after the mark, by error text (first 60 characters). */
  errors: Record<string, number>;
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const text = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 60);

export class ElectionLoad {
  private running = false;
  private abandoned = false;
  private seq = 0;
  private mark = Infinity;
  private after: LoadAfterMark = { longestSampleMs: 0, errors: {} };
  private loops: Promise<void>[] = [];
  /** Rounds of every sensor stored since start. */
  rounds = 0;
  private readonly js: JetStreamClient;

  constructor(
    private readonly nc: NatsConnection,
    private readonly sensors: number,
    private readonly rate: number,
  ) {
    this.js = jetstream(nc, { timeout: 2000 });
  }

  start(): void {
    this.running = true;
    this.rounds = 0;
    this.loops = [this.device(), this.renewals()];
  }

  /** From now on, record recovery times relative to `at` (ms since the epoch). */
  markAt(at: number): void {
    this.mark = at;
    this.after = { longestSampleMs: 0, errors: {} };
  }

  get sinceMark(): LoadAfterMark {
    return this.after;
  }

  /** Stops after the rounds in flight are stored (each retried until it is). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.mark = Infinity;
  }

  /** Stops retrying the samples in flight (the cluster never recovered; it is being torn down). */
  abandon(): void {
    this.running = false;
    this.abandoned = true;
  }

  private failed(e: unknown): void {
    if (Date.now() < this.mark) return;
    const k = text(e);
    this.after.errors[k] = (this.after.errors[k] ?? 0) + 1;
  }

  /** Publishes until stored; records the first success started after the mark. */
  private async store(subject: string, body: string, msgID: string): Promise<number> {
    const first = Date.now();
    for (;;) {
      const started = Date.now();
      try {
        await this.js.publish(subject, body, { msgID });
        const now = Date.now();
        if (started >= this.mark && this.after.publishOkMs === undefined && subject.endsWith('telemetry'))
          this.after.publishOkMs = now - this.mark;
        if (now >= this.mark) this.after.longestSampleMs = Math.max(this.after.longestSampleMs, now - first);
        return now;
      } catch (e) {
        this.failed(e);
        if (this.abandoned) return Date.now();
        await wait(RETRY_MS);
      }
    }
  }

  private async device(): Promise<void> {
    const period = 1000 / this.rate;
    while (this.running) {
      const due = Date.now() + period;
      const k = ++this.seq;
      await Promise.all(
        Array.from({ length: this.sensors }, async (_, i) => {
          const id = `e-${i}`;
          await this.store(telemetrySubject(id), JSON.stringify({ seq: k, t: Date.now() }), `${id}:${k}`);
          const subject = scoreSubject(id);
          await this.store(subject, JSON.stringify({ seq: k, score: 0 }), `${k}@${subject}`);
        }),
      );
      this.rounds++;
      if (due > Date.now()) await wait(due - Date.now());
    }
  }

  private async renewals(): Promise<void> {
    const kvm = new Kvm(this.nc);
    const leases: KV = await kvm.open(LEASE_BUCKET);
    const members: KV = await kvm.open(MEMBER_BUCKET);
    while (this.running) {
      const due = Date.now() + RENEW_MS;
      await Promise.all([
        ...Array.from({ length: 6 }, (_, p) => this.kvPut(leases, `p${p}`, `gw-${p % 3}`)),
        ...Array.from({ length: 3 }, (_, g) => this.kvPut(members, `gw-${g}`, String(Date.now()))),
      ]);
      if (due > Date.now()) await wait(due - Date.now());
    }
  }

  private async kvPut(kv: KV, key: string, value: string): Promise<void> {
    const started = Date.now();
    try {
      await kv.put(key, value, { timeout: 2000 });
      if (started >= this.mark && this.after.kvOkMs === undefined) this.after.kvOkMs = Date.now() - this.mark;
    } catch (e) {
      // A renewal that fails is simply tried at the next period, as a gateway does.
      this.failed(e);
    }
  }
}
