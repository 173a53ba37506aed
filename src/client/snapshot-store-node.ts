/**
 * A {@link SnapshotStore} in a directory (Node only): one file per key, replaced atomically (written
 * to a temporary file in the same directory, flushed, then renamed over the old one), so a crash of
 * this process mid-save leaves the previous record whole.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotStore } from './snapshot-store.js';

let counter = 0;

/**
 * @param dir directory for the records (created if missing)
 * @example createEnginePool({ models, store: directorySnapshotStore('/var/lib/app/gru') })
 */
export function directorySnapshotStore(dir: string): SnapshotStore {
  const made = mkdir(dir, { recursive: true });
  const file = (key: string): string => join(dir, `${encodeURIComponent(key)}.ckpt`);
  return {
    load: async (key) => {
      await made;
      try {
        return new Uint8Array(await readFile(file(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    save: async (key, bytes) => {
      await made;
      const tmp = `${file(key)}.tmp-${process.pid}-${counter++}`;
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file(key));
    },
    delete: async (key) => {
      await made;
      await rm(file(key), { force: true });
    },
  };
}
