/**
 * Where the pool's supervisor keeps each worker's latest checkpoint. Pluggable: memory (default,
 * here), a directory in Node (`snapshot-store-node.ts`, written atomically), or any key–value store
 * with these three methods (IndexedDB in browsers: `snapshot-store-idb.ts`). Records are opaque
 * bytes carrying their own CRC-32 (see {@link encodeCheckpointRecord}); a store need not check them.
 */
import { GruStreamError } from '../errors.js';
import { checkCrc32, withCrc32 } from '../protocol/crc32.js';

export interface SnapshotStore {
  /** The bytes last saved under `key`, or undefined when there are none. */
  load(key: string): Promise<Uint8Array | undefined>;
  /** Saves `bytes` under `key`, replacing what was there; a reader sees the old or the new bytes, whole. */
  save(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A store in this thread's memory (the default): survives worker crashes, not the process. */
export function memorySnapshotStore(): SnapshotStore {
  const records = new Map<string, Uint8Array>();
  return {
    load: (key) => Promise.resolve(records.get(key)),
    save: (key, bytes) => {
      records.set(key, bytes);
      return Promise.resolve();
    },
    delete: (key) => {
      records.delete(key);
      return Promise.resolve();
    },
  };
}

const MAGIC = 0x47525543; // 'GRUC'

/** A worker's checkpoint and the journal position it covers (entries before `seq`). */
export interface CheckpointRecord {
  seq: number;
  /** The engine's checkpoint bytes (they carry their own checksum too). */
  checkpoint: Uint8Array;
}

/** `magic u32 | seq f64 | checkpoint bytes`, followed by a CRC-32 of all of it. */
export function encodeCheckpointRecord(record: CheckpointRecord): Uint8Array {
  const body = new Uint8Array(12 + record.checkpoint.length);
  const view = new DataView(body.buffer);
  view.setUint32(0, MAGIC);
  view.setFloat64(4, record.seq);
  body.set(record.checkpoint, 12);
  return withCrc32(body);
}

/** Decodes a record; a corrupt, truncated or foreign one is E_SNAPSHOT naming `key`. */
export function decodeCheckpointRecord(key: string, bytes: Uint8Array): CheckpointRecord {
  const body = checkCrc32(bytes);
  const view =
    body === undefined || body.length < 12 ? undefined : new DataView(body.buffer, body.byteOffset);
  if (view === undefined || view.getUint32(0) !== MAGIC) {
    throw new GruStreamError(
      'E_SNAPSHOT',
      `checkpoint record '${key}' (${bytes.length} bytes) is corrupt or not a checkpoint record: checksum or header mismatch`,
    );
  }
  return { seq: view.getFloat64(4), checkpoint: body!.subarray(12) };
}
