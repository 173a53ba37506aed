/**
 * A partition's saved state, one JetStream KV value (msgpack through the MQTT gateway's codec): every
 * sensor's record (engine snapshot + scorer state + last time, as the MQTT gateway saves them) and last
 * `seq`, and the telemetry stream sequence the states cover. A new owner restores it and replays the
 * partition's subjects from `streamSeq + 1`.
 */
import { GruStreamError } from '../../../src/node.js';
import { decode, encode } from '../gateway/codec.js';
import type { SensorRecord } from '../gateway/store.js';

const VERSION = 1;

export interface PartitionSnapshot {
  v: typeof VERSION;
  modelId: string;
  partition: number;
  /** Last telemetry stream sequence whose sample is in the states (0: none). */
  streamSeq: number;
  /** The gateway that wrote it. */
  owner: string;
  /** Epoch ms. */
  savedAt: number;
  sensors: Record<string, { record: SensorRecord; seq: number }>;
}

export function emptySnapshot(modelId: string, partition: number, owner: string): PartitionSnapshot {
  return { v: VERSION, modelId, partition, streamSeq: 0, owner, savedAt: 0, sensors: {} };
}

export const encodeSnapshot = (s: PartitionSnapshot): Uint8Array => encode(s);

/**
 * @throws GruStreamError E_SNAPSHOT naming the partition when the bytes are corrupt, of another version,
 * partition or model
 */
export function decodeSnapshot(bytes: Uint8Array, modelId: string, partition: number): PartitionSnapshot {
  const fail = (why: string): never => {
    throw new GruStreamError('E_SNAPSHOT', `snapshot of partition ${partition}: ${why}`);
  };
  let s: unknown;
  try {
    s = decode(bytes);
  } catch (e) {
    fail(`corrupt msgpack (${bytes.length} bytes): ${(e as Error).message}`);
  }
  const snap = s as Partial<PartitionSnapshot> | null;
  if (typeof snap !== 'object' || snap === null) return fail('expected a snapshot object');
  if (snap.v !== VERSION) fail(`version: expected ${VERSION}, got ${String(snap.v)}`);
  if (snap.partition !== partition) fail(`expected partition ${partition}, got ${String(snap.partition)}`);
  if (snap.modelId !== modelId) fail(`model: expected '${modelId}', got '${String(snap.modelId)}'`);
  if (!Number.isSafeInteger(snap.streamSeq) || typeof snap.sensors !== 'object' || snap.sensors === null) {
    fail('expected a stream sequence and a sensors table');
  }
  return snap as PartitionSnapshot;
}
