/** The micro-batcher's queues: one per lane (pool worker), and per stream the droppable entries. */
import type { StepRequest, StepResult } from '../protocol/engine.js';

/** One lane's queued entries and step calls in flight. */
export class Lane<T> {
  /** Queued entries are `queue[head…]`; the taken prefix is dropped once it is the larger half. */
  queue: T[] = [];
  head = 0;
  inFlight = 0;

  /** @param step sends a packed request of this lane's chunks */
  constructor(readonly step: (request: StepRequest) => Promise<StepResult>) {}

  /** Entries queued (not yet sent), dropped ones included. */
  get queued(): number {
    return this.queue.length - this.head;
  }
}

/** A queue with O(1) shift (Array.prototype.shift is O(n) on long arrays). */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  get first(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++]!;
    // Compact once the consumed prefix is the larger half: amortised O(1) per item.
    if (this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
