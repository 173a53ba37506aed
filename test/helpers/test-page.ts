/**
 * A headless Chromium page that exposes a test API as `globalThis.gruTest`, and a typed caller for
 * it that attaches the page's console to any failure (a page error is otherwise only "Evaluation
 * failed"). Used by the browser tests whose page bundles are built from a `*-page.ts` module.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

export interface TestPage {
  browser: Browser;
  page: Page;
  /** Console lines and page errors, `[type] text`, in order. */
  log: string[];
}

/**
 * Bundles a page module (`entry`, a file URL) into `dir/page.js` as one classic script. The page
 * passes its worker URL itself, so the package's own asset URLs (`import.meta.url`, empty in an
 * IIFE) are never used and esbuild's warning about them is silenced.
 */
export async function buildTestPage(entry: URL, dir: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile: join(dir, 'page.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'warning',
    logOverride: { 'empty-import-meta': 'silent' },
  });
}

/** Launches Chromium, opens `url` and waits until the page has set `globalThis.gruTest`. */
export async function openTestPage(url: string): Promise<TestPage> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => 'gruTest' in globalThis);
  return { browser, page, log };
}

type Args<F> = F extends (...a: infer A) => unknown ? A : never;
type Result<F> = F extends (...a: never[]) => infer R ? Awaited<R> : never;

/** Calls `gruTest[name](...args)` on the page; a failure carries the page's log. */
export function pageCaller<Api extends object>(
  get: () => TestPage,
): <K extends keyof Api & string>(name: K, ...args: Args<Api[K]>) => Promise<Result<Api[K]>> {
  return async <K extends keyof Api & string>(name: K, ...args: Args<Api[K]>) => {
    const { page, log } = get();
    try {
      return (await page.evaluate(
        ([n, a]) => {
          const api = (globalThis as unknown as { gruTest: Record<string, (...x: unknown[]) => unknown> })
            .gruTest;
          return api[n]!(...a);
        },
        [name, args] as [string, unknown[]],
      )) as Result<Api[K]>;
    } catch (e) {
      throw new Error(`${String(e)}\npage log:\n${log.join('\n')}`);
    }
  };
}
