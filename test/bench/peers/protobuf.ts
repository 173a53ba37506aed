/**
 * A minimal protobuf *writer*: just what it takes to emit an ONNX model from a test (varints,
 * length-delimited strings/bytes/messages, fixed32 floats, packed repeated scalars). No reader, no
 * schema: callers name field numbers themselves. Encoding rules are those of the protobuf wire format
 * (https://protobuf.dev/programming-guides/encoding/).
 */

/** Wire types of the protobuf encoding. */
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/**
 * Appends fields to a growing buffer. A nested message is written by a child writer whose
 * {@link ProtoWriter.finish} bytes are passed to {@link ProtoWriter.message}: a length prefix needs
 * the length first, and the models this serves are small enough that the extra copy does not matter.
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  /** A varint field (int32, int64, uint64, enum, bool). Negative numbers take 10 bytes, as in protobuf. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A `float` field (fixed32, little-endian IEEE 754). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** A `string` field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(value.length);
    this.append(value);
    return this;
  }

  /** An embedded message field: the finished bytes of a child writer, or the child itself. */
  message(field: number, value: ProtoWriter | Uint8Array): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  /** A packed `repeated float` field: one length-delimited run of fixed32 values. */
  packedFloats(field: number, values: Float32Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(values.length * 4);
    this.reserve(values.length * 4);
    const view = new DataView(this.buf.buffer);
    // Written one by one (not a byte copy of the array) so the bytes are little-endian on any host.
    for (let i = 0; i < values.length; i++) view.setFloat32(this.len + 4 * i, values[i]!, true);
    this.len += values.length * 4;
    return this;
  }

  /** A packed `repeated int64`/`int32` field: one length-delimited run of varints. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const body = new ProtoWriter();
    for (const v of values) body.rawVarint(v);
    return this.bytes(field, body.finish());
  }

  /** The bytes written so far (a copy, so the writer may go on). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number must be an integer in 1..2^29-1, got ${field}`);
    }
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`protobuf varint must be a safe integer or a bigint, got ${value}`);
    }
    // Two's complement on 64 bits: how protobuf encodes negative int32/int64 values.
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.buf[this.len++] = v === 0n ? low : low | 0x80;
    } while (v !== 0n);
  }

  private append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
