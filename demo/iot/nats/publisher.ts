/**
 * A device's side of the NATS contract: publishes a sample to JetStream with the message id
 * `<sensor>:<seq>` and waits for the stream's acknowledgement, retrying with backoff while the
 * stream cannot store it (a server dying mid-publish, or the stream electing a new leader after a
 * server's death: JetStream then answers "jetstream is not enabled" (no responders) for seconds).
 * The stream's duplicate window stores a retried sample once.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { GruStreamError } from '../../../src/node.js';
import type { Telemetry } from '../contract.js';
import { telemetrySubject } from './contract.js';
import type { NatsTelemetry } from './contract.js';
import { TELEMETRY_DUPLICATE_WINDOW_MS } from './setup.js';

export interface PublishOptions {
  /**
   * Give up (E_TIMEOUT) once this long has passed since the first attempt, ms. Default 60 000. After a
   * nats-server's SIGKILL, a 3-node nats-server 2.9.10 cluster took up to 19.7 s here to store
   * publishes again (demo/iot/nats/README.md, "When a nats-server dies"). Must stay below the
   * telemetry stream's duplicate window ({@link TELEMETRY_DUPLICATE_WINDOW_MS}, 120 s): a retry of a
   * sample whose acknowledgement was lost, sent later than that, would be stored twice.
   */
  giveUpAfterMs?: number;
  /** Wait after the first failure, ms; doubled after each further one up to `maxRetryMs`. Default 100. */
  retryMs?: number;
  /** Longest wait between attempts, ms (how soon a device notices the stream is back). Default 1 000. */
  maxRetryMs?: number;
  /** Called on each failed attempt. */
  onRetry?: (sensor: string, seq: number, error: unknown) => void;
}

/** The default give-up horizon of {@link publishTelemetry}, ms. */
export const PUBLISH_GIVE_UP_MS = 60_000;

/**
 * Resolves once the stream has stored sample `seq` of `sensor`.
 * @throws GruStreamError E_ARGUMENT when `giveUpAfterMs` is not in (0, the duplicate window)
 * @throws GruStreamError E_TIMEOUT naming the sensor, seq, attempts and last error once the next
 *   attempt would start after `giveUpAfterMs`
 */
export async function publishTelemetry(
  js: JetStreamClient,
  sensor: string,
  seq: number,
  sample: Telemetry,
  o: PublishOptions = {},
): Promise<void> {
  const horizon = o.giveUpAfterMs ?? PUBLISH_GIVE_UP_MS;
  if (!(horizon > 0 && horizon < TELEMETRY_DUPLICATE_WINDOW_MS)) {
    throw new GruStreamError(
      'E_ARGUMENT',
      `sensor '${sensor}': giveUpAfterMs must be in (0, ${TELEMETRY_DUPLICATE_WINDOW_MS}) ms (the telemetry stream's duplicate window), got ${horizon}`,
      sensor,
    );
  }
  const body: NatsTelemetry = { ...sample, seq };
  const payload = JSON.stringify(body);
  const started = Date.now();
  let wait = o.retryMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      await js.publish(telemetrySubject(sensor), payload, { msgID: `${sensor}:${seq}` });
      return;
    } catch (e) {
      o.onRetry?.(sensor, seq, e);
      const spent = Date.now() - started;
      if (spent + wait > horizon) {
        throw new GruStreamError(
          'E_TIMEOUT',
          `sensor '${sensor}': seq ${seq} not stored after ${attempt} attempts in ${spent} ms (limit ${horizon} ms): ${e instanceof Error ? e.message : String(e)}`,
          sensor,
        );
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(o.maxRetryMs ?? 1000, wait * 2);
    }
  }
}
