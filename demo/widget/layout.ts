/** File names in the widget's build folder, shared by `build.ts`, the main process and the packaging test. */

/** The bundled main process (electron-builder.json lists it; `package.json`'s `main`). */
export const MAIN_FILE = 'main.cjs';
/** The bundled, sandboxed preload. */
export const PRELOAD_FILE = 'preload.cjs';
/** The built renderer page's folder. */
export const RENDERER_DIR = 'renderer';
