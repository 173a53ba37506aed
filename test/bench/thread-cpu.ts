/**
 * CPU time of this process's threads, from Linux's /proc/self/task/<tid>/stat (utime + stime), so a
 * benchmark on a shared machine can tell "the worker got less CPU" (other jobs) from "the pipeline
 * needs more CPU per chunk" (ours). Node 20 has no per-thread CPU clock for worker_threads; the
 * engine worker is found as the busiest thread other than the main one. Linux only: elsewhere
 * {@link threadCpuSnapshot} returns undefined and callers print no CPU figures.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux builds we know of). */
const TICKS_PER_S = 100;

/** CPU seconds per thread id at one moment. */
export type ThreadCpu = Map<number, number>;

export function threadCpuSnapshot(): ThreadCpu | undefined {
  if (process.platform !== 'linux') return undefined;
  const out: ThreadCpu = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') {
        continue; // the thread ended between the listing and the read
      }
      throw e;
    }
    // Fields after the command name (which may contain spaces) start with the state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S);
  }
  return out;
}

/** CPU seconds between two snapshots: the main thread, the busiest other thread, and all threads. */
export interface CpuDelta {
  main: number;
  /** The busiest thread besides the main one: the engine worker in a one-engine benchmark. */
  worker: number;
  total: number;
}

export function cpuDelta(a: ThreadCpu | undefined, b: ThreadCpu | undefined): CpuDelta | undefined {
  if (a === undefined || b === undefined) return undefined;
  let main = 0;
  let worker = 0;
  let total = 0;
  for (const [tid, s] of b) {
    const d = s - (a.get(tid) ?? 0);
    total += d;
    if (tid === process.pid) main = d;
    else worker = Math.max(worker, d);
  }
  return { main, worker, total };
}
