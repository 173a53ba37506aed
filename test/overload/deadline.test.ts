/**
 * The call deadline measures the worker, not this thread: when the main thread is blocked past the
 * deadline while a healthy worker has already answered, the answer wins and nothing is terminated.
 * Ordered by explicit signals: the worker sets a shared flag only after its answer was posted.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/client/create-engine-node.js';
import type { WorkerEngineClient } from '../../src/client/engine-client.js';
import { testHooksOf, withTestHooks } from '../../src/client/test-hooks.js';
import { MODELS_DIR } from '../helpers/models.js';

const model = join(MODELS_DIR, 'test', 'gru-h64-float32-b1.tflite');
const started: WorkerEngineClient[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.dispose()));
});

describe('call deadline', () => {
  it('a main thread blocked past the deadline does not kill a worker that answered in time', async () => {
    // Long enough that the worker's answers (this call's and the stats() below) cannot miss it on a
    // busy machine (50 ms did once, at load 5); the main thread is then held past it on purpose.
    const deadlineMs = 1000;
    const engine = await createEngine(withTestHooks({ models: [model], callTimeoutMs: deadlineMs }));
    started.push(engine);
    const signal = new SharedArrayBuffer(4);
    const sentAt = performance.now();
    const answered = testHooksOf(engine).signal(signal);
    // Block this thread until the worker's answer is queued here (bounded: 30 s), then until the
    // deadline has surely passed. Blocking in a setImmediate callback (the check phase) means the
    // event loop's next phase is the timers, so the due deadline timer runs before the answer is read.
    const waited = await new Promise<string>((resolve) =>
      setImmediate(() => {
        const outcome = Atomics.wait(new Int32Array(signal), 0, 0, 30_000);
        while (performance.now() - sentAt <= deadlineMs + 5) {
          // spin: the point is to hold this thread, not to wait for anything
        }
        resolve(outcome);
      }),
    );
    expect(waited).not.toBe('timed-out');
    await expect(answered).resolves.toBeUndefined();
    // The worker is alive and answering.
    await expect(engine.stats()).resolves.toMatchObject({ openStreams: 0 });
  });
});
