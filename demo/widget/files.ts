/**
 * Reads one file of the built renderer for a request path, with its content type and CSP: what the
 * `widget://` protocol serves in Electron and the test server serves to Chromium. Nothing outside
 * the folder is served.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, resolve, sep } from 'node:path';
import { cspFor } from './csp.js';
import { contentType } from '../content-type.js';

export interface WidgetFile {
  status: 200 | 403 | 404;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** `pathname` as in a URL (`/`, `/assets/x.js`); `/` is `index.html`. */
export async function readWidgetFile(dir: string, pathname: string, brokerUrl: string): Promise<WidgetFile> {
  const root = resolve(dir);
  let path = decodeURIComponent(pathname);
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(root + sep)) return { status: 403, headers: {}, body: 'outside the widget\n' };
  const info = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (info === undefined || !info.isFile()) return { status: 404, headers: {}, body: 'not found\n' };
  return {
    status: 200,
    headers: {
      'content-type': contentType(file),
      'content-security-policy': cspFor(
        file
          .slice(root.length + 1)
          .split(sep)
          .join('/'),
        brokerUrl,
      ),
      'x-content-type-options': 'nosniff',
    },
    body: await readFile(file),
  };
}
