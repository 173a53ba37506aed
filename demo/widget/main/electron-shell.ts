/**
 * The real {@link Shell}: Electron's frameless always-on-top window, tray icon and notifications,
 * and the `widget://app/` protocol serving the built renderer with its CSP. Thin on purpose: every
 * decision is in `app.ts`; this file only maps it onto Electron. It runs only where the Electron
 * binary exists (type-checked everywhere against `electron`'s types).
 *
 * Security (Electron's checklist): `contextIsolation`, `sandbox`, no `nodeIntegration`, the preload's
 * narrow API, a CSP on every response, no remote content (navigation and new windows refused; only
 * URLs `app.ts` builds go to the user's browser), and only the microphone granted, only to the page.
 */
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  nativeImage,
  protocol,
  session,
  shell,
} from 'electron';
import type { WebContents } from 'electron';
import { CHANNELS } from '../api.js';
import { readWidgetFile } from '../files.js';
import type { NotificationAction, Shell, TrayLevel, WidgetNotification } from './app.js';
import { trayIconBitmap } from './tray-icon.js';

export const SCHEME = 'widget';
/** The page's origin: what `registerIpc` accepts messages from. */
export const ORIGIN = `${SCHEME}://app`;

/** Must run before the app is ready: lets `widget:` behave like https (fetch, workers, secure context). */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export interface ElectronShellOptions {
  /** The built renderer folder. */
  rendererDir: string;
  /** The bundled preload (`preload.cjs`). */
  preload: string;
  brokerUrl: string;
  /** Window size in px. Default 340×460. */
  width?: number;
  height?: number;
}

/** What the tray menu and notification clicks do (set by whoever owns the WidgetApp). */
export interface ShellEvents {
  toggleListening(): void;
  notificationClicked(action: NotificationAction): void;
}

export class ElectronShell implements Shell {
  private readonly window: BrowserWindow;
  private readonly tray: Tray;
  /** Shown notifications, referenced until closed so their click handlers survive GC. */
  private readonly notes = new Set<Notification>();
  private quitting = false;
  events: ShellEvents | undefined;

  constructor(private readonly options: ElectronShellOptions) {
    this.serveRenderer();
    this.lockDown();
    this.window = new BrowserWindow({
      width: options.width ?? 340,
      height: options.height ?? 460,
      frame: false,
      alwaysOnTop: true,
      skipTaskbar: true,
      show: false,
      webPreferences: {
        preload: options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        // Listening goes on when the window is covered or hidden.
        backgroundThrottling: false,
        spellcheck: false,
        // Listening starts from the toggle, not from a click in the page.
        autoplayPolicy: 'no-user-gesture-required',
      },
    });
    this.window.once('ready-to-show', () => this.window.show());
    // Closing hides it: the widget lives on in the tray until Quit.
    this.window.on('close', (e) => {
      if (this.quitting) return;
      e.preventDefault();
      this.window.hide();
    });
    app.on('before-quit', () => (this.quitting = true));
    this.tray = new Tray(this.icon('warn'));
    void this.window.loadURL(`${ORIGIN}/index.html`);
  }

  setTray(level: TrayLevel, tooltip: string, listening: boolean): void {
    this.tray.setImage(this.icon(level));
    this.tray.setToolTip(tooltip);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        {
          label: 'Listening',
          type: 'checkbox',
          checked: listening,
          click: () => this.events?.toggleListening(),
        },
        { label: 'Show', click: () => this.showWindow() },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  }

  notify(n: WidgetNotification): void {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body });
    this.notes.add(note);
    note.on('click', () => this.events?.notificationClicked(n.action));
    note.on('close', () => this.notes.delete(note));
    note.show();
  }

  sendListening(on: boolean): void {
    this.window.webContents.send(CHANNELS.listening, on);
  }

  openExternal(url: string): void {
    shell.openExternal(url).catch((e: unknown) => console.error(`opening ${url} failed`, e));
  }

  showWindow(): void {
    this.window.show();
    this.window.focus();
  }

  private icon(level: TrayLevel): Electron.NativeImage {
    return nativeImage.createFromBitmap(trayIconBitmap(level), { width: 16, height: 16 });
  }

  /** `widget://app/<path>`: the built renderer, each file with its CSP. */
  private serveRenderer(): void {
    protocol.handle(SCHEME, async (request) => {
      const url = new URL(request.url);
      if (url.host !== 'app') return new Response('unknown host\n', { status: 404 });
      const f = await readWidgetFile(this.options.rendererDir, url.pathname, this.options.brokerUrl);
      return new Response(typeof f.body === 'string' ? f.body : new Uint8Array(f.body), {
        status: f.status,
        headers: f.headers,
      });
    });
  }

  /** No navigation, no new windows, no webviews; the microphone (audio only) for the page, nothing else. */
  private lockDown(): void {
    app.on('web-contents-created', (_e, contents: WebContents) => {
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      contents.on('will-navigate', (e, url) => {
        if (!url.startsWith(`${ORIGIN}/`)) e.preventDefault();
      });
      contents.on('will-attach-webview', (e) => e.preventDefault());
    });
    const ours = (url: string): boolean => url.startsWith(`${ORIGIN}/`);
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
      const media = details as { mediaTypes?: string[]; requestingUrl?: string };
      const audioOnly = (media.mediaTypes ?? []).every((t) => t === 'audio');
      callback(permission === 'media' && audioOnly && ours(media.requestingUrl ?? ''));
    });
    session.defaultSession.setPermissionCheckHandler(
      (_wc, permission, requestingOrigin) => permission === 'media' && requestingOrigin === ORIGIN,
    );
  }
}
