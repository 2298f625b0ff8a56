import { createSubscriber } from 'svelte/reactivity';

/** `document.hidden` as a reactive value (the window minimised or on another desktop). */
export class PageVisibility {
  readonly #track = createSubscriber((update) => {
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  });

  get hidden(): boolean {
    this.#track();
    return document.hidden;
  }
}
