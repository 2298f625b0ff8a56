/**
 * The one file that touches `ipcMain` (style.md §1–2): every contract channel is handled by the core's
 * router, which checks the sender, parses the request and wraps the reply. Nothing else registers IPC.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CHANNELS, type EventName } from '../../src-shared/ipc/contract';
import type { IpcRouter, Sender } from '../core/ipc';

function senderOf(event: IpcMainInvokeEvent): Sender {
  const frame = event.senderFrame;
  return { url: frame?.url ?? '', isTopFrame: frame !== null && frame === event.sender.mainFrame };
}

export function registerIpc(router: IpcRouter): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, payload: unknown) => router.handle(channel, senderOf(event), payload));
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends a (router-validated) event to one window's renderer. */
export function sendEvent(contents: WebContents, name: EventName, payload: unknown): void {
  if (!contents.isDestroyed()) contents.send(name, payload);
}
