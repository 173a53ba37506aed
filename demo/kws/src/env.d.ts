/// <reference types="vite/client" />

/** The model's URL relative to the app (`models/<file>.tflite`), set at build time by `build.ts`. */
declare const __KWS_MODEL_URL__: string;
