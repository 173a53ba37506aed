/**
 * The watchdog of worker calls. comlink never settles a call whose worker died, so every call goes
 * through here: it gets a deadline, and {@link CallGuard.fail} settles all pending calls at once when
 * the worker is known dead. Once failed, the guard rejects every new call immediately.
 */
import { deserializeError, GruStreamError, isGruStreamError } from '../errors.js';
import type { SerializedError } from '../errors.js';

interface PendingCall {
  method: string;
  reject(error: GruStreamError): void;
}

export class CallGuard {
  private readonly pending = new Set<PendingCall>();
  /** Why the guard stopped; every later call rejects with a fresh error made from it. */
  private failure: ((method: string) => GruStreamError) | undefined;

  /**
   * @param onDeadline called once when a call misses its deadline (the client then ends the worker and
   *   calls {@link fail})
   */
  constructor(private readonly onDeadline: (method: string, timeoutMs: number) => void) {}

  /** True once {@link fail} was called. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Number of calls waiting for the worker. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Runs one worker call under a deadline.
   * @param method name used in error messages
   * @param timeoutMs deadline in milliseconds
   * @param start sends the call; its rejection is rebuilt as a GruStreamError (code kept)
   */
  run<T>(method: string, timeoutMs: number, start: () => Promise<T>): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure(method));
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        method,
        reject: (error) => {
          clearTimeout(timer);
          this.pending.delete(call);
          reject(error);
        },
      };
      // The deadline measures the worker, not this thread: when this thread was blocked past the
      // deadline, the timer and the worker's answer are both waiting, and timers run first. So the
      // verdict waits one more turn of the event loop, in which answers already received are read.
      const timer = setTimeout(
        () =>
          afterReceivedMessages(() => {
            if (this.pending.has(call)) this.onDeadline(method, timeoutMs);
          }),
        timeoutMs,
      );
      this.pending.add(call);
      let sent: Promise<T>;
      try {
        sent = start();
      } catch (e) {
        sent = Promise.reject(e);
      }
      sent.then(
        (value) => {
          // Settled already when the worker was declared dead meanwhile; a late answer changes nothing.
          if (!this.pending.delete(call)) return;
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          if (this.pending.has(call)) call.reject(fromWorker(method, e));
        },
      );
    });
  }

  /**
   * Rejects every pending call with `now(method)` and every later call with `later(method)`.
   * Only the first failure counts.
   */
  fail(now: (method: string) => GruStreamError, later: (method: string) => GruStreamError): void {
    if (this.failure !== undefined) return;
    this.failure = later;
    for (const call of [...this.pending]) call.reject(now(call.method));
  }
}

/**
 * Runs `fn` after the messages this thread has already received are handled: Node reads worker
 * messages in the poll phase, before `setImmediate` callbacks; elsewhere a zero timeout is the
 * closest portable equivalent (a task queued after them in practice, not by specification).
 */
function afterReceivedMessages(fn: () => void): void {
  if (typeof setImmediate === 'function') setImmediate(fn);
  else setTimeout(fn, 0);
}

/** Rebuilds what a worker call rejected with: a serialized library error keeps its code and stream. */
function fromWorker(method: string, e: unknown): GruStreamError {
  if (e instanceof GruStreamError) return e;
  if (isGruStreamError(e) && typeof (e as { name?: unknown }).name === 'string') {
    return deserializeError(e as SerializedError);
  }
  const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new GruStreamError('E_RUNTIME', `${method}() failed in the worker transport: ${reason}`);
}
