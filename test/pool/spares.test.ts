/**
 * The pool's warm spares, with fake engines (start order and failures set by the test, no workers):
 * a spare is handed out once, replaced by a new one, a spare that failed to start falls back to a
 * cold start that names the spare's error, and dispose disposes every spare, started or starting.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerEngineClient } from '../../src/client/engine-client.js';
import { SpareWorkers } from '../../src/client/spares.js';

/** A start function whose engines are numbered 1, 2, … and record their disposal. */
function starter(failing: Set<number> = new Set()) {
  let started = 0;
  const disposed: number[] = [];
  const start = (): Promise<WorkerEngineClient> => {
    const id = ++started;
    if (failing.has(id)) return Promise.reject(new Error(`start ${id} failed`));
    const client = {
      id,
      dispose: () => {
        disposed.push(id);
        return Promise.resolve();
      },
    };
    return Promise.resolve(client as unknown as WorkerEngineClient);
  };
  return { start, disposed, started: () => started };
}
const idOf = (c: WorkerEngineClient): number => (c as unknown as { id: number }).id;

describe('SpareWorkers', () => {
  it('hands out a started spare and starts the next one in its place', async () => {
    const s = starter();
    const spares = new SpareWorkers(s.start, 1);
    expect(await spares.whenReady()).toBe(1);
    const first = await spares.take();
    expect([idOf(first.client), first.warm]).toEqual([1, true]);
    expect(spares.size).toBe(1);
    const second = await spares.take();
    expect([idOf(second.client), second.warm]).toEqual([2, true]);
    expect(s.started()).toBe(3);
    await spares.dispose();
    expect(s.disposed).toEqual([3]); // the spare held, not the two handed out
  });

  it('starts cold when it holds no spare (count 0)', async () => {
    const s = starter();
    const spares = new SpareWorkers(s.start, 0);
    expect(await spares.whenReady()).toBe(0);
    const got = await spares.take();
    expect([idOf(got.client), got.warm, got.spareError]).toEqual([1, false, undefined]);
    await spares.dispose();
    expect(s.disposed).toEqual([]);
  });

  it('falls back to a cold start when the spare failed to start, and says why', async () => {
    const s = starter(new Set([1]));
    const spares = new SpareWorkers(s.start, 1);
    expect(await spares.whenReady()).toBe(0);
    const got = await spares.take();
    // Spare 1 failed; 2 is its refill; 3 is the cold start handed out.
    expect([idOf(got.client), got.warm]).toEqual([3, false]);
    expect((got.spareError as Error).message).toBe('start 1 failed');
    await spares.dispose();
    expect(s.disposed).toEqual([2]);
  });

  it('disposes a spare that finishes starting after dispose, and starts none after', async () => {
    let finish: (c: WorkerEngineClient) => void = () => undefined;
    let disposed = 0;
    let starts = 0;
    const spares = new SpareWorkers(() => {
      starts++;
      return new Promise<WorkerEngineClient>((resolve) => (finish = resolve));
    }, 1);
    const ending = spares.dispose();
    finish({ dispose: () => Promise.resolve(void disposed++) } as unknown as WorkerEngineClient);
    await ending;
    expect(disposed).toBe(1);
    expect(spares.size).toBe(0);
    const taking = spares.take(); // after dispose: a cold start (its start is called at once)
    finish({ dispose: () => Promise.resolve(void disposed++) } as unknown as WorkerEngineClient);
    expect((await taking).warm).toBe(false);
    expect(starts).toBe(2); // no refill
  });
});
