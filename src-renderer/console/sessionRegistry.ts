import { SessionView } from '../tile/sessionView.svelte';
import type { ViewerSession } from '../viewer/types';

/** Builds one tile's session (the viewer module's `createViewerSession`, or a fake in tests). */
export type SessionFactory = (init: { tileId: string; channelArn: string }) => ViewerSession;

/**
 * Every open viewer connection, keyed by tileId, outside any component: re-laying or re-sorting the wall
 * remounts components but never drops a stream. A tile whose channel changes closes its old session first.
 */
export class SessionRegistry {
  readonly #factory: SessionFactory;
  readonly #onError: (tileId: string, error: unknown) => void;
  readonly #views = new Map<string, SessionView>();
  /** Called before a session closes (talk-back ends its burst on it). */
  onRelease: (tileId: string) => void = () => {};

  constructor(factory: SessionFactory, onError: (tileId: string, error: unknown) => void) {
    this.#factory = factory;
    this.#onError = onError;
  }

  /** The tile's session for `channelArn`, opening it (and closing one for another channel) as needed. */
  ensure(tileId: string, channelArn: string): SessionView {
    const current = this.#views.get(tileId);
    if (current?.channelArn === channelArn) return current;
    if (current) this.release(tileId);
    const view = new SessionView(this.#factory({ tileId, channelArn }));
    this.#views.set(tileId, view);
    view.session.start().catch((error: unknown) => this.#onError(tileId, error));
    return view;
  }

  get(tileId: string): SessionView | undefined {
    return this.#views.get(tileId);
  }

  /** Closes the tile's session, if it has one. */
  release(tileId: string): void {
    const view = this.#views.get(tileId);
    if (!view) return;
    this.#views.delete(tileId);
    this.onRelease(tileId);
    view.session.close().catch((error: unknown) => this.#onError(tileId, error));
  }

  closeAll(): void {
    for (const tileId of [...this.#views.keys()]) this.release(tileId);
  }

  get size(): number {
    return this.#views.size;
  }
}
