/**
 * The gateway's one msgpack codec, configured as the library's (`moreTypes: true`, so Float32Array and
 * Float64Array come back as themselves): every snapshot file is written and read through here.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ moreTypes: true });

/** msgpack bytes of `value`, in a fresh buffer of their own. */
export function encode(value: unknown): Uint8Array {
  return new Uint8Array(packr.pack(value));
}

/** The value of msgpack bytes; throws the decoder's error on malformed bytes (the caller codes it). */
export function decode(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
