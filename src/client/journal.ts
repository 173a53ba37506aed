/**
 * The supervisor's journal of one worker: every state-changing call sent to it since its last stored
 * checkpoint, in send order, with copies of their arguments. After a crash the replacement worker is
 * restored from the checkpoint and these calls are sent again, in order, so every stream ends where
 * an uninterrupted worker would be. Calls answered before the crash are replayed for their effect on
 * the state only; the others are answered from the replay.
 */
import type { StepRequest, StreamOptions } from '../protocol/engine.js';
import type { GruStreamError } from '../errors.js';

/** A state-changing engine call. */
export type JournalOp =
  | { kind: 'step'; request: StepRequest }
  | { kind: 'open'; stream: string; options?: StreamOptions }
  | { kind: 'reset'; stream: string }
  | { kind: 'close'; stream: string }
  | { kind: 'restore'; stream: string; snapshot: Uint8Array };

export interface JournalEntry {
  /** Position in the worker's call order (counts every journaled call since the pool started). */
  readonly seq: number;
  readonly op: JournalOp;
  /** Chunks the op carries (0 for non-step calls). */
  readonly chunks: number;
  /** True once its caller was answered: a replay then only re-applies its effect. */
  answered: boolean;
  /** Settles the caller's promise (once). */
  resolve(value: unknown): void;
  reject(error: GruStreamError): void;
}

export class Journal {
  private entries: JournalEntry[] = [];
  private nextSeq = 0;
  /** Chunks held by the entries. */
  chunks = 0;

  /** Entries held. */
  get size(): number {
    return this.entries.length;
  }

  /** The seq the next entry will get: a checkpoint taken now covers every entry before it. */
  get position(): number {
    return this.nextSeq;
  }

  /**
   * Records an op, with a private copy of its typed arrays (the originals may be transferred to a
   * worker and detached).
   * @param owned the op's arrays are the journal's to keep (the caller made them for this call and
   *   never touches them again): no copy
   */
  append(
    op: JournalOp,
    resolve: (value: unknown) => void,
    reject: (error: GruStreamError) => void,
    owned = false,
  ): JournalEntry {
    const kept = owned ? op : copyOp(op);
    const chunks = kept.kind === 'step' ? kept.request.streams.length : 0;
    let settled = false;
    const entry: JournalEntry = {
      seq: this.nextSeq++,
      op: kept,
      chunks,
      answered: false,
      resolve: (value) => {
        if (settled) return;
        settled = true;
        entry.answered = true;
        resolve(value);
      },
      reject: (error) => {
        if (settled) return;
        settled = true;
        entry.answered = true;
        reject(error);
      },
    };
    this.entries.push(entry);
    this.chunks += chunks;
    return entry;
  }

  /** Forgets the entries before `seq` (a stored checkpoint covers them). */
  trimBefore(seq: number): void {
    let k = 0;
    while (k < this.entries.length && this.entries[k]!.seq < seq) this.chunks -= this.entries[k++]!.chunks;
    if (k > 0) this.entries = this.entries.slice(k);
  }

  /** The entries from `seq` on, in order. */
  from(seq: number): JournalEntry[] {
    return this.entries.filter((e) => e.seq >= seq);
  }

  /** Fails every unanswered entry with `error` and forgets all (the worker cannot be recovered). */
  failAll(error: (entry: JournalEntry) => GruStreamError): void {
    for (const e of this.entries) if (!e.answered) e.reject(error(e));
    this.entries = [];
    this.chunks = 0;
  }
}

/** A copy of the op whose typed arrays own fresh buffers, safe from transfers of the originals. */
export function copyOp(op: JournalOp): JournalOp {
  switch (op.kind) {
    case 'step': {
      const { streams, frameCounts, frames, finite } = op.request;
      const request: StepRequest = {
        streams: streams.slice(),
        frameCounts: frameCounts.slice(),
        frames: frames.slice(),
      };
      if (finite !== undefined) request.finite = finite;
      return { kind: 'step', request };
    }
    case 'restore':
      return { kind: 'restore', stream: op.stream, snapshot: op.snapshot.slice() };
    case 'open': {
      const initial = op.options?.initialState;
      return initial === undefined
        ? { kind: 'open', stream: op.stream }
        : { kind: 'open', stream: op.stream, options: { initialState: initial.slice() } };
    }
    default:
      return op;
  }
}
