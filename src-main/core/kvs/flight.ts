import { cancelled } from './clock';

/**
 * Single-flight: concurrent callers for one key share one promise (ten tiles on one channel make one
 * GetSignalingChannelEndpoint call, not ten — §5 quotas are per channel). The shared work runs without
 * any one caller's signal; each caller stops waiting when its own signal aborts.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let shared = this.inflight.get(key);
    if (!shared) {
      shared = work().finally(() => {
        if (this.inflight.get(key) === shared) this.inflight.delete(key);
      });
      this.inflight.set(key, shared);
    }
    return raceAbort(shared, signal);
  }

  /** Forgets in-flight work under `prefix`, so the next caller starts afresh (after an invalidation). */
  forget(prefix: string): void {
    for (const key of [...this.inflight.keys()]) if (key.startsWith(prefix)) this.inflight.delete(key);
  }
}

/** Resolves like `promise` unless `signal` aborts first (then rejects with IpcFailure('Cancelled')). */
export function raceAbort<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
