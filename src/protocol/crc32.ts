/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of bytes, for the checksums of snapshots and
 * checkpoints. It detects every error of up to 3 flipped bits and every burst of up to 32 bits in
 * messages of the sizes stored here; it is not a defence against deliberate tampering. Hand-written
 * because the codec runs in browser workers too (node:zlib's crc32 is Node ≥ 20.15 only).
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes[from, to)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let c = 0xffffffff;
  for (let k = from; k < to; k++) c = TABLE[(c ^ bytes[k]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** `body` followed by its CRC-32, big-endian: a fresh array owning its buffer. */
export function withCrc32(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body));
  return out;
}

/**
 * The body of bytes written by {@link withCrc32}, or undefined when they are too short or their
 * checksum does not match.
 */
export function checkCrc32(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 4) return undefined;
  const end = bytes.length - 4;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0);
  return crc32(bytes, 0, end) === stored ? bytes.subarray(0, end) : undefined;
}
