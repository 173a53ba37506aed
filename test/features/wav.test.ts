import { describe, expect, it } from 'vitest';
import { isGruStreamError } from '../../src/errors.js';
import { parseWav, toMono, writeWav } from '../../src/features/wav.js';
import { mulberry32 } from '../../src/model/random.js';

function noise(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rand() * 1.8 - 0.9);
}

/** A hand-made WAV: RIFF header, a fmt chunk from the given fields, and the data bytes. */
function handMade(
  fmt: { tag: number; channels: number; rate: number; bits: number; extensible?: boolean },
  data: number[],
) {
  const fmtBytes = fmt.extensible ? 40 : 16;
  const bytes = new Uint8Array(12 + 8 + fmtBytes + 8 + data.length);
  const v = new DataView(bytes.buffer);
  const put = (p: number, s: string): void => [...s].forEach((c, i) => (bytes[p + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, bytes.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtBytes, true);
  v.setUint16(20, fmt.extensible ? 0xfffe : fmt.tag, true);
  v.setUint16(22, fmt.channels, true);
  v.setUint32(24, fmt.rate, true);
  const align = (fmt.channels * fmt.bits) / 8;
  v.setUint32(28, fmt.rate * align, true);
  v.setUint16(32, align, true);
  v.setUint16(34, fmt.bits, true);
  if (fmt.extensible) v.setUint16(20 + 24, fmt.tag, true);
  const d = 20 + fmtBytes;
  put(d, 'data');
  v.setUint32(d + 4, data.length, true);
  bytes.set(data, d + 8);
  return bytes;
}

function expectWavError(fn: () => unknown, messagePart: string): void {
  try {
    fn();
  } catch (e) {
    expect(isGruStreamError(e) && e.code).toBe('E_ARGUMENT');
    expect((e as Error).message).toContain(messagePart);
    return;
  }
  expect.fail(`expected a throw mentioning ${messagePart}`);
}

describe('WAV', () => {
  it('round-trips 16-bit PCM bit for bit', () => {
    const bytes = writeWav(noise(1001, 1), 16000);
    const audio = parseWav(bytes);
    expect(audio.sampleRate).toBe(16000);
    expect(audio.encoding).toBe('pcm16');
    expect(audio.channels[0]!.length).toBe(1001);
    expect(writeWav(audio.channels, 16000)).toEqual(bytes);
  });

  it('round-trips float32 stereo exactly and keeps the channels apart', () => {
    const left = noise(300, 2);
    const right = noise(300, 3);
    const audio = parseWav(writeWav([left, right], 44100, 'float32'));
    expect(audio).toEqual({ sampleRate: 44100, channels: [left, right], encoding: 'float32' });
    const mono = toMono(audio.channels);
    expect(mono[5]).toBeCloseTo((left[5]! + right[5]!) / 2, 6);
  });

  it('clips PCM at full scale', () => {
    const x = parseWav(writeWav(Float32Array.of(2, -2, 0.5), 8000)).channels[0]!;
    expect(Array.from(x)).toEqual([32767 / 32768, -1, 0.5]);
  });

  it('reads 8-bit, 24-bit and extensible files', () => {
    expect(
      parseWav(handMade({ tag: 1, channels: 1, rate: 8000, bits: 8 }, [0, 128, 255])).channels[0],
    ).toEqual(Float32Array.of(-1, 0, 127 / 128));
    const pcm24 = parseWav(
      handMade({ tag: 1, channels: 1, rate: 8000, bits: 24 }, [0, 0, 0x80, 0xff, 0xff, 0x7f]),
    );
    expect(Array.from(pcm24.channels[0]!)).toEqual([-1, Math.fround(8388607 / 8388608)]);
    const ext = parseWav(
      handMade({ tag: 3, channels: 1, rate: 16000, bits: 32, extensible: true }, [0, 0, 0x80, 0x3f]),
    );
    expect(ext.encoding).toBe('float32');
    expect(ext.channels[0]).toEqual(Float32Array.of(1));
  });

  it('says what is wrong with a bad file', () => {
    const good = writeWav(noise(100, 4), 16000);
    expectWavError(() => parseWav(new TextEncoder().encode('OggS and some more bytes')), 'not a RIFF file');
    expectWavError(() => parseWav(good.subarray(0, 8)), 'truncated');
    expectWavError(
      () => parseWav(good.subarray(0, good.length - 10)),
      'truncated: data chunk declares 200 bytes',
    );
    const avi = good.slice();
    avi.set([0x41, 0x56, 0x49, 0x20], 8);
    expectWavError(() => parseWav(avi), "not 'WAVE'");
    expectWavError(
      () => parseWav(handMade({ tag: 2, channels: 1, rate: 8000, bits: 4 }, [0])),
      'unsupported format code 2',
    );
    expectWavError(
      () => parseWav(handMade({ tag: 1, channels: 1, rate: 8000, bits: 12 }, [0, 0])),
      'bit depth 12',
    );
    expectWavError(() => parseWav(good.subarray(0, 36)), 'no data chunk');
  });

  it('reads what there is of a truncated file when asked to (piped writers)', () => {
    const good = writeWav(noise(100, 5), 16000);
    const audio = parseWav(good.subarray(0, good.length - 11), { allowTruncated: true });
    expect(audio.channels[0]!.length).toBe(94);
  });
});
