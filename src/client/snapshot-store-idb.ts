/**
 * A {@link SnapshotStore} in IndexedDB, for pools in browsers: checkpoints survive a worker crash, a
 * page reload and a browser restart. One object store, keyed by the record's key, `Uint8Array`
 * values; each save is one readwrite transaction, and it resolves when the transaction completes
 * (with `durability: 'strict'` where the browser supports it, so a completed save is on disk), so a
 * reader sees the old or the new record, whole. Records carry their own CRC-32 (see
 * `encodeCheckpointRecord`); this store does not check them.
 */
import { GruStreamError } from '../errors.js';
import type { SnapshotStore } from './snapshot-store.js';

export interface IndexedDbStoreOptions {
  /** Database name. Default 'gru-stream-snapshots'. */
  database?: string;
  /** Object store name inside it. Default 'checkpoints'. */
  objectStore?: string;
  /** The IndexedDB factory (tests, other realms). Default `globalThis.indexedDB`. */
  indexedDB?: IDBFactory;
}

/**
 * Opens (on first use) an IndexedDB snapshot store.
 *
 * @example
 * const pool = await createEnginePool({ workerUrl, models, store: indexedDbSnapshotStore() });
 * @throws (each method rejects) E_RUNTIME naming the database, the key and IndexedDB's error, when
 *   IndexedDB is missing, blocked, or fails a request (e.g. QuotaExceededError)
 */
export function indexedDbSnapshotStore(options: IndexedDbStoreOptions = {}): SnapshotStore {
  const database = options.database ?? 'gru-stream-snapshots';
  const objectStore = options.objectStore ?? 'checkpoints';
  const fail = (what: string, error: unknown): GruStreamError => {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new GruStreamError(
      'E_RUNTIME',
      `IndexedDB snapshot store '${database}': ${what} failed (${reason})`,
    );
  };
  let opened: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
      if (factory === undefined) {
        reject(fail('open', new Error('indexedDB is not available in this context')));
        return;
      }
      const request = factory.open(database, 1);
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(objectStore))
          request.result.createObjectStore(objectStore);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(fail('open', request.error));
      request.onblocked = () =>
        reject(fail('open', new Error('blocked by another connection to an older version')));
    }).catch((e: unknown) => {
      opened = undefined; // a later call tries again
      throw e;
    }));

  /** Runs one request in a transaction; resolves with its result once the transaction completes. */
  const run = async <T>(
    what: string,
    mode: IDBTransactionMode,
    make: (store: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> => {
    const db = await open();
    return new Promise<T>((resolve, reject) => {
      let tx: IDBTransaction;
      try {
        tx = db.transaction(objectStore, mode, { durability: 'strict' });
      } catch (e) {
        reject(fail(what, e));
        return;
      }
      const request = make(tx.objectStore(objectStore));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(fail(what, tx.error ?? request.error));
      tx.onabort = () => reject(fail(what, tx.error ?? new Error('transaction aborted')));
    });
  };

  return {
    load: async (key) => {
      const value: unknown = await run(`load '${key}'`, 'readonly', (s) => s.get(key));
      if (value === undefined) return undefined;
      if (!(value instanceof Uint8Array)) {
        throw new GruStreamError(
          'E_SNAPSHOT',
          `IndexedDB snapshot store '${database}': record '${key}' is not bytes (Uint8Array) but ${Object.prototype.toString.call(value)}`,
        );
      }
      return value;
    },
    save: async (key, bytes) => {
      await run(`save '${key}' (${bytes.length} bytes)`, 'readwrite', (s) => s.put(bytes, key));
    },
    delete: async (key) => {
      await run(`delete '${key}'`, 'readwrite', (s) => s.delete(key));
    },
  };
}
