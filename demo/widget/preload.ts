/**
 * The widget window's preload (sandboxed: bundled into one CommonJS file by `build.ts`, with only
 * `electron` left external). It exposes {@link createWidgetApi}'s object as `window.widget` and
 * nothing else: no `ipcRenderer`, no Node.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createWidgetApi } from './preload-api.js';

contextBridge.exposeInMainWorld('widget', createWidgetApi(ipcRenderer));
