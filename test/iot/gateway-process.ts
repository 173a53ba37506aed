/** The gateway as a child process (`demo/iot/gateway/main.ts` through tsx), for crash tests. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayProcess {
  pid: number;
  /** Its stderr lines. */
  log: string[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the gateway and resolves once it prints `gateway ready` (rejects if it exits first). */
export async function startGatewayProcess(args: string[]): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'demo/iot/gateway/main.ts', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const log: string[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('gateway ready\n')) resolve();
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`gateway exited (code ${code}, signal ${signal}) before ready:\n${log.join('\n')}`)),
    );
  });
  return { pid: child.pid!, log, exited };
}
