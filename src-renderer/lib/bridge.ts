/**
 * The renderer's only way out of its sandbox: the preload's `window.watchfloor` ({invoke, on, off} for the
 * contract's keys). Nothing else of Electron or Node is reachable from here.
 */
import type { WatchfloorApi } from '../../src-shared/ipc/api';

declare global {
  interface Window {
    watchfloor?: WatchfloorApi;
  }
}

/** The bridge, or null when the page was opened outside the console (then the app says so). */
export function getBridge(): WatchfloorApi | null {
  return window.watchfloor ?? null;
}
