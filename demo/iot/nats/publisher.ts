/**
 * A device's side of the NATS contract: publishes a sample to JetStream with the message id
 * `<sensor>:<seq>` and waits for the stream's acknowledgement, retrying on failure (a server dying
 * mid-publish): the stream's duplicate window stores a retried sample once.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { GruStreamError } from '../../../src/node.js';
import type { Telemetry } from '../contract.js';
import { telemetrySubject } from './contract.js';
import type { NatsTelemetry } from './contract.js';

export interface PublishOptions {
  /** Attempts before giving up. Default 50. */
  attempts?: number;
  /** Wait between attempts, ms. Default 200. */
  retryMs?: number;
  /** Called on each failed attempt. */
  onRetry?: (sensor: string, seq: number, error: unknown) => void;
}

/** Resolves once the stream has stored sample `seq` of `sensor`. */
export async function publishTelemetry(
  js: JetStreamClient,
  sensor: string,
  seq: number,
  sample: Telemetry,
  o: PublishOptions = {},
): Promise<void> {
  const body: NatsTelemetry = { ...sample, seq };
  const payload = JSON.stringify(body);
  const attempts = o.attempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      await js.publish(telemetrySubject(sensor), payload, { msgID: `${sensor}:${seq}` });
      return;
    } catch (e) {
      o.onRetry?.(sensor, seq, e);
      if (attempt >= attempts) {
        throw new GruStreamError(
          'E_TIMEOUT',
          `sensor '${sensor}': seq ${seq} not stored after ${attempts} attempts: ${e instanceof Error ? e.message : String(e)}`,
          sensor,
        );
      }
      await new Promise((r) => setTimeout(r, o.retryMs ?? 200));
    }
  }
}
