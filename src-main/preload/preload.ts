/**
 * The sandboxed preload: exposes `window.watchfloor` with `invoke` and `on/off` for the contract's keys
 * only (style.md §2). It imports nothing of ours but the key lists, so no schema code or Node API reaches
 * the renderer; main validates everything anyway.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../src-shared/ipc/names';

const invokable = new Set<string>(INVOKE_CHANNELS);
const subscribable = new Set<string>(EVENT_CHANNELS);
type Listener = (payload: unknown) => void;
const wrappers = new Map<string, Map<Listener, (event: IpcRendererEvent, payload: unknown) => void>>();

function refuse(message: string) {
  return Promise.resolve({ ok: false, error: { code: 'InvalidArgument', message, retryable: false } });
}

contextBridge.exposeInMainWorld('watchfloor', {
  invoke(channel: unknown, req: unknown): Promise<unknown> {
    if (typeof channel !== 'string' || !invokable.has(channel))
      return refuse(`Unknown IPC channel '${String(channel)}'.`);
    return ipcRenderer.invoke(channel, req);
  },
  on(event: unknown, listener: unknown): void {
    if (typeof event !== 'string' || !subscribable.has(event) || typeof listener !== 'function') {
      throw new TypeError(`Unknown event '${String(event)}' or listener is not a function.`);
    }
    const byListener =
      wrappers.get(event) ?? new Map<Listener, (event: IpcRendererEvent, payload: unknown) => void>();
    wrappers.set(event, byListener);
    if (byListener.has(listener as Listener)) return;
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => (listener as Listener)(payload);
    byListener.set(listener as Listener, wrapped);
    ipcRenderer.on(event, wrapped);
  },
  off(event: unknown, listener: unknown): void {
    if (typeof event !== 'string') return;
    const wrapped = wrappers.get(event)?.get(listener as Listener);
    if (!wrapped) return;
    wrappers.get(event)!.delete(listener as Listener);
    ipcRenderer.removeListener(event, wrapped);
  },
});
