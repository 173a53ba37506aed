/**
 * Running the CLI (`npm run cli -- <command> …`) and the demo as a user does: a child process from
 * the repository root, through tsx, so the tests exercise argument parsing, exit codes and stdout.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root (the CLI's working directory in the tests). */
export const ROOT = new URL('../../', import.meta.url);

/**
 * Runs the TypeScript `script` (a path from the repository root) with `args` through tsx; rejects like
 * `execFile` (with `code` and `stderr`) when it exits non-zero or outlives `timeoutMs` (default 60 s).
 */
export function runScript(
  script: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, timeout: timeoutMs });
}

/** Runs `src/cli/main.ts <command> ...args` (see {@link runScript}). */
export function runCli(command: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runScript('src/cli/main.ts', [command, ...args]);
}

/** The records of a `--json` run: one JSON object per non-empty line of `stdout`. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}
