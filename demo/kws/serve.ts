/**
 * `npm run demo` (after `npm run build:demo`): serves the built PWA from `dist/demo/kws/` with a small
 * static server and prints its URL.
 *
 * Environment: `PORT` (default 5173), `HOST` (default 127.0.0.1; `0.0.0.0` for phones on the LAN),
 * `TLS_CERT` + `TLS_KEY` (PEM files) to serve HTTPS, which a phone needs for the microphone unless it
 * reaches the app as `localhost` (e.g. through `adb reverse`).
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contentType } from '../content-type.js';

/**
 * Sent with every response. The CSP allows what the app needs and nothing more: its own scripts,
 * workers and WASM; 'unsafe-eval' and 'wasm-unsafe-eval' because tfjs-tflite's Emscripten glue
 * compiles code at run time. COOP same-origin keeps other windows out of the page's browsing
 * context group. No COEP: `require-corp` (or `credentialless`) makes the page cross-origin isolated,
 * and tfjs-tflite then picks its multi-threaded WASM build, which the PWA does not ship; loading the
 * model fails ("Cannot read properties of undefined (reading '_malloc')", seen in test/pwa). Set
 * COEP once the threaded build is bundled.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; worker-src 'self' blob:; " +
    "connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; media-src 'self' blob:; " +
    "object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
});

export interface TlsFiles {
  cert: string;
  key: string;
}

/** A server for the files under `dir` (GET and HEAD only; nothing outside `dir`). */
export function createStaticServer(dir: string, tls?: TlsFiles): Server {
  const root = resolve(dir);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    serveFile(root, req, res).then(undefined, (e: unknown) => {
      console.error(`${req.method} ${req.url}:`, e);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  if (tls === undefined) return createHttpServer(handler);
  return createHttpsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, handler);
}

async function serveFile(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    path = '\0'; // malformed %-encoding: refused below like a NUL
  }
  // A NUL (%00) or a malformed escape is a client error, not a server fault: 400 without a stack.
  if (path.includes('\0')) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed path\n');
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (info === undefined || !info.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': contentType(file),
    'content-length': info.size,
    // Hashed bundles never change; everything else is checked each time, so a rebuild shows at once
    // (the service worker, not the HTTP cache, is what makes the app work offline).
    'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.end(await readFile(file));
}

/**
 * Starts listening; resolves with the server's URL.
 * @throws Error with a clear message when the port is taken
 */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        reject(
          new Error(
            `port ${port} on ${host} is already in use: stop what runs there, or set PORT=<another port>`,
          ),
        );
      } else {
        reject(e);
      }
    });
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      const scheme = server instanceof HttpsServer ? 'https' : 'http';
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolvePromise(`${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${actual}/`);
    });
  });
}

/** The machine's LAN addresses, to open the app from a phone on the same network. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

async function main(): Promise<void> {
  const dir = fileURLToPath(new URL('../../dist/demo/kws/', import.meta.url));
  await stat(join(dir, 'index.html')).catch(() => {
    throw new Error(`${dir} has no built app: run 'npm run build:demo' first ('npm run demo' does both)`);
  });
  const port = Number(process.env.PORT ?? 5173);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT: expected an integer 0…65535, got '${process.env.PORT}'`);
  }
  const host = process.env.HOST ?? '127.0.0.1';
  const { TLS_CERT: cert, TLS_KEY: key } = process.env;
  if ((cert === undefined) !== (key === undefined)) throw new Error('TLS_CERT and TLS_KEY go together');
  const server = createStaticServer(dir, cert !== undefined && key !== undefined ? { cert, key } : undefined);
  const url = await listen(server, port, host);
  console.log(`keyword-spotting PWA: ${url}`);
  if (host === '0.0.0.0') {
    const scheme = url.split(':')[0];
    for (const a of lanAddresses()) console.log(`  on the LAN: ${scheme}://${a}:${new URL(url).port}/`);
    if (scheme === 'http') {
      console.log('  phones allow the microphone only over HTTPS or on localhost: see the README');
    }
  }
  console.log('Ctrl-C stops it.');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
