/**
 * Reads nats-server debug logs (`-D`) for what each raft group did after a node's death: campaigns,
 * vote requests refused, "catching up" refusals to campaign, and when it got a leader. A raft group
 * is named after the stream it serves when a node's "Switching to leader" line is followed by
 * "new stream leader for '$G > NAME'" (or "new metadata leader" for the meta group `_meta_`).
 */

/** A log line's time (nats-server prints local time; this machine runs on UTC), ms since the epoch. */
export function logTime(line: string): number | undefined {
  const m = /(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d, h, mi, s, ms);
}

export interface GroupElection {
  /** Stream name, `meta`, or the raft group id when no leader line named it. */
  name: string;
  /** "Switching to candidate" lines (every node). */
  campaigns: number;
  /** Vote responses that refused (`granted:false`). */
  refusals: number;
  /** "Not switching to candidate, catching up" lines: a follower whose election timer fired mid catch-up. */
  catchingUp: number;
  /** First "Switching to leader" after `since`, ms after it. */
  leaderMs?: number;
}

const RAFT = /RAFT \[(\w+) - ([^\]]+)\] (.*)$/;

/** Per raft group, what the nodes' logs show from `since` (ms since the epoch) on. */
export function elections(logs: string[][], since: number): GroupElection[] {
  const names = new Map<string, string>();
  const groups = new Map<string, GroupElection>();
  const group = (g: string): GroupElection => {
    let e = groups.get(g);
    if (!e) groups.set(g, (e = { name: g, campaigns: 0, refusals: 0, catchingUp: 0 }));
    return e;
  };
  for (const log of logs) {
    let lastLeaderGroup: string | undefined;
    for (const line of log) {
      const stream = /new stream leader for '\$G > ([^']+)'/.exec(line);
      if (stream && lastLeaderGroup) names.set(lastLeaderGroup, stream[1]!);
      if (/new metadata leader/.test(line)) names.set('_meta_', 'meta');
      const m = RAFT.exec(line);
      if (!m) continue;
      const [, , g, what] = m as unknown as [string, string, string, string];
      if (what.startsWith('Switching to leader')) lastLeaderGroup = g;
      const t = logTime(line);
      if (t === undefined || t < since) continue;
      const e = group(g);
      if (what.startsWith('Switching to candidate')) e.campaigns++;
      else if (what.startsWith('Sending a voteResponse') && what.includes('granted:false')) e.refusals++;
      else if (what.startsWith('Not switching to candidate, catching up')) e.catchingUp++;
      else if (what.startsWith('Switching to leader') && e.leaderMs === undefined) e.leaderMs = t - since;
    }
  }
  names.set('_meta_', 'meta');
  return [...groups.entries()].map(([g, e]) => ({ ...e, name: names.get(g) ?? g }));
}
