/** The content types the demos' static servers (PWA, dashboard, widget) send, by file extension. */
import { extname } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  // Needed for WebAssembly.instantiateStreaming, which the engine's WASM loader uses.
  '.wasm': 'application/wasm',
  '.tflite': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The content type of `file` by its extension; `application/octet-stream` for any other. */
export function contentType(file: string): string {
  return TYPES[extname(file)] ?? 'application/octet-stream';
}
