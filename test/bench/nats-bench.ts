/**
 * `npm run bench:nats`: the NATS gateways on a 3-node nats-server cluster on this machine (loopback).
 *
 * 1. Throughput with 1, 2 and 3 gateway processes (6 partitions): once the gateways have settled,
 *    `--sensors` × `--samples` telemetry samples are published as fast as the stream acknowledges
 *    them (a round of every sensor at a time) and the scores are read back from the results stream;
 *    throughput = samples / (last score read − first publish). CPU of the gateway processes and of
 *    the nats-servers (utime + stime from /proc) over that span. Against the single-process figure:
 *    the same samples through the same per-sensor sessions on one engine in this process, no NATS.
 * 2. Takeover: with 3 gateways and telemetry flowing at `--feed-hz`, `--kills` times a gateway is SIGKILLed and the
 *    time to the last of its partitions acquired by a survivor is taken; a fresh gateway then joins.
 *
 * Prints tables and writes JSON (default `bench-results/nats-bench.json`, `--json FILE`).
 * Options: `--sensors N` (300), `--samples N` (40), `--kills N` (10), `--lease-ms N` (2000),
 * `--feed-hz N` (telemetry rate per sensor during the kills, 2), `--only throughput|takeover`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { createEngine } from '../../src/node.js';
import { loadSensorModel } from '../../demo/iot/gateway/sensor-model.js';
import { Sessions } from '../../demo/iot/gateway/sessions.js';
import { publishTelemetry } from '../../demo/iot/nats/publisher.js';
import { ensureLayout } from '../../demo/iot/nats/setup.js';
import { STEP_MS, T0, plant, telemetry } from '../iot/plant.js';
import type { PlantSensor } from '../iot/plant.js';
import { startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';
import { natsGatewayArgs, startNatsGatewayProcess } from '../iot-nats/gateway-process.js';
import type { NatsGatewayProcess } from '../iot-nats/gateway-process.js';
import { ResultsObserver } from '../iot-nats/observer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const P = 6;
const CLK_TCK = 100; // Linux USER_HZ

const { values: args } = parseArgs({
  options: {
    sensors: { type: 'string', default: '300' },
    samples: { type: 'string', default: '40' },
    kills: { type: 'string', default: '10' },
    'feed-hz': { type: 'string', default: '2' },
    only: { type: 'string' },
    'lease-ms': { type: 'string', default: '2000' },
    json: { type: 'string', default: join(ROOT, 'bench-results', 'nats-bench.json') },
  },
});
const S = Number(args.sensors);
const K = Number(args.samples);
const KILLS = Number(args.kills);
const LEASE_MS = Number(args['lease-ms']);
const FEED_HZ = Number(args['feed-hz']);
const log = (line: string): void => console.error(`[bench:nats] ${line}`);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const gatewayArgs = (cluster: NatsCluster): string[] =>
  natsGatewayArgs(cluster.urls, {
    partitions: P,
    leaseMs: LEASE_MS,
    heartbeatMs: Math.floor(LEASE_MS / 5),
    snapshotEveryMs: 1000,
    statusEveryMs: 0,
  });

const ownedBy = (g: NatsGatewayProcess): number[] => {
  const e = g.events.filter((x) => x.event === 'owns').pop();
  return e?.event === 'owns' ? e.partitions : [];
};

/** Resolves once the gateways own P / n partitions each. */
async function settled(gateways: NatsGatewayProcess[]): Promise<void> {
  const even = (): boolean => gateways.every((x) => ownedBy(x).length === P / gateways.length);
  await Promise.race(gateways.map((g) => g.until(even)));
}

async function startGateways(cluster: NatsCluster, n: number, prefix: string): Promise<NatsGatewayProcess[]> {
  const gateways: NatsGatewayProcess[] = [];
  for (let i = 0; i < n; i++)
    gateways.push(await startNatsGatewayProcess(`${prefix}-${i}`, gatewayArgs(cluster)));
  await settled(gateways);
  return gateways;
}

async function killAll(gateways: NatsGatewayProcess[]): Promise<void> {
  for (const g of gateways) {
    if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill('SIGKILL');
    await g.exited;
  }
}

interface ThroughputRow {
  gateways: number;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  /** Storing the backlog beforehand: samples / (last acknowledgement − first publish). */
  publishPerSecond: number;
  /** All gateway processes together. */
  gatewayCpuCores: number;
  /** Each gateway process. */
  gatewayCpuCoresEach: number[];
  serverCpuCores: number;
  /** 1-minute load average when the drain started and when it ended. */
  loadAverage: { start: number; end: number };
}

/**
 * The backlog of S × K samples is stored first; then n gateways start together (`--min-members n`:
 * none takes a partition before all have joined) and drain it. Throughput = samples / (first
 * partition acquired → last score read back).
 */
async function throughput(n: number, sensors: PlantSensor[]): Promise<ThroughputRow> {
  const cluster = await startNatsCluster(3, P);
  const nc = await connect({ servers: cluster.urls });
  let gateways: NatsGatewayProcess[] = [];
  try {
    // The streams and buckets as the gateways create them (they find them in place).
    await ensureLayout(nc, { replicas: 3, maxAgeMs: 7 * 86_400_000, leaseMs: LEASE_MS });
    const js = jetstream(nc);
    const ids = sensors.map((s) => s.id);
    const p0 = performance.now();
    // One chain per sensor (its samples in order), all sensors at once.
    await Promise.all(
      sensors.map(async (s) => {
        for (let k = 0; k < K; k++) await publishTelemetry(js, s.id, k + 1, telemetry(s, k));
      }),
    );
    const publishPerSecond = (S * K) / ((performance.now() - p0) / 1000);
    const observer = await ResultsObserver.start(nc);
    const servers = cluster.nodes.map((x) => x.child.pid!);
    const sum = (list: number[]): number => list.reduce((a, pid) => a + cpuSeconds(pid), 0);
    gateways = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        startNatsGatewayProcess(`tp${n}-${i}`, [...gatewayArgs(cluster), '--min-members', String(n)]),
      ),
    );
    const pids = gateways.map((g) => g.child.pid!);
    const firstAcquired = await Promise.race(gateways.map((g) => g.until((e) => e.event === 'acquired')));
    // CPU from when this process saw the first acquisition (the gateways' start-up excluded).
    const each0 = pids.map((pid) => cpuSeconds(pid));
    const g0 = sum(pids);
    const s0 = sum(servers);
    const load0 = loadavg()[0]!;
    const c0 = performance.now();
    const t0 = c0 - (Date.now() - firstAcquired.at);
    await observer.until(() => observer.complete(ids, K));
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpan = (performance.now() - c0) / 1000;
    const row: ThroughputRow = {
      gateways: n,
      samples: S * K,
      seconds,
      samplesPerSecond: (S * K) / seconds,
      publishPerSecond,
      gatewayCpuCores: (sum(pids) - g0) / cpuSpan,
      gatewayCpuCoresEach: pids.map((pid, i) => (cpuSeconds(pid) - each0[i]!) / cpuSpan),
      serverCpuCores: (sum(servers) - s0) / cpuSpan,
      loadAverage: { start: load0, end: loadavg()[0]! },
    };
    observer.stop();
    log(
      `${n} gateway(s): ${row.samplesPerSecond.toFixed(0)} samples/s draining the backlog (publishing it: ${publishPerSecond.toFixed(0)}/s); ` +
        `gateways ${(row.gatewayCpuCores * 100).toFixed(0)} % of a core (each: ${row.gatewayCpuCoresEach.map((c) => `${(c * 100).toFixed(0)} %`).join(', ')}), ` +
        `servers ${(row.serverCpuCores * 100).toFixed(0)} %; load average ${row.loadAverage.start.toFixed(1)} → ${row.loadAverage.end.toFixed(1)}`,
    );
    return row;
  } finally {
    await nc.close();
    await killAll(gateways);
    await cluster.stop();
  }
}

/** The same samples through the same sessions on one engine in this process, no NATS. */
async function singleProcess(
  sensors: PlantSensor[],
): Promise<{ samplesPerSecond: number; cpuCores: number; loadAverage: number }> {
  const model = loadSensorModel();
  const engine = await createEngine({ models: model.files, maxStreams: 100_000 });
  let scored = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sessions = new Sessions(engine, model, {
    scored: () => {
      if (++scored === S * K) done();
    },
    refused: (sensor, e) => {
      throw e;
    },
    fatal: (e) => {
      throw e;
    },
  });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 0; k < K; k++) {
    for (const s of sensors) {
      const m = telemetry(s, k);
      sessions.accept(s.id, Number(m.t), [m.current, m.temperature, m.vibration, m.pressure], Date.now());
    }
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  sessions.close();
  await engine.dispose();
  return {
    samplesPerSecond: (S * K) / seconds,
    cpuCores: (c.user + c.system) / 1e6 / seconds,
    loadAverage: loadavg()[0]!,
  };
}

async function takeovers(
  sensors: PlantSensor[],
): Promise<{ times: number[]; loadAverage: { start: number; end: number } }> {
  const cluster = await startNatsCluster(3, P);
  let gateways = await startGateways(cluster, 3, 'tk');
  const nc = await connect({ servers: cluster.urls });
  const js = jetstream(nc);
  let stop = false;
  // Telemetry keeps flowing at a steady FEED_HZ per sensor (a round of every sensor at a time) while
  // gateways die and join: takeover under a sustainable load, not under a saturating backlog.
  const feeding = (async () => {
    const t0 = performance.now();
    for (let k = 0; !stop; k++) {
      const due = t0 + (k * 1000) / FEED_HZ;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      await Promise.all(
        sensors.map((s) =>
          publishTelemetry(js, s.id, k + 1, { ...telemetry(s, k % K), t: T0 + k * STEP_MS }),
        ),
      );
    }
  })();
  const times: number[] = [];
  const load0 = loadavg()[0]!;
  try {
    for (let i = 0; i < KILLS; i++) {
      const victim = gateways[i % 3]!;
      const parts = ownedBy(victim);
      const survivors = gateways.filter((g) => g !== victim);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const acquired = await Promise.all(
        parts.map((p) =>
          Promise.race(
            survivors.map((g) =>
              g.until((e) => e.event === 'acquired' && e.partition === p && e.at >= killedAt),
            ),
          ),
        ),
      );
      const ms = Math.max(...acquired.map((e) => e.at - killedAt));
      times.push(ms);
      const slow = survivors.flatMap((g) => g.log.filter((l) => /heartbeat took|dropped/.test(l))).length;
      log(
        `kill ${i + 1}/${KILLS}: partitions [${parts}] taken over in ${ms} ms (survivors' slow heartbeats/drops so far: ${slow})`,
      );
      const fresh = await startNatsGatewayProcess(`tk-new-${i}`, gatewayArgs(cluster));
      gateways = [...survivors, fresh];
      await settled(gateways);
    }
  } finally {
    stop = true;
    await feeding.catch(() => undefined);
    await nc.close();
    await killAll(gateways);
    await cluster.stop();
  }
  return { times, loadAverage: { start: load0, end: loadavg()[0]! } };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function main(): Promise<void> {
  const sensors = plant(
    Array.from({ length: S }, (_, i) => `b-${i}`),
    K,
  );
  log(
    `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}; ${S} sensors × ${K} samples, ${P} partitions`,
  );
  const runThroughput = args.only !== 'takeover';
  const single = runThroughput
    ? await singleProcess(sensors)
    : { samplesPerSecond: NaN, cpuCores: NaN, loadAverage: NaN };
  log(
    `single process, no NATS: ${single.samplesPerSecond.toFixed(0)} samples/s, ${(single.cpuCores * 100).toFixed(0)} % of a core`,
  );
  const rows: ThroughputRow[] = [];
  if (runThroughput) for (const n of [1, 2, 3]) rows.push(await throughput(n, sensors));
  const tk =
    KILLS > 0 && args.only !== 'throughput'
      ? await takeovers(sensors)
      : { times: [], loadAverage: { start: NaN, end: NaN } };
  const times = tk.times;
  const result = {
    date: new Date().toISOString(),
    cores: cpus().length,
    loadAverage: loadavg()[0],
    sensors: S,
    samplesPerSensor: K,
    partitions: P,
    leaseMs: LEASE_MS,
    singleProcess: single,
    throughput: rows,
    takeoverMs: times.length
      ? {
          samples: times,
          p50: quantile(times, 0.5),
          p99: quantile(times, 0.99),
          loadAverage: tk.loadAverage,
        }
      : null,
  };
  console.log(
    '\n| gateways | samples/s | × single process | gateway CPU, all (cores) | each gateway (cores) | nats-servers CPU (cores) | load average |',
  );
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    `| single process, no NATS | ${single.samplesPerSecond.toFixed(0)} | 1.00 | ${single.cpuCores.toFixed(2)} | ${single.cpuCores.toFixed(2)} | – | ${single.loadAverage.toFixed(1)} |`,
  );
  for (const r of rows) {
    console.log(
      `| ${r.gateways} | ${r.samplesPerSecond.toFixed(0)} | ${(r.samplesPerSecond / single.samplesPerSecond).toFixed(2)} | ${r.gatewayCpuCores.toFixed(2)} | ${r.gatewayCpuCoresEach.map((c) => c.toFixed(2)).join(' / ')} | ${r.serverCpuCores.toFixed(2)} | ${r.loadAverage.start.toFixed(1)} → ${r.loadAverage.end.toFixed(1)} |`,
    );
  }
  if (result.takeoverMs) {
    console.log(
      `\ntakeover after SIGKILL (lease ${LEASE_MS} ms), ${times.length} kills: p50 ${result.takeoverMs.p50} ms, p99 ${result.takeoverMs.p99} ms; load average ${tk.loadAverage.start.toFixed(1)} → ${tk.loadAverage.end.toFixed(1)}`,
    );
  }
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${args.json}`);
}

main().catch((e: unknown) => {
  console.error(`bench:nats: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
