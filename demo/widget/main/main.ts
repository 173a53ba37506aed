/**
 * The widget's Electron main process (bundled to `main.cjs` by `build.ts`; `npm run widget` starts
 * it). Wires the real shell, the widget's logic and the IPC contract together; no decisions here.
 */
import { join } from 'node:path';
import { app, ipcMain } from 'electron';
import { PRELOAD_FILE, RENDERER_DIR } from '../layout.js';
import { WidgetApp } from './app.js';
import { parseWidgetArgs } from './args.js';
import { ElectronShell, ORIGIN, registerScheme } from './electron-shell.js';
import { registerIpc } from './ipc.js';

/** How often the gateway's staleness is re-evaluated, ms. */
const TICK_MS = 1000;

async function main(): Promise<void> {
  // Electron's argv: the binary, the app folder, then ours (dev); the binary, then ours (packaged).
  const config = parseWidgetArgs(process.argv.slice(app.isPackaged ? 1 : 2));
  registerScheme();
  await app.whenReady();
  const shell = new ElectronShell({
    rendererDir: join(__dirname, RENDERER_DIR),
    preload: join(__dirname, PRELOAD_FILE),
    brokerUrl: config.brokerUrl,
  });
  const widget = new WidgetApp(shell, config);
  shell.events = {
    toggleListening: () => widget.toggleListening(),
    notificationClicked: (action) => widget.notificationClicked(action),
  };
  registerIpc(ipcMain, widget, ORIGIN);
  setInterval(() => widget.tick(), TICK_MS);
  // The tray keeps it alive with the window hidden.
  app.on('window-all-closed', () => undefined);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  app.exit(1);
});
