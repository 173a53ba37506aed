/**
 * Debian's mosquitto, started by a test on free loopback ports from a config file of its own
 * (TCP on 127.0.0.1, WebSocket bound to `lo`, anonymous, no persistence) and stopped by its PID.
 * Ready when it logs "running"; fails (never skips) when mosquitto is missing: CI installs it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../demo/iot/free-port.js';

export const MOSQUITTO = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';

export interface Mosquitto {
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  pid: number;
  /** Everything it logged. */
  log: string[];
  stop(): Promise<void>;
}

/** @param extra more config lines (global settings such as `max_queued_messages 100000`) */
export async function startMosquitto(extra: string[] = []): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO)) {
    throw new Error(
      `mosquitto not found at ${MOSQUITTO}: install it (apt-get install -y mosquitto) or set MOSQUITTO_PATH`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'mosquitto-'));
  const port = await freePort();
  const wsPort = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'per_listener_settings true',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      ...extra,
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `listener ${wsPort}`,
      'bind_interface lo',
      'protocol websockets',
      'allow_anonymous true',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let running = false;
  await new Promise<void>((resolve, reject) => {
    const onLine = (l: string): void => {
      log.push(l);
      if (/mosquitto version \S+ running/.test(l)) {
        running = true;
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) =>
      reject(new Error(`mosquitto exited with code ${code} before it was running:\n${log.join('\n')}`)),
    );
    // A bound, not a wait: a mosquitto that never says "running" must not outlive the test.
    setTimeout(() => {
      if (!running && child.exitCode === null) child.kill('SIGTERM');
    }, 20_000).unref();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    pid: child.pid!,
    log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export { freePort };
