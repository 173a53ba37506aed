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
  /** The same lines, each prefixed with the seconds since the process was started (for diagnosis). */
  timedLog: string[];
  events: GatewayEvent[];
  /** Resolves once an event satisfying `check` has arrived (or at once if one has). */
  until(check: (e: GatewayEvent) => boolean): Promise<GatewayEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves on `gateway ready`; rejects if the process exits first. */
  ready: Promise<void>;
  /** Resolves once a stderr line matches `re` (or at once if one has). */
  untilLog(re: RegExp): Promise<string>;
}

/** The gateway options the tests and the bench vary (flags of demo/iot/nats/main.ts). */
export interface NatsGatewayFlags {
  partitions: number;
  leaseMs: number;
  /** Omitted: the gateway's default. */
  heartbeatMs?: number;
  /** Omitted: the gateway's default. */
  snapshotEveryMs?: number;
  /** 0: no status events. */
  statusEveryMs: number;
}

/** The command line for a gateway on the cluster at `urls`. */
export function natsGatewayArgs(urls: string[], f: NatsGatewayFlags): string[] {
  const args = [
    '--nats',
    urls.join(','),
    '--partitions',
    String(f.partitions),
    '--lease-ms',
    String(f.leaseMs),
  ];
  if (f.heartbeatMs !== undefined) args.push('--heartbeat-ms', String(f.heartbeatMs));
  if (f.snapshotEveryMs !== undefined) args.push('--snapshot-every-ms', String(f.snapshotEveryMs));
  args.push('--status-every-ms', String(f.statusEveryMs));
  return args;
}

/** Starts the gateway and resolves once it prints `gateway ready` (rejects if it exits first). */
export async function startNatsGatewayProcess(id: string, args: string[]): Promise<NatsGatewayProcess> {
  const g = spawnNatsGatewayProcess(id, args);
  await g.ready;
  return g;
}

/** Starts the gateway without waiting for it to be ready. */
export function spawnNatsGatewayProcess(id: string, args: string[]): NatsGatewayProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/iot/nats/main.ts', '--id', id, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const timedLog: string[] = [];
  const startedAt = Date.now();
  const events: GatewayEvent[] = [];
  let waiters: { check: (e: GatewayEvent) => boolean; resolve: (e: GatewayEvent) => void }[] = [];
  let logWaiters: { re: RegExp; resolve: (line: string) => void }[] = [];
  let logBuffered = '';
  child.stderr!.on('data', (d: Buffer) => {
    logBuffered += d.toString();
    const lines = logBuffered.split('\n');
    logBuffered = lines.pop()!;
    for (const l of lines.filter(Boolean)) {
      log.push(l);
      timedLog.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s ${l}`);
      logWaiters = logWaiters.filter((w) => {
        if (!w.re.test(l)) return true;
        w.resolve(l);
        return false;
      });
    }
  });
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
  readyP.catch(() => undefined); // observed by whoever awaits `ready`
  return {
    id,
    child,
    log,
    timedLog,
    events,
    exited,
    ready: readyP,
    untilLog: (re) => {
      const l = log.find((x) => re.test(x));
      if (l !== undefined) return Promise.resolve(l);
      return new Promise((resolve) => logWaiters.push({ re, resolve }));
    },
    until: (check) => {
      const e = events.find(check);
      if (e) return Promise.resolve(e);
      return new Promise((resolve) => waiters.push({ check, resolve }));
    },
  };
}
