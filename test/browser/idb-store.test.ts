/**
 * The IndexedDB snapshot store in real headless Chromium: a save, a replacement and a delete seen
 * through a second connection, a foreign record refused with E_SNAPSHOT, and a browser pool that
 * keeps its checkpoints there and replaces a worker that closed itself, every stream's outputs then
 * equal to the float32 reference GRU within 1e-5.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH); fails without it (see
 * browser-worker.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeStream } from '../../src/client/placement.js';
import { pageCaller } from '../helpers/test-page.js';
import { startWorkerTestPage } from '../helpers/worker-page.js';
import type { WorkerTestPage } from '../helpers/worker-page.js';
import { C, concat, I, maxAbsDiff, referenceOutputs, streamFrames } from '../client/helpers.js';
import type { IdbPageApi } from './idb-page.js';

const MODELS = [1, 8].map((b) => `/models/gru-h64-float32-b${b}.tflite`);

let chromiumPage: WorkerTestPage | undefined;
let origin: string;

beforeAll(async () => {
  chromiumPage = await startWorkerTestPage(
    new URL('./idb-page.ts', import.meta.url),
    'The IndexedDB store test',
  );
  origin = chromiumPage.origin;
});

afterAll(async () => {
  await chromiumPage?.close();
});

/** Runs one page API call, attaching the page's console to the failure when it throws. */
const onPage = pageCaller<IdbPageApi>(() => chromiumPage!);

describe('IndexedDB snapshot store in Chromium', () => {
  it('saves, replaces and deletes records seen by another connection; refuses a foreign record', async () => {
    const r = await onPage('storeRoundTrip', 'gru-idb-roundtrip');
    expect(r).toEqual({
      empty: null,
      first: [1, 2, 3],
      replaced: [4, 5],
      deleted: null,
      foreign: 'E_SNAPSHOT',
    });
  });

  it('keeps a browser pool’s checkpoints; a worker that closed itself is replaced from them', async () => {
    const STREAMS = 6;
    const ROUNDS = 6;
    const ids = Array.from({ length: STREAMS }, (_, s) => `idb-${s}`);
    // Both workers hold streams, so the crashed one has state to restore.
    expect(new Set(ids.map((id) => placeStream(id, 2)))).toEqual(new Set([0, 1]));
    const perStream = ids.map((_, s) => streamFrames(300 + s, 2 * ROUNDS)); // 2 frames per round
    const rounds = Array.from({ length: ROUNDS }, (_, r) => ({
      streams: ids,
      frameCounts: ids.map(() => 2),
      frames: [...concat(perStream.map((f) => f.subarray(2 * r * I, 2 * (r + 1) * I)))],
    }));
    const run = await onPage(
      'poolRecovers',
      `${origin}/worker/browser-worker.js`,
      MODELS,
      'gru-idb-pool',
      rounds,
      3,
    );
    expect(run.stored.every((n) => n > 0)).toBe(true);
    expect(run.crash).toBe('resolved'); // close() lets the running call finish
    expect(run.events).toEqual([
      {
        worker: 0,
        code: 'E_TIMEOUT',
        warm: true,
        restored: ids.filter((id) => placeStream(id, 2) === 0).length,
      },
    ]);
    expect(run.results).toHaveLength(ROUNDS);
    // Each stream's outputs over all rounds, against the reference GRU on its frames.
    ids.forEach((_, s) => {
      const outs = run.results.map((res) => {
        expect(res.errors).toBe(0);
        expect(res.outputCounts).toEqual(ids.map(() => 2));
        return Float32Array.from(res.outputs.slice(2 * s * C, 2 * (s + 1) * C));
      });
      expect(maxAbsDiff(concat(outs), referenceOutputs(perStream[s]!))).toBeLessThan(1e-5);
    });
  });
});
