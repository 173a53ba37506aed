/**
 * WAV (RIFF/WAVE) parse and write on Uint8Array, no Node or DOM globals. Reads integer PCM (8/16/24/32
 * bit) and IEEE float (32/64 bit), plain or WAVE_FORMAT_EXTENSIBLE; writes 16-bit PCM or 32-bit float.
 * Samples are floats in [−1, 1): integer PCM is divided by 2^(bits−1), so 16-bit data survives a
 * parse → write round trip bit for bit.
 */
import { GruStreamError } from '../errors.js';

export { resample } from './resample.js';

export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export interface WavAudio {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** One array per channel, samples in [−1, 1). */
  channels: Float32Array[];
  /** How the samples were stored. */
  encoding: WavEncoding;
}

export interface ParseWavOptions {
  /**
   * Accept a data chunk that declares more bytes than the file holds, reading what is there. Writers
   * that stream to a pipe (espeak-ng --stdout, sox to stdout) cannot go back to fix the sizes.
   * Default false: a short file is an error.
   */
  allowTruncated?: boolean;
}

/** Sample rates accepted by {@link parseWav}, in Hz. */
export const MIN_RATE = 1000;
export const MAX_RATE = 768_000;

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

const fail = (what: string): never => {
  throw new GruStreamError('E_ARGUMENT', `WAV: ${what}`);
};

/**
 * Decodes a WAV file.
 * @throws GruStreamError E_ARGUMENT saying what is wrong: not RIFF/WAVE, no fmt or data chunk,
 *   unsupported format code or bit depth, inconsistent header, truncated
 */
export function parseWav(bytes: Uint8Array, options: ParseWavOptions = {}): WavAudio {
  if (bytes.length < 12) fail(`truncated: ${bytes.length} bytes, a RIFF header needs 12`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riff = fourCC(bytes, 0);
  if (riff !== 'RIFF') {
    fail(
      riff === 'RIFX' || riff === 'RF64'
        ? `unsupported container '${riff}' (only little-endian RIFF)`
        : `not a RIFF file (starts with ${JSON.stringify(riff)})`,
    );
  }
  if (fourCC(bytes, 8) !== 'WAVE') fail(`RIFF form is ${JSON.stringify(fourCC(bytes, 8))}, not 'WAVE'`);

  let fmt:
    { tag: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let dataStart = -1;
  let dataBytes = 0;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourCC(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length) fail(`truncated: fmt chunk of ${size} bytes`);
      let tag = view.getUint16(body, true);
      if (tag === FORMAT_EXTENSIBLE) {
        if (size < 40) fail(`truncated: extensible fmt chunk of ${size} bytes, needs 40`);
        // The first two bytes of the SubFormat GUID are the real format code.
        tag = view.getUint16(body + 24, true);
      }
      fmt = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      dataStart = body;
      dataBytes = size;
      if (body + size > bytes.length) {
        if (!options.allowTruncated) {
          fail(`truncated: data chunk declares ${size} bytes, the file holds ${bytes.length - body}`);
        }
        dataBytes = bytes.length - body;
      }
      break;
    }
    // Chunks are padded to an even size.
    pos = body + size + (size & 1);
  }
  if (!fmt) return fail('no fmt chunk before the data');
  if (dataStart < 0) return fail('no data chunk');

  const { tag, channels, sampleRate, blockAlign, bits } = fmt;
  let encoding: WavEncoding;
  if (tag === FORMAT_PCM && (bits === 8 || bits === 16 || bits === 24 || bits === 32)) {
    encoding = `pcm${bits}`;
  } else if (tag === FORMAT_FLOAT && (bits === 32 || bits === 64)) {
    encoding = `float${bits}`;
  } else if (tag === FORMAT_PCM || tag === FORMAT_FLOAT) {
    return fail(`unsupported bit depth ${bits} for format code ${tag}`);
  } else {
    return fail(`unsupported format code ${tag} (0x${tag.toString(16)}); expected 1 (PCM) or 3 (float)`);
  }
  if (channels < 1) fail('fmt says 0 channels');
  // A header rate far outside audio (1 Hz, 4294967295 Hz) would make resampling to the model's rate
  // take minutes or allocate gigabytes: refuse it here, by name.
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
    fail(`fmt says sample rate ${sampleRate} Hz; expected ${MIN_RATE}–${MAX_RATE} Hz`);
  }
  if (blockAlign !== (channels * bits) / 8) {
    fail(`fmt block align ${blockAlign} ≠ channels (${channels}) × bytes per sample (${bits / 8})`);
  }
  if (dataBytes % blockAlign !== 0 && !options.allowTruncated) {
    fail(`truncated: data chunk of ${dataBytes} bytes is not a whole number of ${blockAlign}-byte frames`);
  }
  const frames = Math.floor(dataBytes / blockAlign);
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames));
  const bytesPer = bits / 8;
  for (let c = 0; c < channels; c++) {
    const ch = out[c]!;
    let p = dataStart + c * bytesPer;
    for (let i = 0; i < frames; i++, p += blockAlign) ch[i] = readSample(view, p, encoding);
    // Float samples can be NaN or ±Infinity, which the front end would turn into silence or NaN
    // features; PCM cannot.
    if (encoding === 'float32' || encoding === 'float64') {
      for (let i = 0; i < frames; i++) {
        const v = ch[i]!;
        if (v - v !== 0) fail(`sample ${i} of channel ${c} is ${v}; expected a finite number`);
      }
    }
  }
  return { sampleRate, channels: out, encoding };
}

/**
 * Encodes audio as a WAV file. Samples outside [−1, 1) are clipped when writing PCM.
 * @param audio one mono signal, or one array per channel (all the same length)
 * @param sampleRate in Hz (integer)
 * @param encoding 'pcm16' (default) or 'float32'
 */
export function writeWav(
  audio: Float32Array | Float32Array[],
  sampleRate: number,
  encoding: 'pcm16' | 'float32' = 'pcm16',
): Uint8Array {
  const channels = Array.isArray(audio) ? audio : [audio];
  const first = channels[0];
  if (!first) return fail('writeWav needs at least one channel');
  if (channels.some((c) => c.length !== first.length)) fail('writeWav channels differ in length');
  if (!Number.isInteger(sampleRate) || sampleRate < 1)
    fail(`writeWav sample rate ${sampleRate} is not a positive integer`);
  const float = encoding === 'float32';
  const bytesPer = float ? 4 : 2;
  const blockAlign = channels.length * bytesPer;
  const dataBytes = first.length * blockAlign;
  // Non-PCM formats carry cbSize in fmt (18 bytes) and a fact chunk with the frame count.
  const fmtBytes = float ? 18 : 16;
  const factBytes = float ? 12 : 0;
  const headerBytes = 12 + 8 + fmtBytes + factBytes + 8;
  const bytes = new Uint8Array(headerBytes + dataBytes);
  const view = new DataView(bytes.buffer);
  const put4 = (p: number, s: string): void => {
    for (let i = 0; i < 4; i++) bytes[p + i] = s.charCodeAt(i);
  };
  put4(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  put4(8, 'WAVE');
  put4(12, 'fmt ');
  view.setUint32(16, fmtBytes, true);
  view.setUint16(20, float ? FORMAT_FLOAT : FORMAT_PCM, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bytesPer * 8, true);
  let p = 20 + fmtBytes;
  if (float) {
    view.setUint16(36, 0, true);
    put4(p, 'fact');
    view.setUint32(p + 4, 4, true);
    view.setUint32(p + 8, first.length, true);
    p += 12;
  }
  put4(p, 'data');
  view.setUint32(p + 4, dataBytes, true);
  p += 8;
  for (let i = 0; i < first.length; i++) {
    for (const ch of channels) {
      const x = ch[i]!;
      if (float) {
        view.setFloat32(p, x, true);
      } else {
        view.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
      }
      p += bytesPer;
    }
  }
  return bytes;
}

/** The average of the channels (a copy even for one channel). */
export function toMono(channels: Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) return fail('toMono needs at least one channel');
  if (channels.length === 1) return first.slice();
  const out = new Float32Array(first.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]!;
  for (let i = 0; i < out.length; i++) out[i]! /= channels.length;
  return out;
}

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at] ?? 0, bytes[at + 1] ?? 0, bytes[at + 2] ?? 0, bytes[at + 3] ?? 0);
}

function readSample(view: DataView, p: number, encoding: WavEncoding): number {
  switch (encoding) {
    case 'pcm8':
      // 8-bit WAV is unsigned with 128 as zero.
      return (view.getUint8(p) - 128) / 128;
    case 'pcm16':
      return view.getInt16(p, true) / 32768;
    case 'pcm24': {
      const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
      return v / 8388608;
    }
    case 'pcm32':
      return view.getInt32(p, true) / 2147483648;
    case 'float32':
      return view.getFloat32(p, true);
    case 'float64':
      return view.getFloat64(p, true);
  }
}
