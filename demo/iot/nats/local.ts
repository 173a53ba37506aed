/**
 * `npm run iot:nats`: the NATS scale-out on one machine, to try it. Starts a 3-node nats-server
 * cluster on free loopback ports (Debian `nats-server`; `NATS_SERVER_PATH` elsewhere), G gateway
 * processes (`demo/iot/nats/main.ts`, as on separate machines) and the sensor simulator, then prints
 * once a second the scores and alarms published and which gateway owns how many partitions.
 * Ctrl-C (or `--samples N` reached: every sample scored) stops everything and removes the cluster's
 * files. Nothing is left running.
 *
 * Options: `--gateways G` (default 2), `--sensors N` (default 100), `--rate HZ` per sensor (default 2),
 * `--partitions P` (default 6), `--samples N` per sensor (default 0: until Ctrl-C).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { GruStreamError } from '../../../src/node.js';
import { intOption } from '../gateway/process.js';
import { SUBJECT_ROOT } from './contract.js';
import type { GatewayEvent } from './gateway.js';
import { startNatsCluster } from './local-cluster.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A demo script run as its own process through tsx, its output lines handed to `onLine`. */
function spawnScript(
  script: string,
  args: string[],
  onLine: (line: string, err: boolean) => void,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (l) => l !== '' && onLine(l, false));
  createInterface({ input: child.stderr! }).on('line', (l) => l !== '' && onLine(l, true));
  return child;
}

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => c.once('exit', () => resolve()));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '2' },
      sensors: { type: 'string', default: '100' },
      rate: { type: 'string', default: '2' },
      partitions: { type: 'string', default: '6' },
      samples: { type: 'string', default: '0' },
    },
  });
  // Every option has a default, so intOption returns a number.
  const G = intOption('gateways', values.gateways, 1)!;
  const sensors = intOption('sensors', values.sensors, 1)!;
  const P = intOption('partitions', values.partitions, 1)!;
  const samples = intOption('samples', values.samples, 0)!;
  const rate = Number(values.rate);
  if (!(rate > 0 && rate <= 1000)) {
    throw new GruStreamError('E_ARGUMENT', `--rate: expected Hz in (0, 1000], got '${values.rate}'`);
  }

  console.log('starting a 3-node nats-server cluster on loopback…');
  const cluster = await startNatsCluster(3, P);
  const servers = cluster.urls.join(',');
  console.log(`cluster: ${servers}`);
  const children: ChildProcess[] = [];
  const owned = new Map<string, number>();
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      // Gateways first: on SIGTERM each hands its partitions over (snapshot, release) and exits 0.
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map(exited));
      await nc.close();
      await cluster.stop();
    })());
  const nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1 });
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  try {
    const ready: Promise<void>[] = [];
    for (let g = 1; g <= G; g++) {
      const id = `gateway-${g}`;
      let joined!: () => void;
      const child = spawnScript(
        'demo/iot/nats/main.ts',
        ['--nats', servers, '--partitions', String(P), '--id', id, '--status-every-ms', '0'],
        (line, err) => {
          // Its stdout: JSON events, and `gateway ready` once it has joined.
          if (line === 'gateway ready') joined();
          if (err || !line.startsWith('{')) return console.log(`[${id}] ${line}`);
          const e = JSON.parse(line) as GatewayEvent;
          if (e.event === 'owns') owned.set(id, e.partitions.length);
        },
      );
      ready.push(
        new Promise<void>((resolve, reject) => {
          joined = resolve;
          child.once('exit', (code, signal) => {
            reject(new Error(`${id} exited (${signal ?? code}) before it was ready`));
          });
        }),
      );
      child.once('exit', (code, signal) => {
        if (!stopping) console.log(`[${id}] exited (${signal ?? code}): its partitions move to the others`);
        owned.delete(id);
      });
      children.push(child);
      owned.set(id, 0);
    }
    // The simulator starts once every gateway has joined, so the partitions are shared from the start.
    await Promise.all(ready);

    /** Distinct (sensor, seq) scored: a hand-over replays the samples after the last snapshot, and
     * those scores are published again (the results stream keeps one of each, by message id). */
    const scored = new Set<string>();
    const sensorsScored = new Set<string>();
    let published = 0;
    let alarms = 0;
    const all = samples * sensors;
    let done!: () => void;
    const complete = new Promise<void>((resolve) => (done = resolve));
    nc.subscribe(`${SUBJECT_ROOT}.*.score`, {
      callback: (_e, m) => {
        published++;
        const sensor = m.subject.split('.')[1]!;
        sensorsScored.add(sensor);
        scored.add(`${sensor}#${(m.json() as { seq: number }).seq}`);
        if (all > 0 && scored.size >= all) done();
      },
    });
    nc.subscribe(`${SUBJECT_ROOT}.*.alarm`, {
      callback: () => {
        alarms++;
      },
    });

    const simArgs = ['--nats', servers, '--sensors', String(sensors), '--rate', String(rate)];
    if (samples > 0) simArgs.push('--samples', String(samples));
    children.push(
      spawnScript('demo/iot/nats/simulator.ts', simArgs, (line) => console.log(`[simulator] ${line}`)),
    );

    let last = 0;
    const report = setInterval(() => {
      const owners = [...owned].map(([id, n]) => `${id} ${n}`).join(', ') || 'none yet';
      console.log(
        `samples scored ${scored.size} (+${scored.size - last}/s) from ${sensorsScored.size} sensors, ` +
          `alarms ${alarms}; partitions: ${owners}`,
      );
      last = scored.size;
    }, 1000);
    if (all > 0) {
      await complete;
      clearInterval(report);
      console.log(
        `all ${all} samples scored: ${sensorsScored.size} sensors, ${alarms} alarms, ` +
          `${published - scored.size} scores re-sent after hand-overs`,
      );
      await stop();
      console.log('stopped: gateways, simulator and cluster');
    } else {
      console.log('Ctrl-C stops everything');
      await new Promise<never>(() => undefined);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

main().catch((e: unknown) => {
  console.error(
    `iot:nats: ${e instanceof GruStreamError ? `[${e.code}] ` : ''}${e instanceof Error ? e.message : String(e)}`,
  );
  process.exit(1);
});
