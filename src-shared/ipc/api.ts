import type { Channel, EventName, EventPayload, Req, Res } from './contract';
import type { IpcResult } from './errors';

/**
 * What the preload exposes as `window.watchfloor`: typed `invoke` for the contract's channels and
 * `on/off` for its events — nothing else of Electron or Node.
 */
export interface WatchfloorApi {
  invoke<C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void;
  off<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void;
}
