/**
 * Closing a stream when its subscription ends. Runs after the subscriber is gone, so a failure has no
 * one to go to: the expected ones are ignored (see below) and anything else is reported the way RxJS
 * reports errors it cannot deliver (`config.onUnhandledError`, else thrown asynchronously).
 */
import { config } from 'rxjs';
import { isGruStreamError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { EngineClient } from './client.js';

/**
 * Failures that mean the stream is already gone: E_STREAM (closed or evicted meanwhile), E_DISPOSED
 * and E_WORKER_DEAD / E_TIMEOUT (the engine and all its state are gone).
 */
const GONE: readonly ErrorCode[] = ['E_STREAM', 'E_DISPOSED', 'E_WORKER_DEAD', 'E_TIMEOUT'];

/**
 * Closes `stream` once `after` settles (its last chunk was answered), if `opened()` says an answer
 * opened it in the engine then.
 */
export function closeStreamAfter(
  engine: Pick<EngineClient, 'close'>,
  stream: string,
  after: Promise<unknown>,
  opened: () => boolean,
): void {
  void after
    .then(() => (opened() ? engine.close(stream) : undefined))
    .then(undefined, (e: unknown) => {
      if (isGruStreamError(e) && GONE.includes(e.code)) return;
      reportUnhandled(e);
    });
}

function reportUnhandled(e: unknown): void {
  setTimeout(() => {
    if (config.onUnhandledError) config.onUnhandledError(e);
    else throw e;
  });
}
