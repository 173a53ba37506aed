/**
 * `npm run bench:nats-election`: how long a 3-node nats-server JetStream cluster (loopback, the
 * gateways' streams and buckets from `demo/iot/nats/setup.ts`) goes without leaders after one node is
 * SIGKILLed under the gateways' traffic (`nats-election-load.ts`).
 *
 * Per iteration: wait until every group is led with all peers current; arrange the victim's roles
 * (`--targets`, cycled: `both` = the meta leader that also leads the telemetry stream, `stream` =
 * the telemetry stream's leader that is not the meta leader, `meta` = the meta leader that does not
 * lead the telemetry stream; arranged with stream leader step-downs; `asis` = the telemetry
 * stream's leader, whatever else it leads, no step-down, as in the failover test); run the traffic for 3 rounds;
 * SIGKILL the victim; then every 100 ms read each survivor's `/jsz`, until the meta group and all 5
 * streams have a leader and a telemetry publish and a KV write started after the kill have
 * succeeded (or `--limit-ms`). Times are ms after the kill. `--mode restart` restarts the killed node
 * with its old store between iterations (its stale raft state included); `--mode fresh` starts a new
 * cluster each time (the killed node stays dead, as in the failover test).
 *
 * Servers run with `-D`: per raft group, campaigns, refused votes and "catching up" refusals to
 * campaign after the kill are counted; the survivors' logs of every iteration over `--slow-ms` are
 * written next to the JSON. Prints a table and a summary; writes JSON (default
 * `bench-results/nats-election.json`, `--json FILE`). Options: `--iterations N` (40), `--sensors N`
 * (300), `--rate HZ` (2), `--limit-ms N` (60 000), `--slow-ms N` (10 000).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { RESULTS_STREAM, TELEMETRY_STREAM } from '../../demo/iot/nats/contract.js';
import { ensureLayout } from '../../demo/iot/nats/setup.js';
import { NATS_SERVER, startNatsCluster } from '../../demo/iot/nats/local-cluster.js';
import type { NatsCluster } from '../../demo/iot/nats/local-cluster.js';
import { ElectionLoad } from './nats-election-load.js';
import type { LoadAfterMark } from './nats-election-load.js';
import { healthy, isAlive, leadership } from '../iot-nats/jsz.js';
import type { Leadership } from '../iot-nats/jsz.js';
import { elections } from '../iot-nats/raft-log.js';
import type { GroupElection } from '../iot-nats/raft-log.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '40' },
    mode: { type: 'string', default: 'restart' },
    targets: { type: 'string', default: 'both,stream,meta' },
    sensors: { type: 'string', default: '300' },
    rate: { type: 'string', default: '2' },
    'limit-ms': { type: 'string', default: '60000' },
    'slow-ms': { type: 'string', default: '10000' },
    json: { type: 'string', default: join(ROOT, 'bench-results', 'nats-election.json') },
  },
});
const N = Number(args.iterations);
const MODE = args.mode;
const TARGETS = args.targets.split(',');
const LIMIT_MS = Number(args['limit-ms']);
const SLOW_MS = Number(args['slow-ms']);
if (MODE !== 'restart' && MODE !== 'fresh') throw new Error(`--mode: restart or fresh, got '${MODE}'`);
for (const t of TARGETS)
  if (!['both', 'stream', 'meta', 'asis'].includes(t))
    throw new Error(`--targets: both, stream, meta, asis; got '${t}'`);

const P = 6;
const LEASES = 'KV_gru-leases';
const STREAMS = [TELEMETRY_STREAM, RESULTS_STREAM, LEASES, 'KV_gru-members', 'KV_gru-snapshots'];
const log = (line: string): void => console.error(`[bench:nats-election] ${line}`);
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Iteration {
  k: number;
  mode: string;
  target: string;
  victim: string;
  /** The victim's roles at the kill: `meta` and the streams it led. */
  roles: string[];
  /** The telemetry stream followers' lag (entries) in the leader's view just before the kill. */
  lagBefore: number[];
  metaMs?: number;
  /** Stream → ms until a survivor led it. */
  streamMs: Record<string, number | undefined>;
  load: LoadAfterMark;
  /** The last of all the above, ms (undefined: not within the limit). */
  allMs?: number;
  groups: GroupElection[];
  loadavg: number;
}

/** Polls until `check(leadership)` holds, bounded by `ms`. */
async function until(
  cluster: NatsCluster,
  check: (l: Leadership) => boolean,
  ms: number,
): Promise<Leadership | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const l = await leadership(cluster);
    if (check(l)) return l;
    await wait(200);
  }
  return undefined;
}

async function stepDownTelemetry(nc: NatsConnection): Promise<void> {
  await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${TELEMETRY_STREAM}`, '', { timeout: 3000 }).catch(() => {
    // An unanswered step-down is retried by the caller's loop.
  });
}

/** Moves the telemetry stream's leadership until the meta leader does (`both`) or does not lead it. */
async function arrange(cluster: NatsCluster, nc: NatsConnection, target: string): Promise<Leadership> {
  for (let attempt = 0; ; attempt++) {
    const l = await until(cluster, (x) => healthy(x, STREAMS, 3), 60_000);
    if (!l) throw new Error('cluster not healthy within 60 s');
    const same = l.meta!.leader === l.streams.get(TELEMETRY_STREAM)!.leader;
    if (target === 'asis' || (target === 'both') === same || attempt >= 12) return l;
    await stepDownTelemetry(nc);
  }
}

async function iteration(cluster: NatsCluster, nc: NatsConnection, k: number): Promise<Iteration> {
  const target = TARGETS[k % TARGETS.length]!;
  await arrange(cluster, nc, target);
  const load = new ElectionLoad(nc, Number(args.sensors), Number(args.rate));
  load.start();
  while (load.rounds < 3) await wait(100);
  const before = await leadership(cluster);
  const victim =
    target === 'stream' || target === 'asis'
      ? before.streams.get(TELEMETRY_STREAM)?.leader
      : before.meta?.leader;
  const vi = cluster.nodes.findIndex((n) => n.name === victim);
  if (vi < 0) throw new Error(`no ${target} leader to kill`);
  const roles = [
    ...(before.meta?.leader === victim ? ['meta'] : []),
    ...STREAMS.filter((s) => before.streams.get(s)?.leader === victim),
  ];
  const lagBefore = (before.streams.get(TELEMETRY_STREAM)?.replicas ?? []).map((r) => r.lag ?? 0);
  const killedAt = Date.now();
  load.markAt(killedAt);
  await cluster.kill(vi);
  const it: Iteration = {
    k,
    mode: MODE,
    target,
    victim: victim!,
    roles,
    lagBefore,
    streamMs: Object.fromEntries(STREAMS.map((s) => [s, undefined])),
    load: load.sinceMark,
    groups: [],
    loadavg: loadavg()[0]!,
  };
  while (Date.now() - killedAt < LIMIT_MS) {
    const l = await leadership(cluster);
    const at = Date.now() - killedAt;
    if (l.meta && it.metaMs === undefined) it.metaMs = at;
    for (const s of STREAMS) if (l.streams.has(s) && it.streamMs[s] === undefined) it.streamMs[s] = at;
    const a = load.sinceMark;
    const times = [it.metaMs, ...Object.values(it.streamMs), a.publishOkMs, a.kvOkMs];
    if (times.every((t) => t !== undefined)) {
      it.allMs = Math.max(...times);
      break;
    }
    await wait(100);
  }
  // The traffic's in-flight samples are retried until stored; bounded by the cluster's recovery.
  const stopped = await Promise.race([load.stop().then(() => true), wait(LIMIT_MS).then(() => false)]);
  if (!stopped) load.abandon();
  it.load = load.sinceMark;
  const survivors = cluster.nodes.filter(isAlive);
  it.groups = elections(
    survivors.map((n) => n.log),
    killedAt,
  ).filter((g) => g.campaigns + g.refusals + g.catchingUp > 0 || g.leaderMs !== undefined);
  if (it.allMs === undefined || it.allMs > SLOW_MS) {
    const dir = join(dirname(args.json), 'nats-election-logs');
    mkdirSync(dir, { recursive: true });
    for (const n of survivors)
      writeFileSync(join(dir, `iter-${k}-${n.name}.log`), n.log.slice(-20_000).join('\n') + '\n');
    log(`iteration ${k}: slow or stuck; survivors' logs in ${dir}`);
  }
  return it;
}

interface Stat {
  name: string;
  n: number;
  /** Iterations where it did not happen within the limit. */
  missing: number;
  p50?: number;
  p90?: number;
  max?: number;
  over10s: number;
}

const fmt = (v: number | undefined): string => (v === undefined ? '—' : String(v));
const pct = (xs: number[], p: number): number | undefined => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : undefined;
};

function row(it: Iteration): string {
  const tel = it.groups.find((g) => g.name === TELEMETRY_STREAM);
  return [
    it.k,
    it.target,
    it.victim,
    it.roles
      .map((r) => (r === 'meta' ? 'M' : r === TELEMETRY_STREAM ? 'T' : r === RESULTS_STREAM ? 'R' : r[7]))
      .join(''),
    it.lagBefore.join('/'),
    fmt(it.metaMs),
    fmt(it.streamMs[TELEMETRY_STREAM]),
    fmt(it.streamMs[LEASES]),
    fmt(it.load.publishOkMs),
    fmt(it.load.kvOkMs),
    it.load.longestSampleMs,
    fmt(it.allMs),
    tel ? `${tel.campaigns}/${tel.refusals}/${tel.catchingUp}` : '—',
    it.loadavg.toFixed(1),
  ]
    .map(String)
    .join(' | ');
}

async function freshCluster(): Promise<{ cluster: NatsCluster; nc: NatsConnection }> {
  let cluster: NatsCluster | undefined;
  for (let attempt = 1; !cluster; attempt++) {
    // A free port can be taken by another process before the server binds it: start again.
    cluster = await startNatsCluster(3, P, { monitor: true, debug: true }).catch((e: unknown) => {
      if (attempt >= 3) throw e;
      log(`cluster start failed (attempt ${attempt}), starting again: ${String(e).split('\n').pop()}`);
      return undefined;
    });
  }
  const nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1 });
  await ensureLayout(nc, { replicas: 3, maxAgeMs: 600_000, leaseMs: 3000 });
  return { cluster, nc };
}

async function main(): Promise<void> {
  const version = execFileSync(NATS_SERVER, ['--version']).toString().trim();
  log(
    `${version}; ${N} iterations, mode ${MODE}, targets ${TARGETS.join(',')}, ${args.sensors} sensors at ${args.rate} Hz`,
  );
  const results: Iteration[] = [];
  let c = await freshCluster();
  console.log(
    '| k | target | victim | roles | telemetry lag before | meta ms | telemetry leader ms | lease KV leader ms | publish ok ms | KV write ok ms | longest sample wait ms | all ms | telemetry campaigns/refusals/catching-up | load |',
  );
  console.log('|' + ' --- |'.repeat(14));
  for (let k = 0; k < N; k++) {
    const it = await iteration(c.cluster, c.nc, k);
    results.push(it);
    console.log(`| ${row(it)} |`);
    if (MODE === 'fresh' || it.allMs === undefined) {
      await c.nc.close();
      await c.cluster.stop();
      if (k + 1 < N) c = await freshCluster();
    } else {
      await c.cluster.restart(c.cluster.nodes.findIndex((n) => n.name === it.victim));
    }
  }
  if (MODE === 'restart' && results.at(-1)?.allMs !== undefined) {
    await c.nc.close();
    await c.cluster.stop();
  }
  const summary = (subset: string | undefined): Stat[] => {
    const keep = results.filter((r) => subset === undefined || r.target === subset);
    const m = (name: string, get: (it: Iteration) => number | undefined): Stat => {
      const xs = keep.map(get).filter((x): x is number => x !== undefined);
      return {
        name,
        n: xs.length,
        missing: keep.length - xs.length,
        p50: pct(xs, 50),
        p90: pct(xs, 90),
        max: xs.length ? Math.max(...xs) : undefined,
        over10s: xs.filter((x) => x > 10_000).length,
      };
    };
    return [
      m('meta leader', (r) => r.metaMs),
      m('telemetry leader', (r) => r.streamMs[TELEMETRY_STREAM]),
      m('lease KV leader', (r) => r.streamMs[LEASES]),
      m('publish ok', (r) => r.load.publishOkMs),
      m('KV write ok', (r) => r.load.kvOkMs),
      m('longest sample wait', (r) => r.load.longestSampleMs),
      m('all', (r) => r.allMs),
    ];
  };
  const bySubset = Object.fromEntries([undefined, ...TARGETS].map((t) => [t ?? 'all', summary(t)]));
  for (const [subset, rows] of Object.entries(bySubset)) {
    console.log(
      `\n${subset} (${subset === 'all' ? results.length : results.filter((r) => r.target === subset).length} kills): ms after the SIGKILL`,
    );
    console.log(
      '| what | n | not within limit | p50 | p90 | max | > 10 s |\n| --- | --: | --: | --: | --: | --: | --: |',
    );
    for (const r of rows)
      console.log(
        `| ${r.name} | ${r.n} | ${r.missing} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.max)} | ${r.over10s} |`,
      );
  }
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(
    args.json,
    JSON.stringify(
      { version, at: new Date().toISOString(), args, summary: bySubset, iterations: results },
      null,
      2,
    ),
  );
  log(`wrote ${args.json}`);
}

main().catch((e: unknown) => {
  console.error(`bench:nats-election: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
