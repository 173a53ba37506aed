/**
 * The gateway's state on disk, one directory:
 *
 * - `snapshot.msgpack`: every known sensor's engine snapshot (the library's bytes, tagged with the
 *   model id) + scorer state + last sample time, and the journal generation that follows it. Written
 *   atomically: to `snapshot.msgpack.tmp`, fsync, rename over the old one. A crash mid-write leaves
 *   the previous snapshot intact.
 * - `journal-<gen>.jsonl`: every sample accepted since that snapshot, one JSON line
 *   `[sensor, t, current, temperature, vibration, pressure]` each, appended synchronously BEFORE the
 *   MQTT acknowledgement leaves (so a `kill -9` loses no acknowledged sample: the broker redelivers
 *   the unacknowledged ones, the journal holds the rest). Old generations are deleted once a newer
 *   snapshot is on disk.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnomalyScorerState } from '../../../src/postprocess/index.js';
import { GruStreamError } from '../../../src/node.js';
import { decode, encode } from './codec.js';

export const SNAPSHOT_FILE = 'snapshot.msgpack';
const SNAPSHOT_VERSION = 1;

/** An open alarm episode as the gateway reports it (times in epoch ms). */
export interface OpenAlarm {
  since: number;
  until: number;
  peak: number;
  channel: number;
}

/** One sensor's saved state. */
export interface SensorRecord {
  /** `engine.snapshot(sensor)`: the GRU state, tagged with the model id by the library. */
  engine: Uint8Array;
  scorer: AnomalyScorerState;
  /** Time of the last accepted sample, epoch ms. */
  lastT: number;
  alarm: OpenAlarm | null;
}

export interface GatewaySnapshot {
  v: typeof SNAPSHOT_VERSION;
  /** The model the states belong to. */
  modelId: string;
  /** The journal generation holding the samples accepted after this snapshot. */
  journal: number;
  /** When it was written, epoch ms. */
  savedAt: number;
  sensors: Record<string, SensorRecord>;
}

/** One journal line. */
export interface JournalRecord {
  sensor: string;
  t: number;
  values: number[];
}

export class DirectoryStore {
  private fd: number | undefined;
  private gen = 0;

  /** @param dir created when missing */
  constructor(readonly dir: string) {}

  /**
   * The snapshot on disk, or undefined when there is none.
   * @throws GruStreamError E_SNAPSHOT when it is corrupt or belongs to another model than `modelId`
   */
  async load(modelId: string): Promise<GatewaySnapshot | undefined> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, SNAPSHOT_FILE);
    const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (bytes === undefined) return undefined;
    const fail = (why: string): never => {
      throw new GruStreamError('E_SNAPSHOT', `${path}: ${why}`);
    };
    let s: unknown;
    try {
      s = decode(bytes);
    } catch (e) {
      fail(`corrupt msgpack (${bytes.length} bytes): ${(e as Error).message}`);
    }
    const snap = s as Partial<GatewaySnapshot> | null;
    if (typeof snap !== 'object' || snap === null) return fail('expected a snapshot object');
    if (snap.v !== SNAPSHOT_VERSION) fail(`version: expected ${SNAPSHOT_VERSION}, got ${String(snap.v)}`);
    if (snap.modelId !== modelId) {
      fail(`taken with model '${String(snap.modelId)}', but the gateway runs model '${modelId}'`);
    }
    if (!Number.isInteger(snap.journal) || typeof snap.sensors !== 'object' || snap.sensors === null) {
      fail('expected a journal generation and a sensors table');
    }
    return snap as GatewaySnapshot;
  }

  /** Moves a rejected snapshot aside (`snapshot.msgpack.rejected-<ms>`) so a fresh start keeps it for a look. */
  async setAside(now: number): Promise<string> {
    const to = join(this.dir, `${SNAPSHOT_FILE}.rejected-${now}`);
    await rename(join(this.dir, SNAPSHOT_FILE), to);
    return to;
  }

  /** Writes `snapshot` atomically (temp file, fsync, rename). */
  async save(snapshot: GatewaySnapshot): Promise<number> {
    const bytes = encode(snapshot);
    const tmp = join(this.dir, `${SNAPSHOT_FILE}.tmp`);
    const f = await open(tmp, 'w');
    try {
      await f.writeFile(bytes);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, join(this.dir, SNAPSHOT_FILE));
    return bytes.length;
  }

  /** Journal generations on disk, ascending. */
  async journals(): Promise<number[]> {
    const names = await readdir(this.dir);
    return names
      .map((n) => /^journal-(\d+)\.jsonl$/.exec(n)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * The records of generations ≥ `from`, in order. A torn last line (the process died inside a
   * write) is counted in `torn` and skipped.
   */
  async readJournal(from: number): Promise<{ records: JournalRecord[]; torn: number }> {
    const records: JournalRecord[] = [];
    let torn = 0;
    for (const gen of (await this.journals()).filter((g) => g >= from)) {
      const text = await readFile(join(this.dir, `journal-${gen}.jsonl`), 'utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        try {
          const [sensor, t, ...values] = JSON.parse(line) as [string, number, ...number[]];
          records.push({ sensor, t, values });
        } catch {
          torn++; // only a line cut by a crash can fail: this process wrote every line whole
        }
      }
    }
    return { records, torn };
  }

  /** Starts appending to generation `gen` (closing the current one). */
  startJournal(gen: number): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.gen = gen;
    this.fd = openSync(join(this.dir, `journal-${gen}.jsonl`), 'a');
  }

  get generation(): number {
    return this.gen;
  }

  /** Appends one accepted sample, synchronously (it must be on disk before the MQTT ack is sent). */
  append(sensor: string, t: number, values: ArrayLike<number>): void {
    if (this.fd === undefined) throw new GruStreamError('E_ARGUMENT', 'journal: startJournal() first');
    writeSync(this.fd, `${JSON.stringify([sensor, t, ...Array.from(values)])}\n`);
  }

  /** Deletes journal generations below `gen` (covered by a snapshot on disk). */
  async dropJournalsBefore(gen: number): Promise<void> {
    for (const g of await this.journals()) {
      if (g < gen) await rm(join(this.dir, `journal-${g}.jsonl`), { force: true });
    }
  }

  /** Flushes and closes the journal. */
  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
