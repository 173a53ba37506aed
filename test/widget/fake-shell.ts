/** A {@link Shell} that records every call, for the widget's logic tests. */
import type { NotificationAction, Shell, TrayLevel, WidgetNotification } from '../../demo/widget/main/app.js';

export class FakeShell implements Shell {
  readonly trays: { level: TrayLevel; tooltip: string; listening: boolean }[] = [];
  readonly notifications: WidgetNotification[] = [];
  readonly listening: boolean[] = [];
  readonly opened: string[] = [];
  shown = 0;

  setTray(level: TrayLevel, tooltip: string, listening: boolean): void {
    this.trays.push({ level, tooltip, listening });
  }
  notify(n: WidgetNotification): void {
    this.notifications.push(n);
  }
  sendListening(on: boolean): void {
    this.listening.push(on);
  }
  openExternal(url: string): void {
    this.opened.push(url);
  }
  showWindow(): void {
    this.shown++;
  }
  get tray(): { level: TrayLevel; tooltip: string; listening: boolean } {
    return this.trays.at(-1)!;
  }
  actions(): NotificationAction[] {
    return this.notifications.map((n) => n.action);
  }
}
