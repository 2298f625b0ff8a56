import { createSubscriber } from 'svelte/reactivity';
import type { ViewerSession, ViewerSnapshot } from '../viewer/types';

/**
 * A reactive window onto one {@link ViewerSession}: reading `snapshot` or `stream` in a template or a
 * `$derived` subscribes to the session for as long as something reads it (createSubscriber), and the
 * session object itself stays plain TypeScript that knows nothing of Svelte.
 */
export class SessionView {
  readonly session: ViewerSession;
  readonly #track: () => void;

  constructor(session: ViewerSession) {
    this.session = session;
    this.#track = createSubscriber((update) =>
      session.subscribe((event) => {
        // Every change arrives as a 'snapshot' or 'stream' event; a transition is followed by its snapshot.
        if (event.type !== 'transition') update();
      }),
    );
  }

  get tileId(): string {
    return this.session.tileId;
  }

  get channelArn(): string {
    return this.session.channelArn;
  }

  /** The session's current snapshot (a new object after every change). */
  get snapshot(): ViewerSnapshot {
    this.#track();
    return this.session.snapshot();
  }

  get stream(): MediaStream | null {
    this.#track();
    return this.session.stream();
  }
}
