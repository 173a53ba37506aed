import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const cwd = new URL('../../', import.meta.url);

it('npm start streams every sample frame of every stream through the worker and reports throughput', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'demo/main.ts', '--streams', '3'], {
    cwd,
    timeout: 60_000,
  });
  // keywords-heldout.wav (985 frames of 10 ms) plays on streams 0 and 2, noise.wav (498 frames) on 1.
  const summary = stdout.trim().split('\n').at(-1)!;
  expect(summary).toMatch(
    /^2468 frames \(24\.7 s of audio over 3 streams\) in [\d.]+ s: \d+ stream-steps\/s/,
  );
  expect(summary).toMatch(/; 0 chunks refused$/);
  expect(stdout).toMatch(/^mic-0 +0 ms {2}\S+ +0\.\d\d$/m);
});

it('npm start refuses a bad option with a clear message', async () => {
  await expect(
    run(process.execPath, ['--import', 'tsx', 'demo/main.ts', '--streams', 'many'], { cwd, timeout: 30_000 }),
  ).rejects.toMatchObject({
    stderr: expect.stringContaining("--streams: expected an integer ≥ 1, got 'many'"),
  });
});
