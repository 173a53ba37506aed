/**
 * The dashboard's HTTP side: the built page from one folder (GET/HEAD, nothing outside it), its
 * `config.json` (where the browser finds the broker's WebSocket) and a Content-Security-Policy that
 * allows scripts and styles from the page's origin only and connections to it and to that broker.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join, normalize, resolve, sep } from 'node:path';
import { contentType } from '../content-type.js';

/**
 * @param dir the built dashboard
 * @param mqttUrl the broker's WebSocket URL as the browser must use it; undefined: this page's own host
 */
export function dashboardHandler(dir: string, mqttUrl: string | undefined): RequestListener {
  const root = resolve(dir);
  const connect = [
    "'self'",
    'ws://127.0.0.1:*',
    'ws://localhost:*',
    ...(mqttUrl ? [new URL(mqttUrl).origin] : []),
  ];
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const config = JSON.stringify(mqttUrl ? { mqttUrl } : {});
  return (req, res) => {
    serve(root, csp, config, req, res).catch((e: unknown) => {
      console.error(`dashboard: ${req.method} ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

async function serve(root: string, csp: string, config: string, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const headers = {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  };
  if (path === '/config.json') {
    res
      .writeHead(200, { ...headers, 'content-type': contentType('config.json') })
      .end(req.method === 'HEAD' ? undefined : config);
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  const info = file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
  if (info === undefined || !info.isFile()) {
    res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': contentType(file) });
  res.end(req.method === 'HEAD' ? undefined : await readFile(file));
}
