/**
 * The IndexedDB store test's page script (bundled by idb-store.test.ts): the store on its own, and a
 * browser pool keeping its checkpoints in it through a worker crash. Reports plain data.
 */
import { createEnginePool, indexedDbSnapshotStore } from '../../src/client/index.js';
import type { RecoveredEvent } from '../../src/client/supervisor.js';
import { withTestHooks, workerHooksOf } from '../../src/client/test-hooks.js';
import { isGruStreamError } from '../../src/errors.js';

const codeOf = (e: unknown): string => (isGruStreamError(e) ? e.code : `not a library error: ${String(e)}`);
const bytes = (b: Uint8Array | undefined): number[] | null => (b === undefined ? null : [...b]);

/** Puts a raw value under `key` with plain IndexedDB (a record some other code wrote). */
function putRaw(database: string, key: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(database, 1);
    open.onsuccess = () => {
      const tx = open.result.transaction('checkpoints', 'readwrite');
      tx.objectStore('checkpoints').put(value, key);
      tx.oncomplete = () => {
        open.result.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  });
}

/** One step call's answer as plain arrays. */
interface PlainResult {
  outputs: number[];
  outputCounts: number[];
  errors: number;
}

const api = {
  /** Save, replace, read back from a second store instance, delete; and a foreign record. */
  async storeRoundTrip(database: string) {
    const a = indexedDbSnapshotStore({ database });
    const empty = bytes(await a.load('k'));
    await a.save('k', Uint8Array.from([1, 2, 3]));
    const first = bytes(await a.load('k'));
    await a.save('k', Uint8Array.from([4, 5]));
    const b = indexedDbSnapshotStore({ database }); // another connection, as after a reload
    const replaced = bytes(await b.load('k'));
    await b.delete('k');
    const deleted = bytes(await a.load('k'));
    await putRaw(database, 'foreign', 'not bytes');
    const foreign = await a.load('foreign').then(() => 'resolved', codeOf);
    return { empty, first, replaced, deleted, foreign };
  },

  /**
   * A 2-worker pool with its checkpoints in IndexedDB: `rounds[0..split)` are stepped, checkpoints
   * are stored, worker 0 closes itself (Chromium reports nothing; its next call misses the 1 s
   * deadline), and the remaining rounds are stepped. Returns every answer, the recovery events and
   * the stored record sizes.
   */
  async poolRecovers(
    workerUrl: string,
    models: string[],
    database: string,
    rounds: { streams: string[]; frameCounts: number[]; frames: number[] }[],
    split: number,
  ) {
    const pool = await createEnginePool(
      withTestHooks({
        workerUrl,
        models,
        workers: 2,
        store: indexedDbSnapshotStore({ database }),
        callTimeoutMs: 1000,
        snapshots: { everyChunks: 1e9, everyMs: Infinity },
      }),
    );
    const events: RecoveredEvent[] = [];
    pool.recovered$.subscribe((e) => events.push(e));
    try {
      await pool.sparesReady();
      const results: PlainResult[] = [];
      const step = async (r: (typeof rounds)[number]): Promise<void> => {
        const res = await pool.step({
          streams: r.streams,
          frameCounts: Int32Array.from(r.frameCounts),
          frames: Float32Array.from(r.frames),
        });
        results.push({
          outputs: [...res.outputs],
          outputCounts: [...res.outputCounts],
          errors: res.errors.length,
        });
      };
      for (const r of rounds.slice(0, split)) await step(r);
      await pool.saveCheckpoints();
      const reader = indexedDbSnapshotStore({ database });
      const stored = [
        (await reader.load('gru-pool/worker-0'))?.length ?? 0,
        (await reader.load('gru-pool/worker-1'))?.length ?? 0,
      ];
      const crash = await workerHooksOf(pool, 0)
        .crash()
        .then(() => 'resolved', codeOf);
      for (const r of rounds.slice(split)) await step(r);
      return {
        results,
        stored,
        crash,
        events: events.map((e) => ({
          worker: e.worker,
          code: e.code,
          warm: e.warm,
          restored: e.restoredStreams,
        })),
      };
    } finally {
      await pool.dispose();
    }
  },
};

export type IdbPageApi = typeof api;
(globalThis as unknown as { gruTest: IdbPageApi }).gruTest = api;
