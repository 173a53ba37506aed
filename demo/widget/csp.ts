/**
 * The widget's Content-Security-Policy, sent as a header with every file (by the `widget://`
 * protocol handler in Electron, by the test's server in Chromium). The page may run only its own
 * scripts, reach only its own files and the broker; only the engine worker gets `'unsafe-eval'` and
 * `'wasm-unsafe-eval'`, which tfjs-tflite needs (TFLITE-NOTES.md). A dedicated worker loaded from a
 * URL runs under the policy of its own response, not the page's, hence one policy per file.
 */

/** The engine worker's folder in the built renderer. */
export const ENGINE_DIR = 'engine/';

/**
 * @param path the file's path in the renderer folder (`index.html`, `engine/browser-worker.js`, …)
 * @param brokerUrl the broker's `ws:`/`wss:` URL: the one other place the page may connect to
 */
export function cspFor(path: string, brokerUrl: string): string {
  const clean = path.replace(/^\/+/, '');
  if (clean.startsWith(ENGINE_DIR) && clean.endsWith('.js')) {
    return [
      "default-src 'none'",
      "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'",
      // The model, its manifest and the WASM binary.
      "connect-src 'self'",
    ].join('; ');
  }
  const broker = new URL(brokerUrl);
  return [
    "default-src 'none'",
    // Also the microphone's AudioWorklet module.
    "script-src 'self'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${broker.protocol}//${broker.host}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
