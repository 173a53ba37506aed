/**
 * The main process's side of the IPC contract (`../api.ts`): every message from the renderer is
 * checked for its sender (only the widget's own page) and its shape before it reaches
 * {@link WidgetApp}. A bad message is refused with a coded error (an `invoke` rejects with it; a
 * `report` is logged) and changes nothing.
 */
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { GruStreamError } from '../../../src/index.js';
import { CHANNELS, parseListening, parseReport, parseSensor } from '../api.js';
import type { WidgetConfig } from '../api.js';
import type { WidgetApp } from './app.js';

/** The part of Electron's `ipcMain` used here. */
export interface MainIpc {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

/** The sender's frame URL, as both event kinds carry it (null once the frame is gone). */
type SenderEvent = { senderFrame: { url: string } | null };

/**
 * @param origin the widget page's origin (e.g. `widget://app`): messages from any other frame are refused
 * @param log where refused reports go (default console.error)
 */
export function registerIpc(
  ipc: MainIpc,
  app: WidgetApp,
  origin: string,
  log: (e: unknown) => void = console.error,
): void {
  const check = (event: SenderEvent, channel: string): void => {
    const url = event.senderFrame?.url ?? '';
    if (!url.startsWith(`${origin}/`)) {
      throw new GruStreamError(
        'E_ARGUMENT',
        `widget ${channel}: sender '${url}' is not the widget page (${origin}/)`,
      );
    }
  };
  ipc.handle(CHANNELS.config, (event): WidgetConfig => {
    check(event, CHANNELS.config);
    return app.config();
  });
  ipc.handle(CHANNELS.setListening, (event, on) => {
    check(event, CHANNELS.setListening);
    app.setListening(parseListening(on));
  });
  ipc.handle(CHANNELS.openAlarm, (event, sensor) => {
    check(event, CHANNELS.openAlarm);
    app.openAlarm(parseSensor(sensor));
  });
  ipc.on(CHANNELS.report, (event, report) => {
    try {
      check(event, CHANNELS.report);
      app.report(parseReport(report));
    } catch (e) {
      log(e);
    }
  });
}
