import { createSubscriber } from 'svelte/reactivity';

/** Wall-clock time that re-reads once a second, for as long as something displays it. */
export class Ticker {
  readonly #track = createSubscriber((update) => {
    const timer = setInterval(update, 1000);
    return () => clearInterval(timer);
  });

  get now(): number {
    this.#track();
    return Date.now();
  }
}

export const ticker = new Ticker();
