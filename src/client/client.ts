/**
 * The typed async engine client, independent of where the engine runs: the worker client
 * (`engine-client.ts`) and the in-process one (`in-process.ts`) both build it from a function that
 * performs one engine call.
 */
import type {
  EngineApi,
  EngineInfo,
  EngineStats,
  StepRequest,
  StepResult,
  StreamOptions,
} from '../protocol/engine.js';
import { MicroBatcher } from './micro-batcher.js';
import type { MicroBatcherOptions } from './micro-batcher.js';

/** The engine, seen from the main thread: every method is async and rejects with a GruStreamError. */
export interface EngineClient {
  /** Facts about the loaded model, as reported when the engine started. */
  readonly model: EngineInfo;
  /** Facts about the loaded model, asked from the engine. */
  info(): Promise<EngineInfo>;
  /**
   * Steps a packed batch of chunks (see {@link StepRequest}); per-chunk failures come back in
   * `errors`. Buffers that the request's arrays own entirely are transferred to the worker (they are
   * detached here afterwards); others are copied.
   */
  step(request: StepRequest): Promise<StepResult>;
  /** Opens a stream (optionally with an initial state); streams also open on their first chunk. */
  open(stream: string, options?: StreamOptions): Promise<void>;
  /** Sets a stream back to its initial state. */
  reset(stream: string): Promise<void>;
  /** Forgets a stream; later chunks for it fail with E_STREAM until it is opened again. */
  close(stream: string): Promise<void>;
  /** Closes streams idle longer than `idleTtlMs`; returns their ids. */
  evictIdle(): Promise<string[]>;
  /** The stream's state as bytes, to {@link restore} later, in this or another engine of the same model. */
  snapshot(stream: string): Promise<Uint8Array>;
  /** Opens or overwrites a stream from a snapshot of the same model (E_SNAPSHOT otherwise). */
  restore(stream: string, snapshot: Uint8Array): Promise<void>;
  /** Every open stream's state in one checksummed record (see `EngineApi.checkpoint`). */
  checkpoint(): Promise<Uint8Array>;
  /** Restores every stream of a checkpoint of the same model; resolves to the number restored. */
  restoreCheckpoint(checkpoint: Uint8Array): Promise<number>;
  stats(): Promise<EngineStats>;
  /**
   * The client's shared micro-batcher for a window, created on first use: every operator using the
   * same window shares it, so their chunks travel in one step call.
   * @param windowMs batching window in milliseconds (default 0: one microtask)
   */
  batcher(windowMs?: number): MicroBatcher;
  /** Ends the engine: pending and later calls reject with E_DISPOSED. Idempotent. */
  dispose(): Promise<void>;
}

/** Performs one engine call; `transfer` lists buffers to move rather than copy. */
export type EngineCall = <K extends Exclude<keyof EngineApi, 'dispose'>>(
  method: K,
  args: Parameters<EngineApi[K]>,
  transfer?: Transferable[],
) => Promise<ReturnType<EngineApi[K]>>;

/** Builds an {@link EngineClient} over `call`; `end` runs once, on the first `dispose()`. */
export function buildClient(
  model: EngineInfo,
  call: EngineCall,
  end: () => Promise<void>,
  batching: Omit<MicroBatcherOptions, 'windowMs'> = {},
): EngineClient {
  const batchers = new Map<number, MicroBatcher>();
  let ended: Promise<void> | undefined;
  const client: EngineClient = {
    model,
    info: () => call('info', []),
    step: (request) => call('step', [request], ownedBuffers(request)),
    open: (stream, options) => call('open', options === undefined ? [stream] : [stream, options]),
    reset: (stream) => call('reset', [stream]),
    close: (stream) => call('close', [stream]),
    evictIdle: () => call('evictIdle', []),
    snapshot: (stream) => call('snapshot', [stream]),
    restore: (stream, snapshot) => call('restore', [stream, snapshot]),
    checkpoint: () => call('checkpoint', []),
    restoreCheckpoint: (checkpoint) => call('restoreCheckpoint', [checkpoint]),
    stats: () => call('stats', []),
    batcher: (windowMs = 0) => {
      let b = batchers.get(windowMs);
      if (b === undefined) {
        b = new MicroBatcher(client, { ...batching, windowMs });
        batchers.set(windowMs, b);
      }
      return b;
    },
    dispose: () => (ended ??= end()),
  };
  return client;
}

/** The request's buffers that its views cover entirely: safe to transfer without taking more than it. */
function ownedBuffers(request: StepRequest): Transferable[] {
  const out = new Set<ArrayBuffer>();
  // A malformed request (null, not an object) goes to the engine as it is, which refuses it with a code.
  if (typeof request !== 'object' || request === null) return [];
  for (const view of [request.frames, request.frameCounts] as ArrayBufferView[]) {
    if (!ArrayBuffer.isView(view)) continue;
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) {
      out.add(buffer);
    }
  }
  return [...out];
}
