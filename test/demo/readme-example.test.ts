import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('the README usage example runs end to end and prints its predictions', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--conditions=gru-stream-source', '--import', 'tsx', 'demo/readme-example.ts'],
    {
      cwd: new URL('../../', import.meta.url),
      timeout: 60_000,
    },
  );
  const lines = stdout.trim().split('\n');
  // 3 streams × 5 chunks × 4 frames, the first three printed, then the snapshot line.
  expect(lines.slice(0, 3).map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
    'pump-1 frame 0',
    'pump-1 frame 1',
    'pump-1 frame 2',
  ]);
  expect(lines.at(-1)).toMatch(/^60 predictions; snapshot: \d+ bytes$/);
});

it('the README shows the example file verbatim', () => {
  const root = new URL('../../', import.meta.url);
  const example = readFileSync(new URL('demo/readme-example.ts', root), 'utf8');
  expect(readFileSync(new URL('README.md', root), 'utf8')).toContain('```ts\n' + example + '```');
});
