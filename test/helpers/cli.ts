/**
 * Running the CLI as a user does (`npm run cli -- <command> …`): a child process from the
 * repository root, through tsx, so the tests exercise argument parsing, exit codes and stdout.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (the CLI's working directory in the tests). */
export const ROOT = new URL('../../', import.meta.url);

/**
 * Runs `src/cli/main.ts <command> ...args`; rejects like `execFile` (with `code` and `stderr`) when
 * the command exits non-zero. Time limit 60 s.
 */
export function runCli(command: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', command, ...args], {
    cwd: ROOT,
    timeout: 60_000,
  });
}

/** The records of a `--json` run: one JSON object per non-empty line of `stdout`. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}
