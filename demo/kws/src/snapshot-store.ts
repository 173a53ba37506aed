/**
 * Saved listening state in IndexedDB: the GRU hidden state (the engine's snapshot bytes) and the
 * detector's smoothing state, so a stream continues where it was after the page was hidden, frozen or
 * even discarded by the phone.
 */
import type { KwsDetectorState } from 'gru-stream/postprocess';

export interface SavedStream {
  /** The model the GRU snapshot belongs to; the engine refuses another model's state. */
  modelId: string;
  /** `engine.snapshot(stream)`. */
  gru: Uint8Array;
  detector: KwsDetectorState;
  /**
   * Front-end frames the stream had been sent (a speech-embedding head's windows count them). Absent in
   * states saved by older versions.
   */
  frames?: number;
  /** When it was saved (ms since the epoch). */
  savedAt: number;
}

const DB_NAME = 'gru-stream-kws';
const STORE = 'streams';

export class SnapshotStore {
  private constructor(private readonly db: IDBDatabase) {}

  static open(): Promise<SnapshotStore> {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(new SnapshotStore(request.result));
      request.onerror = () => reject(request.error ?? new Error(`cannot open IndexedDB '${DB_NAME}'`));
      request.onblocked = () => reject(new Error(`IndexedDB '${DB_NAME}' is blocked by another tab`));
    });
  }

  load(key: string): Promise<SavedStream | undefined> {
    return this.run('readonly', (s) => s.get(key) as IDBRequest<SavedStream | undefined>);
  }

  async save(key: string, value: SavedStream): Promise<void> {
    await this.run('readwrite', (s) => s.put(value, key));
  }

  async remove(key: string): Promise<void> {
    await this.run('readwrite', (s) => s.delete(key));
  }

  /** One request in its own transaction; resolves when the transaction has committed. */
  private run<T>(mode: IDBTransactionMode, request: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(STORE, mode);
      const r = request(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(r.result);
      tx.onerror = () => reject(tx.error ?? new Error(`IndexedDB ${mode} transaction failed`));
      tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${mode} transaction aborted`));
    });
  }
}
