/** The NATS gateway as a child process (`demo/iot/nats/main.ts` through tsx), its JSON events collected. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GatewayEvent } from '../../demo/iot/nats/gateway.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface NatsGatewayProcess {
  id: string;
  child: ChildProcess;
  /** Its stderr lines. */
  log: string[];
  events: GatewayEvent[];
  /** Resolves once an event satisfying `check` has arrived (or at once if one has). */
  until(check: (e: GatewayEvent) => boolean): Promise<GatewayEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the gateway and resolves once it prints `gateway ready` (rejects if it exits first). */
export async function startNatsGatewayProcess(id: string, args: string[]): Promise<NatsGatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/iot/nats/main.ts', '--id', id, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const events: GatewayEvent[] = [];
  let waiters: { check: (e: GatewayEvent) => boolean; resolve: (e: GatewayEvent) => void }[] = [];
  child.stderr!.on('data', (d: Buffer) => log.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ready!: () => void;
  const readyP = new Promise<void>((resolve, reject) => {
    ready = resolve;
    void exited.then(({ code, signal }) =>
      reject(
        new Error(`gateway ${id} exited (code ${code}, signal ${signal}) before ready:\n${log.join('\n')}`),
      ),
    );
  });
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) {
      if (l === 'gateway ready') ready();
      if (!l.startsWith('{')) continue;
      const e = JSON.parse(l) as GatewayEvent;
      events.push(e);
      waiters = waiters.filter((w) => {
        if (!w.check(e)) return true;
        w.resolve(e);
        return false;
      });
    }
  });
  await readyP;
  return {
    id,
    child,
    log,
    events,
    exited,
    until: (check) => {
      const e = events.find(check);
      if (e) return Promise.resolve(e);
      return new Promise((resolve) => waiters.push({ check, resolve }));
    },
  };
}
