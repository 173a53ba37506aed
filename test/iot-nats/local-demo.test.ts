/**
 * `npm run iot:nats`, the one-machine NATS demo, as a user runs it: it starts its own 3-node
 * cluster, two gateway processes and the simulator; with `--samples` it stops once every sample is
 * scored, exits 0, and leaves no server listening.
 */
import { spawn } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SENSORS = 20;
const SAMPLES = 30;

/** Resolves true if something accepts a TCP connection on 127.0.0.1:`port`. */
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

it('runs cluster, gateways and simulator, scores every sample, then stops them all', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'demo/iot/nats/local.ts',
      '--sensors',
      String(SENSORS),
      '--rate',
      '10',
      '--samples',
      String(SAMPLES),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code, out).toBe(0);
  expect(out).toContain(`all ${SENSORS * SAMPLES} samples scored: ${SENSORS} sensors`);
  expect(out).toMatch(/\[gateway-1\] gateway ready/);
  expect(out).toMatch(/\[gateway-2\] gateway ready/);
  expect(out).toContain('stopped: gateways, simulator and cluster');
  // The cluster it started is gone.
  const ports = [...(/cluster: (.*)/.exec(out)?.[1] ?? '').matchAll(/:(\d+)/g)].map((m) => Number(m[1]));
  expect(ports).toHaveLength(3);
  for (const p of ports) expect(await listening(p), `port ${p} after the demo exited`).toBe(false);
}, 180_000);
