/**
 * The one msgpack codec of the library, used by the engine and the client alike.
 *
 * msgpackr's options must match on both ends (`moreTypes` decides whether a Float32Array is a tagged
 * typed array or an anonymous binary), so nothing else constructs a Packr or calls the module-level
 * `pack`/`unpack`: every encode and decode goes through here.
 */
import { Packr } from 'msgpackr';
import { GruStreamError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { describe } from '../protocol/chunk.js';
import { checkCrc32, withCrc32 } from '../protocol/crc32.js';

const packr = new Packr({ moreTypes: true });

/**
 * Snapshot format version written by {@link encodeSnapshot}. Version 2: the msgpack body followed by
 * its CRC-32 (4 bytes, big-endian), so a flipped bit is refused instead of restored. Version 1 (no
 * checksum) is refused with a message saying so.
 */
export const SNAPSHOT_VERSION = 2;

/** One stream's state as stored by `snapshot()`, tagged with the model it belongs to. */
export interface Snapshot {
  v: typeof SNAPSHOT_VERSION;
  /** sha256 (hex) of the model's weights; a snapshot is only restored into the same model. */
  modelId: string;
  /** H, the length of `h`. */
  hiddenSize: number;
  /** The GRU hidden state, H floats. */
  h: Float32Array;
  /** Free-form extra data (e.g. the application's position in the stream). */
  meta?: Record<string, unknown>;
}

/** What a snapshot must match to be restored. */
export interface SnapshotExpectation {
  modelId: string;
  hiddenSize: number;
  /** Stream being restored, named in error messages. */
  stream?: string;
}

/**
 * Encodes any value as msgpack (typed arrays keep their type).
 * @returns a fresh, exactly-sized Uint8Array that owns its buffer, so it is safe to transfer
 */
export function encode(value: unknown): Uint8Array {
  // Packr returns a view into its own reusable buffer, shared with later results; copying means a
  // transfer to another thread cannot detach the codec's buffer and the result is not overwritten.
  return new Uint8Array(packr.pack(value));
}

/** Decodes msgpack bytes written by {@link encode}; malformed bytes throw E_ARGUMENT with the reason. */
export function decode(bytes: Uint8Array): unknown {
  return unpackOrThrow(bytes, 'E_ARGUMENT', 'msgpack');
}

/** Encodes a snapshot in the version-2 format (msgpack body + CRC-32). */
export function encodeSnapshot(snapshot: Omit<Snapshot, 'v'>): Uint8Array {
  const out: Snapshot = {
    v: SNAPSHOT_VERSION,
    modelId: snapshot.modelId,
    hiddenSize: snapshot.hiddenSize,
    h: snapshot.h,
  };
  if (snapshot.meta !== undefined) out.meta = snapshot.meta;
  return withCrc32(packr.pack(out));
}

/**
 * Decodes and checks a snapshot: checksum, well-formed, version 2, for the expected model and H, finite state.
 * Every failure is an E_SNAPSHOT error saying why; never a raw decoder error.
 */
export function decodeSnapshot(bytes: unknown, expected: SnapshotExpectation): Snapshot {
  const where = expected.stream === undefined ? 'snapshot' : `snapshot for stream '${expected.stream}'`;
  const fail = (reason: string): GruStreamError =>
    new GruStreamError('E_SNAPSHOT', `${where}: ${reason}`, expected.stream);
  if (!(bytes instanceof Uint8Array))
    throw fail(`expected msgpack bytes (Uint8Array), got ${describe(bytes)}`);
  const body = checkCrc32(bytes);
  if (body === undefined) {
    const legacy = looksLikeVersion1(bytes);
    throw fail(
      legacy
        ? `a version-1 snapshot (no checksum) is no longer accepted; expected version ${SNAPSHOT_VERSION}: take a new snapshot`
        : `checksum mismatch (${bytes.length} bytes): the snapshot is corrupt or truncated`,
    );
  }
  const value = unpackOrThrow(body, 'E_SNAPSHOT', where, expected.stream);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`expected a snapshot object, decoded ${describe(value)}`);
  }
  const s = value as Record<string, unknown>;
  if (s.v !== SNAPSHOT_VERSION)
    throw fail(`unsupported version: expected ${SNAPSHOT_VERSION}, got ${describe(s.v)}`);
  if (typeof s.modelId !== 'string') throw fail(`modelId: expected a string, got ${describe(s.modelId)}`);
  const { hiddenSize, h, meta } = s;
  if (typeof hiddenSize !== 'number' || !Number.isInteger(hiddenSize) || hiddenSize < 1) {
    throw fail(`hiddenSize: expected an integer ≥ 1, got ${describe(hiddenSize)}`);
  }
  if (!(h instanceof Float32Array)) throw fail(`h: expected a Float32Array, got ${describe(h)}`);
  if (h.length !== hiddenSize) throw fail(`h has ${h.length} floats but hiddenSize says ${hiddenSize}`);
  if (s.modelId !== expected.modelId) {
    throw fail(`taken from model '${s.modelId}', but this engine runs model '${expected.modelId}'`);
  }
  if (hiddenSize !== expected.hiddenSize) {
    throw fail(`hidden size: expected ${expected.hiddenSize} (this engine's model), got ${hiddenSize}`);
  }
  for (let j = 0; j < h.length; j++) {
    const x = h[j]!;
    if (x - x !== 0) throw fail(`h[${j}] is ${x}; expected a finite number`);
  }
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) {
    throw fail(`meta: expected an object, got ${describe(meta)}`);
  }
  const out: Snapshot = { v: SNAPSHOT_VERSION, modelId: s.modelId, hiddenSize, h };
  if (meta !== undefined) out.meta = meta as Record<string, unknown>;
  return out;
}

/** True when `bytes` decode whole as a version-1 snapshot object. */
function looksLikeVersion1(bytes: Uint8Array): boolean {
  try {
    const v = packr.unpack(bytes) as { v?: unknown } | null;
    return typeof v === 'object' && v !== null && v.v === 1;
  } catch {
    return false; // not msgpack at all: the checksum message applies
  }
}

/** Unpacks, turning any decoder failure (truncation, bad tags, trailing bytes) into `code`. */
function unpackOrThrow(bytes: Uint8Array, code: ErrorCode, what: string, stream?: string): unknown {
  try {
    return packr.unpack(bytes);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new GruStreamError(code, `${what}: corrupt msgpack (${bytes.length} bytes): ${reason}`, stream);
  }
}

/** Every open stream of an engine at one moment (see `EngineApi.checkpoint`). */
export interface Checkpoint {
  modelId: string;
  hiddenSize: number;
  streams: string[];
  /** Stream k's state is `h[k × hiddenSize, (k + 1) × hiddenSize)`. */
  h: Float32Array;
}

/** Encodes a checkpoint: msgpack body + CRC-32, like a snapshot. */
export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  return withCrc32(
    packr.pack({
      v: 1,
      kind: 'checkpoint',
      modelId: c.modelId,
      hiddenSize: c.hiddenSize,
      streams: c.streams,
      h: c.h,
    }),
  );
}

/** Decodes and checks a checkpoint; every failure is E_SNAPSHOT saying why. */
export function decodeCheckpoint(bytes: unknown, expected: SnapshotExpectation): Checkpoint {
  const fail = (reason: string): GruStreamError => new GruStreamError('E_SNAPSHOT', `checkpoint: ${reason}`);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected bytes (Uint8Array), got ${describe(bytes)}`);
  const body = checkCrc32(bytes);
  if (body === undefined) throw fail(`checksum mismatch (${bytes.length} bytes): corrupt or truncated`);
  const c = unpackOrThrow(body, 'E_SNAPSHOT', 'checkpoint') as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || c.kind !== 'checkpoint' || c.v !== 1) {
    throw fail(`expected a version-1 checkpoint, decoded ${describe(c)}`);
  }
  if (c.modelId !== expected.modelId) {
    throw fail(`taken from model '${String(c.modelId)}', but this engine runs model '${expected.modelId}'`);
  }
  if (c.hiddenSize !== expected.hiddenSize) {
    throw fail(`hidden size: expected ${expected.hiddenSize}, got ${describe(c.hiddenSize)}`);
  }
  const { streams, h } = c;
  if (!Array.isArray(streams) || !streams.every((s) => typeof s === 'string' && s.length > 0)) {
    throw fail(`streams: expected an array of non-empty ids, got ${describe(streams)}`);
  }
  if (!(h instanceof Float32Array) || h.length !== streams.length * expected.hiddenSize) {
    throw fail(
      `h: expected a Float32Array of ${streams.length} × ${expected.hiddenSize} floats, got ${describe(h)}`,
    );
  }
  for (let j = 0; j < h.length; j++) {
    const x = h[j]!;
    if (x - x !== 0) throw fail(`h[${j}] is ${x}; expected a finite number`);
  }
  return { modelId: expected.modelId, hiddenSize: expected.hiddenSize, streams: streams as string[], h };
}
