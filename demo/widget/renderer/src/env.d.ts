/// <reference types="vite/client" />
import type { WidgetApi } from '../../api.js';

declare global {
  /** The keyword model's URL relative to the page (`models/<file>.tflite`), set by `build.ts`. */
  const __WIDGET_MODEL_URL__: string;
  interface Window {
    /** Exposed by the preload (`../../preload.ts`). */
    widget: WidgetApi;
  }
}
