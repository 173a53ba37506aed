/**
 * The smaller input defects of issue 11, each now a clear coded error: absurd WAV rates, NaN audio,
 * binary "text", a manifest whose sizes disagree with its file; and `paced` feeding inputs of any
 * length through an operator without tripping the batcher's backpressure.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseWav, writeWav } from '../../src/features/wav.js';
import { decodeTextFile } from '../../src/cli/text-input.js';
import { parseManifest } from '../../src/model/manifest.js';
import { createInProcessEngine } from '../../src/client/in-process.js';
import { inferMany, isChunkFailure } from '../../src/client/infer-multiplexed.js';
import { lastFrames, paced } from '../../src/client/paced.js';
import { createEngineCore } from '../../src/engine/engine.js';
import { ReferenceRunner } from '../../src/runtime/reference-runner.js';
import { thrown } from '../helpers/errors.js';
import { testModel } from '../helpers/models.js';
import { I, streamFrames, WEIGHTS } from '../client/helpers.js';

/** A valid WAV with its header's sample rate (bytes 24–27) and byte rate overwritten. */
function wavWithRate(rate: number): Uint8Array {
  const bytes = writeWav(new Float32Array(100), 16_000);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(24, rate, true);
  return bytes;
}

describe('WAV input', () => {
  it.each([1, 999, 768_001, 4_294_967_295])('refuses a header rate of %d Hz by name', (rate) => {
    const e = thrown(() => parseWav(wavWithRate(rate)));
    expect(e.code).toBe('E_ARGUMENT');
    expect(e.message).toBe(`WAV: fmt says sample rate ${rate} Hz; expected 1000–768000 Hz`);
  });

  it('accepts the rates at both ends', () => {
    expect(parseWav(wavWithRate(1000)).sampleRate).toBe(1000);
    expect(parseWav(wavWithRate(768_000)).sampleRate).toBe(768_000);
  });

  it('refuses NaN and infinite float samples instead of reading them as silence', () => {
    const samples = Float32Array.of(0, 0.5, NaN, 0);
    const e = thrown(() => parseWav(writeWav(samples, 16_000, 'float32')));
    expect(e.code).toBe('E_ARGUMENT');
    expect(e.message).toBe('WAV: sample 2 of channel 0 is NaN; expected a finite number');
    const inf = thrown(() => parseWav(writeWav(Float32Array.of(Infinity), 16_000, 'float32')));
    expect(inf.message).toContain('is Infinity');
  });
});

describe('text input', () => {
  it('refuses a binary file naming the first control byte and its offset, echoing none', () => {
    const bytes = Uint8Array.of(0x68, 0x69, 0x1b, 0x5b, 0x32, 0x4a, 0x00);
    const e = thrown(() => decodeTextFile(bytes, 'photo.jpg'));
    expect(e.code).toBe('E_ARGUMENT');
    expect(e.message).toBe('photo.jpg: not a text file: control byte 0x1b at offset 2; expected UTF-8 text');
    // No byte of the file below 0x20 (or DEL) reaches the message.
    expect([...e.message].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f)).toBe(true);
    expect(thrown(() => decodeTextFile(Uint8Array.of(0xc3, 0x28), 'x.txt')).message).toContain(
      'invalid UTF-8',
    );
    expect(decodeTextFile(new TextEncoder().encode('héllo\tworld\r\n'), 'ok.txt')).toBe('héllo\tworld\r\n');
  });

  it('never echoes control bytes whatever the file (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeTextFile(bytes, 'f');
        } catch (e) {
          expect((e as { code: string }).code).toBe('E_ARGUMENT');
          const codes = [...(e as Error).message].map((c) => c.charCodeAt(0));
          expect(codes.some((c) => c < 0x20 || c === 0x7f)).toBe(false);
        }
      }),
      { seed: 8, numRuns: 500 },
    );
  });
});

describe('manifest shapes', () => {
  it("refuses a manifest whose sizes disagree with the file's tensors, naming both", () => {
    const { bytes, manifest } = testModel(64, 'float32', 8);
    expect(parseManifest(manifest, bytes)).toBe(manifest);
    const huge = { ...manifest, gru: { ...manifest.gru, hiddenSize: 1e9 } };
    const e = thrown(() => parseManifest(huge, bytes));
    expect(e.code).toBe('E_MANIFEST');
    expect(e.message).toBe(
      `manifest of '${manifest.file}': tensor 'h' should be [8, 1000000000] (batch, gru sizes), the file has [8, 64]`,
    );
    const batch = thrown(() => parseManifest({ ...manifest, batch: 64 }, bytes));
    expect(batch.message).toContain("tensor 'x' should be [64, ");
  });
});

describe('paced', () => {
  it('feeds 20× maxPendingChunks chunks through inferMany with none refused', async () => {
    const engine = createInProcessEngine(
      createEngineCore({ runners: [new ReferenceRunner(WEIGHTS, 8)], modelId: 'm' }),
      { maxPendingChunks: 100 },
    );
    const chunks = Array.from({ length: 2000 }, (_, k) => ({
      stream: `s${k % 5}`,
      frames: streamFrames(k, 1 + (k % 2)),
    }));
    const last = lastFrames(chunks.map((c) => ({ stream: c.stream, frames: c.frames.length / I })));
    const values = await lastValueFrom(
      paced(
        chunks,
        64,
        inferMany(engine),
        (v) => isChunkFailure(v) || v.frame === last(v.stream, v.seq),
      ).pipe(toArray()),
    );
    expect(values.filter(isChunkFailure)).toEqual([]);
    expect(values).toHaveLength(chunks.reduce((n, c) => n + c.frames.length / I, 0));
    await engine.dispose();
  });
});
