/**
 * `kws <file.wav> --json` through the real worker path, as a user runs it: it finds the keywords of
 * the bundled held-out sample (a test-split voice the model never heard) at the right times (the rule
 * is in test/helpers/kws-sample.ts), and nothing in the bundled noise. The detector settings come
 * from the manifest, calibrated on validation voices. The sample was also looked at when the shipped
 * model was picked among candidates (models/kws/README.md), so it is a check, not a measurement.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../src/features/wav.js';
import { MATCH_AFTER_MS } from '../../models/kws/kws-lib.js';
import type { KwsDetectionLine } from '../../src/kws/pipeline.js';
import { jsonLines, runCli } from '../helpers/cli.js';
import { expectSampleDetections, readHeldoutTruth } from '../helpers/kws-sample.js';

const cli = (...args: string[]): ReturnType<typeof runCli> => runCli('kws', ...args);

describe('kws CLI', () => {
  it('finds the keywords of the held-out sample, each once in its time window, nothing between words', async () => {
    const { events } = readHeldoutTruth();
    expect(events.filter((e) => e.label !== 'unknown').map((e) => e.label)).toEqual([
      'yes',
      'left',
      'stop',
      'down',
      'go',
    ]);
    const { stdout } = await cli('models/kws/samples/keywords-heldout.wav', '--json');
    const got = jsonLines<KwsDetectionLine>(stdout);
    for (const d of got) {
      expect(Object.keys(d)).toEqual(['label', 'timeMs', 'score']);
      expect(d.score).toBeGreaterThan(0);
      expect(d.score).toBeLessThanOrEqual(1);
    }
    expectSampleDetections(got, events, { earlyMs: 0, lateMs: MATCH_AFTER_MS }, 'kws CLI');
  });

  it('runs a speech-embedding model (models/kws-embed) with its front end through the worker', async () => {
    // The head on Google's speech embedding (weaker on this espeak-ng voice than the log-mel model,
    // stronger on other synthesizers: models/kws-embed/README.md). Measured on the sample: yes, left
    // and stop found, each in its window; down and go missed; nothing in quiet parts.
    const model = 'models/kws-embed/kws-embed-int8-weights-b1.tflite';
    const { events } = readHeldoutTruth();
    const { stdout } = await cli('models/kws/samples/keywords-heldout.wav', '--json', '--model', model);
    const got = jsonLines<KwsDetectionLine>(stdout);
    const required = new Set(['yes@yes', 'left@left', 'stop@stop']);
    expectSampleDetections(
      got,
      events,
      { earlyMs: 0, lateMs: MATCH_AFTER_MS },
      'kws CLI, kws-embed',
      required,
    );
    const noise = await cli('models/kws/samples/noise.wav', '--json', '--model', model);
    expect(jsonLines(noise.stdout)).toEqual([]);
  });

  it('finds nothing in the bundled noise', async () => {
    const { stdout } = await cli('models/kws/samples/noise.wav', '--json');
    expect(jsonLines(stdout)).toEqual([]);
  });

  it('prints a table without --json', async () => {
    const { stdout } = await cli('models/kws/samples/noise.wav');
    expect(stdout).toMatch(/^ +time {2}keyword +score$/m);
    expect(stdout).toMatch(/^0 detection\(s\) in 5\.0 s of audio/m);
  });

  it('reports no detections for audio shorter than one frame', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kws-cli-'));
    try {
      // 10 ms: less than the 25 ms window of the first log-mel frame, so nothing reaches the model.
      const wav = join(dir, 'short.wav');
      await writeFile(wav, writeWav(new Float32Array(160), 16_000));
      const { stdout } = await cli(wav);
      expect(stdout).toMatch(/^0 detection\(s\) in 0\.0 s of audio/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a missing file and a file that is not a WAV', async () => {
    await expect(cli('models/kws/samples/missing.wav', '--json')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read models/kws/samples/missing.wav: no such file'),
    });
    await expect(cli('package.json')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('package.json is not a WAV file'),
    });
    await expect(cli()).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('kws needs a WAV file'),
    });
  });
});
