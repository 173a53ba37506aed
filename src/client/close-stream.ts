/**
 * Closing the streams an operator opened. On completion the operator closes them before it completes
 * ({@link completeAfterClosing}), so whatever runs on completion (opening an id again, restoring a
 * snapshot into it) comes after the close. On unsubscribe there is no subscriber left to tell
 * ({@link closeStreamAfter}): the expected failures are ignored (see below) and anything else is
 * reported the way RxJS reports errors it cannot deliver (`config.onUnhandledError`, else thrown
 * asynchronously).
 */
import { config } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { isGruStreamError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { EngineClient } from './client.js';

/**
 * Failures that mean the stream is already gone: E_STREAM (closed or evicted meanwhile), E_DISPOSED
 * and E_WORKER_DEAD / E_TIMEOUT (the engine and all its state are gone).
 */
const GONE: readonly ErrorCode[] = ['E_STREAM', 'E_DISPOSED', 'E_WORKER_DEAD', 'E_TIMEOUT'];

const isGone = (e: unknown): boolean => isGruStreamError(e) && GONE.includes(e.code);

/**
 * Closes `streams` now, then completes `subscriber` once every close is answered. A stream already
 * gone counts as closed; any other failure errors `subscriber` instead.
 */
export function completeAfterClosing(
  engine: Pick<EngineClient, 'close'>,
  streams: readonly string[],
  subscriber: Subscriber<unknown>,
): void {
  const closes = streams.map((stream) =>
    engine.close(stream).catch((e: unknown) => {
      if (!isGone(e)) throw e;
    }),
  );
  Promise.all(closes).then(
    () => subscriber.complete(),
    (e: unknown) => subscriber.error(e),
  );
}

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
      if (!isGone(e)) reportUnhandled(e);
    });
}

function reportUnhandled(e: unknown): void {
  setTimeout(() => {
    if (config.onUnhandledError) config.onUnhandledError(e);
    else throw e;
  });
}
