/** Electron's ipcMain as a test plays it: keeps the handlers and calls them as the page would. */
import type { IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import type { MainIpc } from '../../demo/widget/main/ipc.js';

export class FakeMainIpc implements MainIpc {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  readonly listeners = new Map<string, (event: IpcMainEvent, ...args: unknown[]) => void>();
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    this.handlers.set(channel, listener);
  }
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): this {
    this.listeners.set(channel, listener);
    return this;
  }
  /** `ipcRenderer.invoke` from a frame at `from`. */
  invoke(from: string, channel: string, ...args: unknown[]): unknown {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for '${channel}'`);
    return handler({ senderFrame: { url: from } } as IpcMainInvokeEvent, ...args);
  }
  /** `ipcRenderer.send` from a frame at `from`. */
  send(from: string, channel: string, ...args: unknown[]): void {
    const listener = this.listeners.get(channel);
    if (listener === undefined) throw new Error(`no listener for '${channel}'`);
    listener({ senderFrame: { url: from } } as IpcMainEvent, ...args);
  }
}
