/** Telling a lost compare-and-set (another writer got there first) from a transient failure. */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';

/** True when a KV `create`/`update` failed because the key's revision was not the expected one. */
export function isRevisionConflict(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
