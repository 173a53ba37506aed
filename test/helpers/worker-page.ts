/**
 * The set-up the browser-worker tests share: the engine's browser worker built into a temporary
 * folder, a test page bundled from a `*-page.ts` module, both served on loopback with the test
 * models, and the page opened in headless Chromium. `close()` undoes all of it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorkers } from '../../scripts/build-workers.js';
import { requireChromium, servePage } from './chromium.js';
import { MODELS_DIR } from './models.js';
import { buildTestPage, openTestPage } from './test-page.js';
import type { TestPage } from './test-page.js';

export interface WorkerTestPage extends TestPage {
  /** `http://127.0.0.1:<port>`; the worker is at `/worker/browser-worker.js`, models under `/models/`. */
  origin: string;
  close(): Promise<void>;
}

/** Builds and serves the worker and the page module `entry` (a file URL), and opens the page. */
export async function startWorkerTestPage(entry: URL, what: string): Promise<WorkerTestPage> {
  requireChromium(what);
  const dir = await mkdtemp(join(tmpdir(), 'gru-browser-'));
  let server: Server | undefined;
  let opened: TestPage | undefined;
  const close = async (): Promise<void> => {
    await opened?.browser.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await buildWorkers(join(dir, 'worker'));
    await buildTestPage(entry, dir);
    // The page, the built worker folder and the test models; nothing else.
    server = await servePage('gru-stream', dir, {
      '/worker/': join(dir, 'worker'),
      '/models/': join(MODELS_DIR, 'test'),
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    opened = await openTestPage(`${origin}/`);
    return { ...opened, origin, close };
  } catch (e) {
    await close();
    throw e;
  }
}
