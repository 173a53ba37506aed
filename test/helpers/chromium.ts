/**
 * What every headless-Chromium test and benchmark here shares: where Chromium is, the flags it needs
 * on this closed-network machine, and a static server for one page plus folders, on 127.0.0.1 only.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { basename, extname, join } from 'node:path';

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Root-safe headless flags; without the background-networking ones Chromium keeps dialling out. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * {@link CHROMIUM_ARGS} plus a fake microphone that needs no permission prompt or user gesture;
 * with `wav` it plays that file (looped) instead of Chromium's beep.
 */
export function fakeMicArgs(wav?: string): string[] {
  return [
    ...CHROMIUM_ARGS,
    '--autoplay-policy=no-user-gesture-required',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    ...(wav !== undefined ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
  ];
}

/** Fails (never skips) when Chromium is missing: CI installs it, and a skip would hide a broken path. */
export function requireChromium(what: string): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH. ` +
        `${what} does not skip without it.`,
    );
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.tflite': 'application/octet-stream',
};

/**
 * Serves `/` (an HTML page that loads `/page.js`), `/page.js` from `pageDir`, and files of `routes`
 * (URL prefix → folder, flat); everything else is 404. Listens on 127.0.0.1, a random port.
 */
export function servePage(title: string, pageDir: string, routes: Record<string, string>): Promise<Server> {
  const s = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html']! });
      res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title><script src="/page.js"></script>`);
      return;
    }
    let file: string | undefined;
    if (path === '/page.js') file = join(pageDir, 'page.js');
    for (const [prefix, folder] of Object.entries(routes)) {
      if (path.startsWith(prefix)) file = join(folder, basename(path));
    }
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
