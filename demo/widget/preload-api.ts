/**
 * The object the preload exposes as `window.widget`, built over the renderer's IPC. Kept apart from
 * `preload.ts` (which only hands Electron's `ipcRenderer` to it) so the contract is tested without
 * Electron, and the renderer's browser test runs this very code in the page.
 *
 * Narrow on purpose: fixed channels, arguments checked here before they leave the page, main's
 * messages checked before they reach it, and the IPC event object (which carries `sender`) never
 * handed to page code.
 */
import { CHANNELS, parseConfig, parseListening, parseReport, parseSensor } from './api.js';
import type { WidgetApi } from './api.js';

/** The part of Electron's `ipcRenderer` used here. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createWidgetApi(ipc: RendererIpc): WidgetApi {
  return {
    config: async () => parseConfig(await ipc.invoke(CHANNELS.config)),
    setListening: async (on) => {
      await ipc.invoke(CHANNELS.setListening, parseListening(on));
    },
    report: (report) => ipc.send(CHANNELS.report, parseReport(report)),
    openAlarm: async (sensor) => {
      await ipc.invoke(CHANNELS.openAlarm, parseSensor(sensor));
    },
    onListening: (listener) => {
      if (typeof listener !== 'function') throw new TypeError('widget onListening: expected a function');
      const relay = (_event: unknown, on: unknown): void => {
        try {
          listener(parseListening(on));
        } catch (e) {
          // A malformed message from main is a bug there: say so, and keep the page's state as it is.
          console.error(e);
        }
      };
      ipc.on(CHANNELS.listening, relay);
      return () => void ipc.removeListener(CHANNELS.listening, relay);
    },
  };
}
