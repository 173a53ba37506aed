/**
 * What this browser lacks for the app, checked before anything starts, so an old or locked-down
 * browser gets one clear sentence rather than a stack trace.
 */

/** A module using a WASM SIMD instruction: tfjs-tflite's SIMD build is the only one the app ships. */
const WASM_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98,
  11,
]);

/** Names of the missing features the app cannot work without (empty when all are there). */
export function missingFeatures(): string[] {
  const missing: string[] = [];
  if (!window.isSecureContext) missing.push('a secure page (open it over HTTPS or on localhost)');
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function') missing.push('microphone access');
  if (typeof AudioWorkletNode === 'undefined') missing.push('AudioWorklet');
  if (typeof Worker === 'undefined') missing.push('Web Workers');
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(WASM_SIMD_PROBE)) {
    missing.push('WebAssembly SIMD');
  }
  return missing;
}
