/**
 * tfjs-tflite's WASM build prints `INFO: Created TensorFlow Lite XNNPACK delegate for CPU.` through
 * emscripten's `printErr` each time an interpreter is created: once per model file per worker, on the
 * user's stderr (Node) or console (browser), telling them nothing they can act on. The loaders pass
 * this filter as the module's `printErr`; every other line goes through unchanged.
 */

/** The one informational line dropped. */
export const XNNPACK_INFO_LINE = 'INFO: Created TensorFlow Lite XNNPACK delegate for CPU.';

/**
 * An emscripten `printErr` that drops {@link XNNPACK_INFO_LINE} and hands any other text to `write`.
 * @param write where the rest goes (emscripten's own default is `console.warn`)
 */
export function filteredPrintErr(write: (text: string) => void): (...args: unknown[]) => void {
  return (...args) => {
    const text = args.map(String).join(' ');
    if (text.trim() !== XNNPACK_INFO_LINE) write(text);
  };
}
