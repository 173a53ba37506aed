/**
 * The Vite configuration of the keyword-spotting PWA, as a function: `build.ts` stages the files that
 * are not bundled (engine worker, WASM, model, icons) in a folder of its own and passes it here as
 * Vite's public folder.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions } from 'vite';
import type { InlineConfig, LogLevel } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export interface KwsViteOptions {
  /** The staged folder copied as is into the app: `engine/`, `models/`, `icons/`. */
  publicDir: string;
  outDir: string;
  /** The model's URL relative to the app, e.g. `models/kws-int8-weights-b1.tflite`. */
  modelUrl: string;
  logLevel?: LogLevel;
}

/** The largest file the service worker precaches; the WASM binary is about 3.6 MB. */
const MAX_PRECACHE_BYTES = 8 * 1024 * 1024;

export function kwsViteConfig(options: KwsViteOptions): InlineConfig {
  return {
    configFile: false,
    root: fileURLToPath(new URL('.', import.meta.url)),
    // Relative URLs: the app works from any folder it is served from.
    base: './',
    publicDir: options.publicDir,
    logLevel: options.logLevel ?? 'info',
    define: { __KWS_MODEL_URL__: JSON.stringify(options.modelUrl) },
    // `gru-stream/…` imports take the TypeScript source of this checkout, not a built dist/.
    resolve: { conditions: ['gru-stream-source', ...defaultClientConditions] },
    build: { outDir: options.outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
    plugins: [
      VitePWA({
        // main.ts registers it, to show when the app is ready offline.
        injectRegister: false,
        registerType: 'autoUpdate',
        // The glob below already takes the icons; listing them twice would precache them twice.
        includeManifestIcons: false,
        manifest: {
          name: 'Keyword spotting (gru-stream)',
          short_name: 'Keywords',
          description: 'Spots spoken keywords on the device, offline: a streaming GRU in a Web Worker.',
          start_url: './',
          scope: './',
          display: 'standalone',
          orientation: 'portrait',
          background_color: '#ffffff',
          theme_color: '#1d3557',
          icons: [
            { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
            { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
            { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          ],
        },
        workbox: {
          // The app shell, the engine worker, the one WASM variant staged (SIMD) and the model with
          // its manifest: everything a reload needs with the network off. Source maps stay online.
          globPatterns: ['**/*.{html,js,css,png,svg,webmanifest,wasm,tflite,json}'],
          globIgnores: ['**/*.map'],
          maximumFileSizeToCacheInBytes: MAX_PRECACHE_BYTES,
          navigateFallback: 'index.html',
          cleanupOutdatedCaches: true,
          // A new version takes over at once; the app keeps no state in the page that this could break.
          clientsClaim: true,
          skipWaiting: true,
        },
      }),
    ],
  };
}
