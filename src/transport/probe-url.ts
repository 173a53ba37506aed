/**
 * Says what a URL serves, for the error when a worker script or WASM file fails to load: browsers
 * report only "script failed to load" or a SyntaxError, never which URL or what came back.
 */

/**
 * Fetches `url` once and describes the answer, e.g. `got text/html (HTTP 200) — is the dev
 * server's SPA fallback answering?` or `got HTTP 404`. Never rejects.
 * @param expected content-type prefix the file should have, e.g. 'text/javascript' or 'application/wasm'
 */
export async function probeUrl(url: string, expected: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    return `fetching it failed too (${(e as Error).message})`;
  }
  // Only the headers are needed; do not download a large file twice.
  void response.body?.cancel();
  const type = (response.headers.get('content-type') ?? 'no content-type').split(';')[0]!.trim();
  if (!response.ok) return `got HTTP ${response.status} (${type})`;
  if (type === 'text/html') {
    return `got text/html (HTTP ${response.status}) — is the dev server's SPA fallback answering?`;
  }
  const looksRight =
    type.startsWith(expected) || (expected === 'text/javascript' && type === 'application/javascript');
  return looksRight
    ? `it is served as ${type} (HTTP ${response.status}), so it loaded but failed while starting`
    : `got ${type} (HTTP ${response.status}), expected ${expected}`;
}
