/**
 * The browser engine end to end in real headless Chromium: the built classic worker
 * (dist layout, WASM files beside it) loads tfjs-tflite with `importScripts`, a page drives it through
 * the public browser client and the `infer` operator, and the predictions equal the reference GRU.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH). Without it this test FAILS on
 * purpose: CI installs it, and a silent skip would hide a broken browser path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageCaller } from '../helpers/test-page.js';
import { startWorkerTestPage } from '../helpers/worker-page.js';
import type { WorkerTestPage } from '../helpers/worker-page.js';
import { C, concat, cutAtRandom, maxAbsDiff, referenceOutputs, streamFrames } from '../client/helpers.js';
import type { PageApi } from './page.js';

const MODELS = [1, 8].map((b) => `/models/gru-h64-float32-b${b}.tflite`);

let chromiumPage: WorkerTestPage | undefined;
let origin: string;

beforeAll(async () => {
  chromiumPage = await startWorkerTestPage(new URL('./page.ts', import.meta.url), 'The browser test');
  origin = chromiumPage.origin;
});

afterAll(async () => {
  await chromiumPage?.close();
});

/** Runs one page API call, attaching the page's console to the failure when it throws. */
const onPage = pageCaller<PageApi>(() => chromiumPage!);

describe('browser worker in Chromium', () => {
  it('streams a float32 model through the classic worker and equals the reference within 1e-5', async () => {
    const frames = streamFrames(500, 90);
    const chunks = cutAtRandom(frames, 501, 10).map((c) => [...c]);
    const run = await onPage('runStream', `${origin}/worker/browser-worker.js`, MODELS, chunks);
    expect(run.model).toMatchObject({
      inputSize: 40,
      hiddenSize: 64,
      outputSize: C,
      batchSizes: [1, 8],
      runner: 'tflite',
    });
    expect(run.predictions.map((p) => p.frame)).toEqual(Array.from({ length: 90 }, (_, t) => t));
    expect(run.framesStepped).toBe(90);
    const outputs = concat(run.predictions.map((p) => Float32Array.from(p.output)));
    expect(maxAbsDiff(outputs, referenceOutputs(frames))).toBeLessThan(1e-5);
    expect(run.predictions.every((p) => typeof p.label === 'string' && typeof p.score === 'number')).toBe(
      true,
    );
  });

  it('a worker that closes itself (no event in Chromium) is caught by the deadline', async () => {
    const codes = await onPage('crash', `${origin}/worker/browser-worker.js`, MODELS.slice(0, 1));
    // close() lets the running task finish, so the crash call itself is still answered; the next
    // call gets no answer and no event, and only its deadline ends it.
    expect(codes).toEqual({ crash: 'resolved', next: 'E_TIMEOUT', later: 'E_WORKER_DEAD' });
  });
});
