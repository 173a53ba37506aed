/**
 * Reads a stream's subjects in order, from a given stream sequence, with the client's ordered
 * consumer, and keeps reading when the server that holds that consumer dies.
 *
 * Why the client's ordered consumer alone is not enough on nats-server 2.9.10 (Debian 12's): an
 * ordered consumer is R1, and 2.9.10 places an R1 consumer of an R3 stream on a random peer of the
 * stream, online or not (`createGroupForConsumer`; upstream fixed it in 2.9.12, commit e15eb22ca).
 * After one server of three is killed:
 * - about one create in three is assigned to the dead server and its request times out (5 s);
 * - a consumer that lived on the dead server stays assigned to it. nats.js 3.4 notices the missed
 *   heartbeats and asks for the consumer's info, which times out for good (the cluster never says
 *   "consumer not found"), so it never recreates the consumer: the reader is silent forever, with no
 *   error (measured with 12 consumers on a 3-node loopback cluster: the 4 on the killed node
 *   received nothing in 45 s, and 4 of 9 new creates timed out).
 *
 * A third failure, seen in the failover test after the stream's leader was killed: a consumer on a
 * surviving server kept sending heartbeats but delivered nothing more (its partition's samples
 * stayed stored, unread, for 90 s until the test gave up). Heartbeats cannot reveal that, so the
 * reader also asks the stream, when nothing has arrived for `stallMs`, for the first stored message
 * it has not read yet; one stored longer than `stallMs` ago means the consumer is stuck.
 *
 * Here every create is retried with backoff (each retry is a new placement), and a consumer found
 * dead or stuck is stopped and replaced by one starting after the last sequence read: nothing is
 * skipped and nothing is read twice.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerMessages, JetStreamClient, JsMsg, MsgRequest, StoredMsg } from '@nats-io/jetstream';
import { GruStreamError } from '../../../src/node.js';
import { errorText } from './cas.js';
import { backoffMs } from './startup.js';

export interface OrderedReaderOptions {
  stream: string;
  /** Subject filter of the stream's subjects to read. */
  filter: string;
  /** First stream sequence to read (1: from the start). */
  startSeq: number;
  /** What the reader is, for log lines (e.g. `gateway g1: partition 3`). */
  name: string;
  log(line: string): void;
  /** Server heartbeat while no message flows, ms. Default 1 000. */
  idleHeartbeatMs?: number;
  /** Missed heartbeats after which the consumer is replaced. Default 3. */
  missedHeartbeats?: number;
  /** Attempts to create a consumer before giving up with E_TIMEOUT. Default 20. */
  createAttempts?: number;
  /** Messages requested per pull. Default 1 000. */
  maxMessages?: number;
  /**
   * Nothing received for this long while the stream holds an unread message stored at least this
   * long ago: the consumer is stuck and replaced, ms. Checked every half of it while idle (one stream
   * request). Default 5 000.
   */
  stallMs?: number;
}

export class OrderedReader implements AsyncIterable<JsMsg> {
  /** Consumers replaced after their heartbeats stopped or they ended on their own. */
  replaced = 0;
  /** The next stream sequence to read. */
  private next: number;
  private current: ConsumerMessages | undefined;
  private stopped = false;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly o: OrderedReaderOptions,
  ) {
    this.next = Math.max(1, o.startSeq);
  }

  /**
   * Creates the first consumer (retried) and resolves once it is consuming.
   * @throws GruStreamError E_TIMEOUT naming the stream and filter after `createAttempts` failures
   */
  static async open(js: JetStreamClient, o: OrderedReaderOptions): Promise<OrderedReader> {
    const r = new OrderedReader(js, o);
    r.current = await r.create();
    return r;
  }

  private async create(): Promise<ConsumerMessages> {
    const attempts = this.o.createAttempts ?? 20;
    const heartbeat = this.o.idleHeartbeatMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      const from = this.next;
      try {
        const c = await this.js.consumers.get(this.o.stream, {
          filter_subjects: this.o.filter,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: from,
        });
        const messages = await c.consume({
          max_messages: this.o.maxMessages ?? 1000,
          idle_heartbeat: heartbeat,
          expires: Math.max(1000, 5 * heartbeat),
        });
        if (this.stopped) {
          messages.stop();
          throw new GruStreamError('E_DISPOSED', `${this.o.name}: reader stopped`);
        }
        if (attempt > 1 || this.replaced > 0) {
          this.o.log(
            `${this.o.name}: consumer of ${this.o.stream} from stream seq ${from} created (attempt ${attempt})`,
          );
        }
        return messages;
      } catch (e) {
        if (this.stopped) throw e;
        if (attempt >= attempts) {
          throw new GruStreamError(
            'E_TIMEOUT',
            `${this.o.name}: no consumer of ${this.o.stream} '${this.o.filter}' from stream seq ${from} after ${attempts} attempts: ${errorText(e)}`,
          );
        }
        const wait = backoffMs(attempt);
        this.o.log(
          `${this.o.name}: creating a consumer of ${this.o.stream} from stream seq ${from} failed (attempt ${attempt}/${attempts}), retrying in ${wait} ms: ${errorText(e)}`,
        );
        await new Promise((r) => setTimeout(r, wait));
        if (this.stopped) throw new GruStreamError('E_DISPOSED', `${this.o.name}: reader stopped`);
      }
    }
  }

  /** The first message of the filter stored at or after `seq`, or null (asked of the stream's leader). */
  private async firstUnread(seq: number): Promise<StoredMsg | null> {
    const jsm = await this.js.jetstreamManager(false);
    // nats-server ≥ 2.9 answers `next_by_subj` (wildcards allowed) on the plain message-get API; the
    // client's type lists it only for direct gets, which these streams do not enable.
    const query = { seq, next_by_subj: this.o.filter } as unknown as MsgRequest;
    return jsm.streams.getMessage(this.o.stream, query);
  }

  /**
   * Calls `stuck` once the reader has waited for its consumer's next message for `stallMs` while the
   * stream holds an unread message stored more than `stallMs` ago. Only time spent waiting counts:
   * while the caller holds a message (a snapshot pausing input), nothing is asked of the consumer.
   * (Not the client's own counters: its `getPending()` stays above 0 after a batch that carried an
   * internal notification, which once hid a stuck consumer.)
   */
  private watchProgress(waitingSince: () => number | undefined, stuck: (why: string) => void): () => void {
    const stallMs = this.o.stallMs ?? 5000;
    let asking = false;
    const timer = setInterval(
      () => {
        const since = waitingSince();
        if (asking || since === undefined || Date.now() - since < stallMs) return;
        asking = true;
        this.firstUnread(this.next)
          .then((m) => {
            const age = m === null ? 0 : Date.now() - m.time.getTime();
            if (m !== null && age > stallMs && waitingSince() === since) {
              stuck(
                `delivered nothing for ${Date.now() - since} ms while stream seq ${m.seq} (stored ${age} ms ago) waits`,
              );
            }
          })
          // The stream unavailable (electing a leader): asked again at the next check.
          .catch(() => undefined)
          .finally(() => (asking = false));
      },
      Math.max(500, stallMs / 2),
    );
    return () => clearInterval(timer);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    const missed = this.o.missedHeartbeats ?? 3;
    while (!this.stopped) {
      const messages = this.current!;
      let why: string | undefined;
      void (async () => {
        for await (const s of messages.status()) {
          if (s.type === 'heartbeats_missed' && s.count >= missed) {
            why ??= `sent no heartbeat for ${s.count} intervals (its server gone?)`;
            messages.stop(); // what it already received is still read below
            return;
          }
        }
      })();
      /** Since when the reader has been waiting for this consumer's next message (undefined: not waiting). */
      let waitingSince: number | undefined;
      const unwatch = this.watchProgress(
        () => waitingSince,
        (stuck) => {
          why ??= stuck;
          messages.stop();
        },
      );
      const it = messages[Symbol.asyncIterator]();
      let failure: unknown;
      try {
        for (;;) {
          waitingSince = Date.now();
          const r = await it.next();
          waitingSince = undefined;
          if (r.done === true) break;
          this.next = r.value.seq + 1;
          yield r.value;
          if (this.stopped) return;
        }
      } catch (e) {
        failure = e;
      } finally {
        unwatch();
        void it.return?.();
      }
      if (this.stopped) return;
      this.replaced++;
      this.o.log(
        `${this.o.name}: its consumer ${
          why ?? `ended (${failure === undefined ? 'closed' : errorText(failure)})`
        }; replacing it from stream seq ${this.next}`,
      );
      this.current = await this.create();
    }
  }

  /** Stops reading; the iteration ends after the message being handled. */
  stop(): void {
    this.stopped = true;
    this.current?.stop();
  }
}
