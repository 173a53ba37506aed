/**
 * One stream's answers in push order, for the operators. The batcher answers the chunks it accepted
 * in push order, but refuses a malformed chunk (or one beyond its pending limit) at once; such a
 * refusal waits here until every chunk accepted before it has been answered, so an operator sees each
 * stream's chunks strictly in push order without a promise chain per chunk.
 */
import type { GruStreamError } from '../errors.js';

interface Held {
  /** Accepted chunks that were pushed before the refused one. */
  after: number;
  seq: number;
  error: GruStreamError;
}

export class StreamAnswers {
  /** Chunks of this stream the batcher accepted. */
  accepted = 0;
  /** Accepted chunks answered so far (always in push order). */
  answered = 0;
  private held: Held[] | undefined;
  private onIdle: (() => void) | undefined;

  /** @param deliverRefusal handles a refused chunk once its turn has come */
  constructor(private readonly deliverRefusal: (seq: number, error: GruStreamError) => void) {}

  /** True when no chunk of the stream awaits an answer or its turn. */
  get idle(): boolean {
    return this.answered === this.accepted && this.held === undefined;
  }

  /** Records that the batcher refused chunk `seq`; it is delivered after the chunks accepted before it. */
  refuse(seq: number, error: GruStreamError): void {
    (this.held ??= []).push({ after: this.accepted, seq, error });
    // Nothing ahead of it: deliver it soon, but not from inside the source's `next`.
    if (this.answered === this.accepted) queueMicrotask(() => this.release());
  }

  /** Call before handling the answer of an accepted chunk: delivers the refusals pushed before it. */
  beforeAnswer(): void {
    if (this.held !== undefined) this.release();
  }

  /** Call after handling the answer of an accepted chunk. */
  afterAnswer(): void {
    this.answered++;
    if (this.held !== undefined) this.release();
    else if (this.onIdle !== undefined && this.answered === this.accepted) this.notifyIdle();
  }

  /** Resolves once every chunk pushed so far has been answered and handled. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise<void>((resolve) => (this.onIdle = resolve));
  }

  private release(): void {
    const held = this.held;
    while (held !== undefined && held.length > 0 && held[0]!.after <= this.answered) {
      const { seq, error } = held.shift()!;
      this.deliverRefusal(seq, error);
    }
    if (held !== undefined && held.length === 0) this.held = undefined;
    if (this.onIdle !== undefined && this.idle) this.notifyIdle();
  }

  private notifyIdle(): void {
    const onIdle = this.onIdle!;
    this.onIdle = undefined;
    onIdle();
  }
}
