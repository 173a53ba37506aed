/**
 * Who leads what in a nats-server cluster, from each live node's own view (`/jsz` on its monitoring
 * port): a node counts as the meta leader, or a stream's leader, only when it reports itself as such
 * (a survivor keeps naming a dead leader until it hears of a new one).
 */
import type { NatsCluster, NatsNode } from '../../demo/iot/nats/local-cluster.js';

interface ReplicaView {
  name: string;
  current: boolean;
  lag?: number;
}
interface JszView {
  meta_cluster?: { leader?: string; replicas?: ReplicaView[] };
  account_details?: {
    stream_detail?: { name: string; cluster?: { leader?: string; replicas?: ReplicaView[] } }[];
  }[];
}

export interface Leadership {
  /** The node that reports itself meta leader, and its view of the other peers. */
  meta?: { leader: string; replicas: ReplicaView[] };
  /** Stream name → the node that reports itself its leader, and its view of the followers. */
  streams: Map<string, { leader: string; replicas: ReplicaView[] }>;
}

export const isAlive = (n: NatsNode): boolean => n.child.exitCode === null && n.child.signalCode === null;

async function jsz(n: NatsNode): Promise<JszView | undefined> {
  try {
    const r = await fetch(`${n.monitorUrl!}/jsz?accounts=true&streams=true`, {
      signal: AbortSignal.timeout(1000),
    });
    return (await r.json()) as JszView;
  } catch {
    // A node that does not answer within 1 s leads nothing as far as a client can tell.
    return undefined;
  }
}

/** The leaders now, as the live nodes report themselves (needs a cluster started with `monitor: true`). */
export async function leadership(cluster: NatsCluster): Promise<Leadership> {
  const live = cluster.nodes.filter(isAlive);
  const views = await Promise.all(live.map(jsz));
  const out: Leadership = { streams: new Map() };
  views.forEach((v, i) => {
    const name = live[i]!.name;
    if (v?.meta_cluster?.leader === name)
      out.meta = { leader: name, replicas: v.meta_cluster.replicas ?? [] };
    for (const s of v?.account_details?.flatMap((a) => a.stream_detail ?? []) ?? []) {
      if (s.cluster?.leader === name)
        out.streams.set(s.name, { leader: name, replicas: s.cluster.replicas ?? [] });
    }
  });
  return out;
}

/**
 * True when the meta group and every one of `streams` has a self-reported leader that sees all of
 * its `size - 1` peers current (a restarted node caught up).
 */
export function healthy(l: Leadership, streams: string[], size: number): boolean {
  const allCurrent = (r: ReplicaView[]): boolean => r.length === size - 1 && r.every((x) => x.current);
  return (
    l.meta !== undefined &&
    allCurrent(l.meta.replicas) &&
    streams.every((s) => {
      const x = l.streams.get(s);
      return x !== undefined && allCurrent(x.replicas);
    })
  );
}
