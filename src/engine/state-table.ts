/**
 * Per-stream GRU state: stream id → slot → one row of H float32 in a single growable array.
 *
 * One flat `Float32Array` (not an object per stream) keeps an idle stream at about H × 4 bytes plus
 * its Map entry, and lets the engine gather rows by offset with no lookups beyond the id → slot Map.
 * Closed ids are remembered (bounded) so a late chunk after `close()` is an error instead of silently
 * reopening the stream; idle eviction does not mark ids closed, so a returning sensor starts fresh.
 */
import { GruStreamError, refusal } from '../errors.js';
import { utf8Length } from '../protocol/chunk.js';

export interface StateTableOptions {
  /** H: floats per row. */
  hiddenSize: number;
  /** Most streams open at once; opening one more throws E_CAPACITY. */
  maxStreams: number;
  /** Rows allocated up front (default min(64, maxStreams)); the table doubles when full. */
  initialCapacity?: number;
  /** Most UTF-8 bytes of closed ids remembered (default 4 MiB); the oldest are forgotten beyond it. */
  maxClosedIdBytes?: number;
}

/** Rows of H floats keyed by stream id; see the module comment. */
export class StateTable {
  readonly hiddenSize: number;
  readonly maxStreams: number;
  private readonly slots = new Map<string, number>();
  /** Stream id of each slot, undefined when the slot is free. */
  private readonly idOfSlot: (string | undefined)[] = [];
  private states: Float32Array;
  /** Last activity per slot, in the caller's clock (ms). */
  private lastActive: Float64Array;
  /** Free slots as a binary min-heap in `free[0 … freeCount)`: the lowest is taken first. */
  private free: Int32Array;
  private freeCount = 0;
  /** Initial states of streams opened with one (by slot); other streams reset to zeros. */
  private readonly initial = new Map<number, Float32Array>();
  /** Closed stream id → close time (ms), oldest first; bounded to `maxStreams` entries and `maxClosedIdBytes`. */
  private readonly closed = new Map<string, number>();
  private readonly maxClosedIdBytes: number;
  /** UTF-8 bytes of the ids in {@link closed}. */
  private closedBytes = 0;

  constructor(options: StateTableOptions) {
    const { hiddenSize, maxStreams } = options;
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `state table hiddenSize: expected an integer ≥ 1, got ${hiddenSize}`,
      );
    }
    if (!Number.isInteger(maxStreams) || maxStreams < 1) {
      throw new GruStreamError('E_ARGUMENT', `maxStreams: expected an integer ≥ 1, got ${maxStreams}`);
    }
    const capacity = Math.min(options.initialCapacity ?? 64, maxStreams);
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new GruStreamError('E_ARGUMENT', `initialCapacity: expected an integer ≥ 1, got ${capacity}`);
    }
    this.hiddenSize = hiddenSize;
    this.maxStreams = maxStreams;
    this.maxClosedIdBytes = options.maxClosedIdBytes ?? 4 << 20;
    this.states = new Float32Array(capacity * hiddenSize);
    this.lastActive = new Float64Array(capacity);
    this.free = new Int32Array(capacity);
    this.pushFreeRange(0, capacity);
  }

  /** Open streams. */
  get size(): number {
    return this.slots.size;
  }

  /** Rows allocated (open + free). */
  get capacity(): number {
    return this.lastActive.length;
  }

  /** Bytes of the typed arrays behind all allocated rows (not counting the id map and the ids). */
  get bytes(): number {
    return this.states.byteLength + this.lastActive.byteLength + this.free.byteLength;
  }

  /**
   * All rows, slot s at `[s × H, (s + 1) × H)`. Re-read after anything that opens a stream: growth
   * replaces the array.
   */
  get data(): Float32Array {
    return this.states;
  }

  /** The stream's slot, or -1 when it is not open. */
  slotOf(stream: string): number {
    return this.slots.get(stream) ?? -1;
  }

  /** Calls `fn` with every open stream and its slot, in slot order. */
  forEachOpen(fn: (stream: string, slot: number) => void): void {
    for (let slot = 0; slot < this.idOfSlot.length; slot++) {
      const id = this.idOfSlot[slot];
      if (id !== undefined) fn(id, slot);
    }
  }

  /** When the stream was closed (ms, caller's clock), or undefined if it is not remembered as closed. */
  closedAt(stream: string): number | undefined {
    return this.closed.get(stream);
  }

  /**
   * Opens a stream, forgetting an earlier close. Its row is `initial` (copied, and kept for
   * {@link reset}) or zeros.
   * @param now current time (ms)
   * @returns the slot
   */
  open(stream: string, now: number, initial?: Float32Array): number {
    if (this.slots.has(stream)) {
      throw new GruStreamError(
        'E_STREAM',
        `stream '${stream}' is already open; close() it first, or use reset() or restore()`,
        stream,
      );
    }
    if (initial !== undefined && initial.length !== this.hiddenSize) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `initial state of stream '${stream}': expected ${this.hiddenSize} floats, got ${initial.length}`,
        stream,
      );
    }
    const slot = this.allocate(stream);
    this.forgetClosed(stream);
    if (initial !== undefined) this.initial.set(slot, Float32Array.from(initial));
    this.reset(slot);
    this.lastActive[slot] = now;
    return slot;
  }

  /**
   * The slot for a chunk of `stream`: its slot if open, a new zero row if never seen (or evicted).
   * Throws E_STREAM if the stream was closed, E_CAPACITY if the table is full.
   */
  acquire(stream: string, now: number): number {
    const slot = this.slots.get(stream);
    if (slot !== undefined) return slot;
    const closedAt = this.closed.get(stream);
    if (closedAt !== undefined) throw closedError(stream, closedAt);
    return this.open(stream, now);
  }

  /** The slot of an open stream; E_STREAM (saying whether it was closed or never opened) otherwise. */
  require(stream: string): number {
    const slot = this.slots.get(stream);
    if (slot !== undefined) return slot;
    const closedAt = this.closed.get(stream);
    if (closedAt !== undefined) throw closedError(stream, closedAt);
    throw new GruStreamError(
      'E_STREAM',
      `stream '${stream}' is not open: expected an open stream, but it was never opened or was evicted after idling`,
      stream,
    );
  }

  /** Sets the slot's row back to its stream's initial state (zeros unless opened with one). */
  reset(slot: number): void {
    const H = this.hiddenSize;
    const init = this.initial.get(slot);
    if (init === undefined) this.states.fill(0, slot * H, (slot + 1) * H);
    else this.states.set(init, slot * H);
  }

  /** Records activity on the slot at `now` (ms); idle eviction measures from here. */
  touch(slot: number, now: number): void {
    this.lastActive[slot] = now;
  }

  /** Closes an open stream and remembers the id as closed; E_STREAM if it is not open. */
  close(stream: string, now: number): void {
    this.require(stream);
    this.release(stream);
    // Bounded memory of closed ids, in count and bytes: a service that churns through ids (long ones
    // too) must not grow without limit; once forgotten, a late chunk reopens the stream like a new one.
    const bytes = utf8Length(stream);
    this.forgetClosed(stream);
    while (
      this.closed.size > 0 &&
      (this.closed.size >= this.maxStreams || this.closedBytes + bytes > this.maxClosedIdBytes)
    ) {
      this.forgetClosed(this.closed.keys().next().value as string);
    }
    if (bytes > this.maxClosedIdBytes) return;
    this.closed.set(stream, now);
    this.closedBytes += bytes;
  }

  /** Ids remembered as closed, and their UTF-8 bytes. */
  get closedIds(): { count: number; bytes: number } {
    return { count: this.closed.size, bytes: this.closedBytes };
  }

  private forgetClosed(stream: string): void {
    if (this.closed.delete(stream)) this.closedBytes -= utf8Length(stream);
  }

  /** Frees the stream's slot without marking it closed (eviction, rollback). No-op if not open. */
  release(stream: string): void {
    const slot = this.slots.get(stream);
    if (slot === undefined) return;
    this.slots.delete(stream);
    this.idOfSlot[slot] = undefined;
    this.initial.delete(slot);
    this.pushFree(slot);
  }

  /**
   * Returns a slot to the free slots, a binary min-heap, so {@link allocate} always takes the lowest
   * free slot. Streams opened after a batch of closes then get ascending slots, whatever order the
   * closes came in (a plain stack handed them out in reverse), so the engine's row copies stay block
   * copies: with reversed slots the worker spent 13 % of its time copying rows one by one, against
   * 3 % (profile of bench:overload). A heap, not a sorted array: O(log n) per close, where keeping the
   * array sorted cost a memmove per close (395 ms to close 100,000 streams in slot order).
   */
  private pushFree(slot: number): void {
    const heap = this.free;
    let i = this.freeCount++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= slot) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = slot;
  }

  /** Takes the lowest free slot off the heap (the caller checked that one is free). */
  private popFree(): number {
    const heap = this.free;
    const lowest = heap[0]!;
    const last = heap[--this.freeCount]!;
    const n = this.freeCount;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return lowest;
  }

  /**
   * Releases every stream idle for more than `ttlMs` (not marked closed: a returning stream starts
   * fresh from zeros).
   * @returns the evicted ids
   */
  evictIdle(now: number, ttlMs: number): string[] {
    const evicted: string[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      const id = this.idOfSlot[slot];
      if (id !== undefined && now - this.lastActive[slot]! > ttlMs) evicted.push(id);
    }
    for (const id of evicted) this.release(id);
    return evicted;
  }

  private allocate(stream: string): number {
    if (this.freeCount === 0) {
      if (this.capacity >= this.maxStreams) {
        throw refusal(
          'E_CAPACITY',
          `stream table is full (maxStreams = ${this.maxStreams} open streams); stream '${stream}' did not fit: ` +
            'close streams, evict idle ones or raise maxStreams',
          stream,
        );
      }
      this.grow();
    }
    const slot = this.popFree();
    this.slots.set(stream, slot);
    this.idOfSlot[slot] = stream;
    return slot;
  }

  /** Doubles the capacity (capped at maxStreams), keeping every row in its slot. */
  private grow(): void {
    const old = this.capacity;
    const next = Math.min(old * 2, this.maxStreams);
    const states = new Float32Array(next * this.hiddenSize);
    states.set(this.states);
    this.states = states;
    const lastActive = new Float64Array(next);
    lastActive.set(this.lastActive);
    this.lastActive = lastActive;
    const free = new Int32Array(next);
    free.set(this.free.subarray(0, this.freeCount));
    this.free = free;
    this.pushFreeRange(old, next);
  }

  /**
   * Adds slots [from, to), all above every free slot, to the heap. Appending them in ascending order
   * keeps it a heap (each is ≥ its parent), so no sifting is needed.
   */
  private pushFreeRange(from: number, to: number): void {
    for (let slot = from; slot < to; slot++) {
      this.free[this.freeCount++] = slot;
      this.idOfSlot[slot] = undefined;
    }
  }
}

function closedError(stream: string, closedAt: number): GruStreamError {
  return refusal(
    'E_STREAM',
    `stream '${stream}' was closed at ${closedAt.toFixed(1)} ms (engine clock); open it again with open()`,
    stream,
  );
}
