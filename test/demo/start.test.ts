import { expect, it } from 'vitest';
import { MATCH_AFTER_MS } from '../../models/kws/kws-lib.js';
import { embeddingsFor } from '../../src/features/speech-embedding.js';
import { readAudioFile } from '../../src/kws/files-node.js';
import { runScript } from '../helpers/cli.js';
import { expectSampleDetections, readHeldoutTruth } from '../helpers/kws-sample.js';
import type { TimedDetection } from '../helpers/kws-sample.js';

const SAMPLES = ['models/kws/samples/keywords-heldout.wav', 'models/kws/samples/noise.wav'];
const start = (...args: string[]): ReturnType<typeof runScript> => runScript('demo/main.ts', args, 90_000);

it('npm start runs the keyword model on every microphone, then the sensor and text models', async () => {
  const { stdout } = await start('--streams', '3');
  // keywords-heldout.wav plays on mic-0 and mic-2, noise.wav on mic-1; the default model steps once
  // per speech embedding (80 ms, the first after 782 ms of audio).
  const [heldout, noise] = SAMPLES.map((f) => readAudioFile(f).samples.length);
  const steps = 2 * embeddingsFor(heldout!) + embeddingsFor(noise!);
  const seconds = ((2 * heldout! + noise!) / 16_000).toFixed(1).replace('.', '\\.');
  expect(stdout).toMatch(
    new RegExp(
      `^${steps} model steps \\(${seconds} s of audio over 3 streams\\) in [\\d.]+ s: \\d+ stream-steps/s.*; 0 chunks refused$`,
      'm',
    ),
  );
  const { events } = readHeldoutTruth();
  const detected = (mic: string): TimedDetection[] =>
    [...stdout.matchAll(new RegExp(`^${mic} +([\\d.]+) s {2}(\\S+) +0\\.\\d\\d$`, 'gm'))].map((m) => ({
      label: m[2]!,
      timeMs: Math.round(Number(m[1]) * 1000),
    }));
  const window = { earlyMs: 0, lateMs: MATCH_AFTER_MS };
  // The default model, the speech-embedding head, finds 3 of the 5 (test/helpers/kws-sample.ts).
  expectSampleDetections(detected('mic-0'), events, window, 'npm start, mic-0', { atLeast: 3 });
  expect(detected('mic-2')).toEqual(detected('mic-0'));
  expect(detected('mic-1')).toEqual([]);
  expect(stdout).toContain(`\n${2 * detected('mic-0').length} detections\n`);
  // The sensor sample's nine anomalies, and the text sample's 28 lines each with a language.
  expect(stdout).toMatch(/: 9 anomaly events \(threshold [\d.]+, model sensors-int8-weights-b1\.tflite\)$/m);
  expect(stdout).toMatch(/^line 28 +nl \d\.\d\d .*heel erg bedankt voor je hulp gisteren$/m);
});

it('npm start refuses a bad option with a clear message', async () => {
  await expect(start('--streams', 'many')).rejects.toMatchObject({
    stderr: expect.stringContaining("--streams: expected an integer ≥ 1, got 'many'"),
  });
  await expect(start('--only', 'video')).rejects.toMatchObject({
    stderr: expect.stringContaining("--only: expected one of kws, sensors, text, got 'video'"),
  });
});
