/** A {@link Shell} that records every call, for the widget's logic tests. */
import type { NotificationAction, Shell, TrayLevel, WidgetNotification } from '../../demo/widget/main/app.js';

export class FakeShell implements Shell {
  readonly trays: { level: TrayLevel; tooltip: string; listening: boolean }[] = [];
  readonly notifications: WidgetNotification[] = [];
  readonly listening: boolean[] = [];
  readonly opened: string[] = [];
  shown = 0;
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  /** Resolves once `check()` holds (checked now and after every call); bounded by the test's timeout. */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  private changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  setTray(level: TrayLevel, tooltip: string, listening: boolean): void {
    this.trays.push({ level, tooltip, listening });
    this.changed();
  }
  notify(n: WidgetNotification): void {
    this.notifications.push(n);
    this.changed();
  }
  sendListening(on: boolean): void {
    this.listening.push(on);
    this.changed();
  }
  openExternal(url: string): void {
    this.opened.push(url);
    this.changed();
  }
  showWindow(): void {
    this.shown++;
    this.changed();
  }
  get tray(): { level: TrayLevel; tooltip: string; listening: boolean } {
    return this.trays.at(-1)!;
  }
  actions(): NotificationAction[] {
    return this.notifications.map((n) => n.action);
  }
}
