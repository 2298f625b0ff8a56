import type { WatchfloorApi } from '../../src-shared/ipc/api';
import type { Channel, EventName, EventPayload, Req, Res } from '../../src-shared/ipc/contract';
import type { IpcError } from '../../src-shared/ipc/errors';
import { IpcCallError } from './notices.svelte';

// Calls that reach AWS: one answering means the service is reachable again. The catalog's own calls
// (search, groups, layouts, settings) answer from SQLite and say nothing about the network.
const NETWORK: ReadonlySet<Channel> = new Set<Channel>([
  'profiles:select',
  'catalog:sync',
  'kvs:prepareViewer',
  'kvs:signConnectUrl',
  'storage:describe',
  'storage:update',
  'storage:listStreams',
  'storage:createStream',
  'storage:joinAsViewer',
]);

/**
 * The renderer's typed client of the IPC table. `call` throws {@link IpcCallError} on `{ok:false}` so that
 * callers handle (or report) every failure; `offline` turns true when any call answers `Offline` and false
 * again when a network call succeeds.
 */
export class Ipc {
  offline = $state(false);
  readonly api: WatchfloorApi;

  constructor(api: WatchfloorApi) {
    this.api = api;
  }

  async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    const reply = await this.api.invoke(channel, req);
    if (reply.ok) {
      if (NETWORK.has(channel)) this.offline = false;
      return reply.value;
    }
    this.noteError(reply.error);
    throw new IpcCallError(reply.error);
  }

  /** Errors that reach the renderer outside a call (sync progress, a session's failure). */
  noteError(error: Pick<IpcError, 'code'>): void {
    if (error.code === 'Offline') this.offline = true;
  }

  /**
   * The bridge as the viewer sessions get it: the same calls, but their answers move the offline badge
   * too (a tile's prepare/sign answering Offline is the first sign of a lost network).
   */
  observed(): WatchfloorApi {
    const { api } = this;
    return {
      invoke: async (channel, req) => {
        const reply = await api.invoke(channel, req);
        if (!reply.ok) this.noteError(reply.error);
        else if (NETWORK.has(channel)) this.offline = false;
        return reply;
      },
      on: (event, listener) => api.on(event, listener),
      off: (event, listener) => api.off(event, listener),
    };
  }

  /** Subscribes to a main-process event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.api.on(event, listener);
    return () => this.api.off(event, listener);
  }
}
