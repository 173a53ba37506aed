/**
 * The demo's static server on a loopback port: malformed paths are a 400 without a logged stack,
 * and every response carries the security headers (CSP, nosniff, COOP/COEP, Referrer-Policy).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStaticServer, listen, SECURITY_HEADERS } from '../../demo/kws/serve.js';

let dir: string;
let origin: string;
let close: () => Promise<void>;

/** A raw GET (fetch would normalise the path), resolving with status and headers. */
function get(path: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const server = createStaticServer(dir);
  origin = (await listen(server, 0, '127.0.0.1')).replace(/\/$/, '');
  close = () => new Promise((r) => server.close(() => r()));
});
afterAll(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

describe('demo server', () => {
  it.each(['/%00', '/index.html%00.js', '/%E0%A4%A', '/%'])(
    'answers %s with 400 and logs nothing',
    async (p) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const res = await get(p);
        expect(res.status).toBe(400);
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
      }
    },
  );

  it('sends the security headers with every response, 200 and 404 alike', async () => {
    for (const [path, status] of [
      ['/', 200],
      ['/missing.js', 404],
    ] as const) {
      const res = await get(path);
      expect(res.status).toBe(status);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers[name]).toBe(value);
    }
    expect(SECURITY_HEADERS['content-security-policy']).toContain("'wasm-unsafe-eval'");
  });
});
