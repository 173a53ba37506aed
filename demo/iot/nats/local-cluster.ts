/**
 * A nats-server JetStream cluster on free loopback ports, started from config files of its own (with
 * the partition mapping of the NATS gateway) in a temporary folder and stopped by PID: for the local
 * demo (`npm run iot:nats`), the tests and the benches. Ready once every node logs "Server is ready"
 * and a stream replicated on every node can be created. Fails (never skips) when nats-server is
 * missing: CI installs it (`apt-get install -y nats-server`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from '../free-port.js';
import { partitionMapping } from './contract.js';

export const NATS_SERVER = process.env.NATS_SERVER_PATH ?? '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  url: string;
  /** `http://127.0.0.1:port` (nats-server's monitoring endpoint: /jsz, /varz) when started with `monitor: true`. */
  monitorUrl?: string;
  /** `mqtt://127.0.0.1:port` when started with `mqtt: true`. */
  mqttUrl?: string;
  child: ChildProcess;
  /** Its output lines (the last {@link LOG_KEEP} of them after more than {@link LOG_CAP}). */
  log: string[];
  exited: Promise<void>;
}

/** Output lines kept per node: debug logs (`-D`) run to many thousands in a long run. */
const LOG_CAP = 200_000;
const LOG_KEEP = 100_000;

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's client URL. */
  urls: string[];
  /** SIGKILLs node `i` and resolves once it is gone. */
  kill(i: number): Promise<void>;
  /**
   * Starts node `i` again (after `kill`) with its configuration and store directory (its raft and
   * stream state from before the kill) and resolves once it logs "Server is ready". Its `log` goes on
   * in the same array.
   */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

function startNode(name: string, conf: string, debug: boolean, log: string[] = []): Promise<NatsNode> {
  const args = debug ? ['-c', conf, '-D'] : ['-c', conf];
  const child = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onLine = (l: string): void => {
      log.push(l);
      if (log.length > LOG_CAP) log.splice(0, log.length - LOG_KEEP);
      if (l.includes('Server is ready')) resolve({ name, url: '', child, log, exited });
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) =>
      reject(new Error(`nats-server ${name} exited (${code}) before ready:\n${log.join('\n')}`)),
    );
  });
}

export interface NatsClusterOptions {
  /** Client ports of the nodes (e.g. chosen before a gateway that must wait for them). Default: free ones. */
  ports?: number[];
  /** Give every node an MQTT listener on a free port (nats-server's MQTT needs JetStream and a server_name). */
  mqtt?: boolean;
  /** Give every node an HTTP monitoring listener on a free port (`NatsNode.monitorUrl`). */
  monitor?: boolean;
  /** Run the servers with `-D` (debug log: raft elections, votes, catch-ups). */
  debug?: boolean;
}

/** Free loopback ports for the client listeners of a cluster of `size` nodes. */
export const clusterPorts = (size: number): Promise<number[]> =>
  Promise.all(Array.from({ length: size }, () => freePort()));

/** Starts `size` nodes mapping telemetry onto `partitions` partitions. */
export async function startNatsCluster(
  size: number,
  partitions: number,
  o: NatsClusterOptions = {},
): Promise<NatsCluster> {
  if (!existsSync(NATS_SERVER)) {
    throw new Error(
      `nats-server not found at ${NATS_SERVER}: apt-get install -y nats-server, or set NATS_SERVER_PATH`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'nats-cluster-'));
  const ports = o.ports ?? (await clusterPorts(size));
  const mqttPorts = o.mqtt ? await clusterPorts(size) : [];
  const monitorPorts = o.monitor ? await clusterPorts(size) : [];
  const confs: string[] = [];
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((q) => `nats://127.0.0.1:${q}`);
  const started = await Promise.allSettled(
    ports.map(async (port, i) => {
      const conf = join(dir, `n${i}.conf`);
      confs[i] = conf;
      await writeFile(
        conf,
        [
          `server_name: n${i}`,
          `listen: 127.0.0.1:${port}`,
          `jetstream { store_dir: "${join(dir, `n${i}`)}" }`,
          `cluster { name: c, listen: 127.0.0.1:${routePorts[i]}, routes: [${routes.join(', ')}] }`,
          o.mqtt ? `mqtt { listen: 127.0.0.1:${mqttPorts[i]} }` : '',
          o.monitor ? `http: 127.0.0.1:${monitorPorts[i]}` : '',
          partitionMapping(partitions),
        ].join('\n'),
      );
      const node = await startNode(`n${i}`, conf, o.debug ?? false);
      node.url = `nats://127.0.0.1:${port}`;
      if (o.mqtt) node.mqttUrl = `mqtt://127.0.0.1:${mqttPorts[i]}`;
      if (o.monitor) node.monitorUrl = `http://127.0.0.1:${monitorPorts[i]}`;
      return node;
    }),
  );
  // A node that could not start (a port taken between `freePort` and its bind) must not leave the
  // others running.
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of started) {
      if (r.status === 'fulfilled') {
        r.value.child.kill('SIGKILL');
        await r.value.exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
    throw failed.reason;
  }
  const nodes = started.map((r) => (r as PromiseFulfilledResult<NatsNode>).value);
  const urls = nodes.map((n) => n.url);
  const stop = async (): Promise<void> => {
    for (const n of nodes) {
      if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGTERM');
      await n.exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  // The JetStream API answers once the meta group has a leader, and places a replicated stream once
  // every peer has joined it; until then it refuses.
  try {
    const nc = await connect({ servers: urls });
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 1000 });
      for (let attempt = 0; ; attempt++) {
        try {
          // Ready for the gateways once a stream replicated on every node can be placed.
          await jsm.streams.add({ name: 'READY_PROBE', subjects: ['ready.probe'], num_replicas: size });
          await jsm.streams.delete('READY_PROBE');
          break;
        } catch (e) {
          if (attempt >= 60) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await nc.close();
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const kill = async (i: number): Promise<void> => {
    const n = nodes[i]!;
    if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL');
    await n.exited;
  };
  const restart = async (i: number): Promise<void> => {
    const n = nodes[i]!;
    if (n.child.exitCode === null && n.child.signalCode === null) {
      throw new Error(`nats-server ${n.name} is still running (pid ${n.child.pid}): kill it first`);
    }
    const fresh = await startNode(n.name, confs[i]!, o.debug ?? false, n.log);
    n.child = fresh.child;
    n.exited = fresh.exited;
  };
  return {
    nodes,
    urls,
    kill,
    restart,
    stop,
  };
}
