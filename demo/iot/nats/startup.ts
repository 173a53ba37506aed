/**
 * Start-up against a cluster that may not be there yet: a gateway started before its servers (or
 * while they elect their JetStream leaders) retries with backoff, logging each attempt, and gives up
 * with a coded error after a bounded time instead of crashing at the first refusal.
 */
import { connect } from '@nats-io/transport-node';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import { GruStreamError } from '../../../src/node.js';
import { errorText } from './cas.js';

export interface RetryOptions {
  /** Give up after this long, ms. */
  deadlineMs: number;
  log(line: string): void;
  /** What is being attempted and by whom, for the log lines (e.g. `gateway g1: connecting`). */
  what: string;
  /** Errors not worth retrying (a wrong configuration): thrown at once. */
  fatal?: (e: unknown) => boolean;
}

/** Backoff before attempt `attempt + 1`, ms: 250, 500, 1 000, 2 000, then 4 000. */
export const backoffMs = (attempt: number): number => Math.min(4000, 250 * 2 ** (attempt - 1));

/**
 * Runs `fn` until it resolves, with backoff between attempts, each failure logged.
 * @throws GruStreamError E_TIMEOUT naming `what`, the time spent and the last error, once the next
 *   attempt would start after the deadline
 */
export async function retryUntil<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (o.fatal?.(e)) throw e;
      const wait = backoffMs(attempt);
      const spent = Date.now() - started;
      if (spent + wait > o.deadlineMs) {
        throw new GruStreamError(
          'E_TIMEOUT',
          `${o.what}: gave up after ${attempt} attempts in ${spent} ms (limit ${o.deadlineMs} ms): ${errorText(e)}`,
        );
      }
      o.log(`${o.what}: attempt ${attempt} failed (${errorText(e)}); retrying in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Connects to the first reachable of `servers`, retrying while none is.
 * @throws GruStreamError E_TIMEOUT naming the servers when none answered within `deadlineMs`
 */
export function connectWithRetry(
  servers: string[],
  options: Omit<ConnectionOptions, 'servers'>,
  o: Omit<RetryOptions, 'what'> & { name: string },
): Promise<NatsConnection> {
  return retryUntil(() => connect({ ...options, servers }), {
    ...o,
    what: `${o.name}: connecting to NATS [${servers.join(', ')}]`,
  });
}
