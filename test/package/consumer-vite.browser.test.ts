/**
 * The package as a browser user gets it: the tarball installed into a temporary project (pack.ts),
 * a plain-JavaScript Vite app (fixtures/vite-app) that imports `gru-stream` and passes NO worker or
 * WASM location, built with `vite build`, served on 127.0.0.1 by a server with an SPA fallback (every
 * unknown path answers the app's index.html, as dev servers and static hosts often do), and driven
 * in headless Chromium:
 *
 * - the build holds the package's worker and WASM, copied and renamed by Vite from the literal
 *   `new URL(…, import.meta.url)` references;
 * - the page runs the package's text model over its 28 sample lines; the outputs agree with the
 *   float reference GRU within the model's stated tolerance (as in consumer-node.test.ts);
 * - a worker URL (or a `wasmPaths` glue URL) the server answers with HTML fails with an error naming
 *   the URL and what came back;
 * - the same app under Vite's dev server (no configuration: dependency pre-bundling on) works too.
 *
 * Needs Chromium (test/helpers/chromium.ts); fails without it.
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { build, createServer as createViteServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../helpers/chromium.js';
import { consumerOnce } from './pack.js';
import { compareWithFloatReference } from './text-reference.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.tflite': 'application/octet-stream',
};

let outDir: string;
let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
let lines: string[];
let app: string;
const pageLog: string[] = [];

/** Static files of `root`; any path that is not a file gets index.html with 200 (SPA fallback). */
function serveWithFallback(root: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      async () =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(await readFile(join(root, 'index.html'))),
    );
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

beforeAll(async () => {
  requireChromium('The Vite consumer test');
  const consumer = await consumerOnce();
  app = join(consumer.dir, 'vite-app');
  // What a user does with a model: put it (and its manifest) where the app serves static files.
  await mkdir(join(app, 'public', 'models'), { recursive: true });
  for (const f of ['text-int8-weights-b1.tflite', 'text-int8-weights-b1.json']) {
    await copyFile(join(consumer.pkg, 'models', 'text', f), join(app, 'public', 'models', f));
  }
  lines = readFileSync(join(consumer.pkg, 'models', 'text', 'samples', 'typed.txt'), 'utf8')
    .trim()
    .split('\n');
  outDir = join(app, 'dist');
  await build({
    root: app,
    configFile: false,
    base: './',
    logLevel: 'warn',
    cacheDir: join(app, '.vite'),
    build: { outDir, emptyOutDir: true },
  });
  server = await serveWithFallback(outDir);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => 'consumer' in globalThis);
}, 480_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe('a Vite app using the installed package', () => {
  it('bundles the package worker and its one WASM variant as assets', async () => {
    const assets = await readdir(join(outDir, 'assets'));
    expect(assets.filter((f) => /^browser-worker.*\.js$/.test(f))).toHaveLength(1);
    expect(assets.filter((f) => /^tflite_web_api_cc_simd.*\.js$/.test(f))).toHaveLength(1);
    expect(assets.filter((f) => /^tflite_web_api_cc_simd.*\.wasm$/.test(f))).toHaveLength(1);
  });

  it('runs the text model in Chromium with the default worker and WASM, matching the float reference', async () => {
    const outputs = await page
      .evaluate(
        (l) =>
          (
            globalThis as unknown as { consumer: { runText(l: string[]): Promise<number[][][]> } }
          ).consumer.runText(l),
        lines,
      )
      .catch((e: Error) => {
        throw new Error(`${e.message}\npage log:\n${pageLog.join('\n')}`);
      });
    const r = compareWithFloatReference(lines, outputs);
    expect(r.badLengths).toEqual([]);
    expect(r.frames).toBeGreaterThan(1000);
    expect(r.agree).toBeGreaterThanOrEqual(0.98);
    expect(r.maxDiff).toBeLessThanOrEqual(0.15);
  }, 120_000);

  it('names the worker URL and what the server sent when the worker script is not JavaScript', async () => {
    const url = `${origin}/no-such-folder/browser-worker.js`;
    const error = await page.evaluate(
      (u) =>
        (
          globalThis as unknown as { consumer: { wrongWorker(u: string): Promise<string> } }
        ).consumer.wrongWorker(u),
      url,
    );
    expect(error).toMatch(/^E_WORKER_DEAD: /);
    expect(error).toContain(`the worker script ${url}: got text/html (HTTP 200)`);
    expect(error).toContain("is the dev server's SPA fallback answering?");
  }, 120_000);

  it('names the WASM glue URL and what the server sent when wasmPaths points at no file', async () => {
    const url = `${origin}/no-such-folder/glue.js`;
    const error = await page.evaluate(
      (u) =>
        (globalThis as unknown as { consumer: { wrongGlue(u: string): Promise<string> } }).consumer.wrongGlue(
          u,
        ),
      url,
    );
    expect(error).toMatch(/^E_RUNTIME: /);
    expect(error).toContain(`cannot load tfjs-tflite's WASM glue from ${url}`);
    expect(error).toContain('got text/html (HTTP 200)');
  }, 120_000);

  it('works under the Vite dev server with no configuration', async () => {
    const dev = await createViteServer({
      root: app,
      configFile: false,
      logLevel: 'warn',
      cacheDir: join(app, '.vite-dev'),
      server: { host: '127.0.0.1', port: 0 },
    });
    await dev.listen();
    const devPage = await browser.newPage();
    try {
      await devPage.goto(dev.resolvedUrls!.local[0]!);
      await devPage.waitForFunction(() => 'consumer' in globalThis);
      const some = lines.slice(0, 4);
      const outputs = await devPage.evaluate(
        (l) =>
          (
            globalThis as unknown as { consumer: { runText(l: string[]): Promise<number[][][]> } }
          ).consumer.runText(l),
        some,
      );
      const r = compareWithFloatReference(some, outputs);
      expect(r.badLengths).toEqual([]);
      expect(r.agree).toBeGreaterThanOrEqual(0.98);
      expect(r.maxDiff).toBeLessThanOrEqual(0.15);
    } finally {
      await devPage.close();
      await dev.close();
    }
  }, 180_000);
});
