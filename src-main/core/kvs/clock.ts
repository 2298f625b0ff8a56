import { IpcFailure } from '../../../src-shared/ipc/errors';

/**
 * Time as the kvs module sees it, injected so that pacing, backoff and cache expiry are testable with a
 * fake clock (test/unit/kvs/fakeClock.ts) instead of real waits.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`; rejects with IpcFailure('Cancelled') as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Optional: calls `fire` after `ms` unless the returned function ran first. Per-call timeouts use it when
   * present: unlike `sleep` with a signal, stopping it allocates no promise, abort reason or error.
   */
  timer?(ms: number, fire: () => void): () => void;
}

/** The failure every wait and call throws when its caller aborted it. */
export function cancelled(what = 'The request'): IpcFailure {
  return new IpcFailure('Cancelled', `${what} was cancelled.`);
}

/** Throws IpcFailure('Cancelled') when `signal` has already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw cancelled(what);
}

/** The real clock: Date.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelled());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(cancelled());
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  timer(ms, fire) {
    const timer = setTimeout(fire, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};
