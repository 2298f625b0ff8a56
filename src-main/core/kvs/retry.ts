import type { IpcFailure } from '../../../src-shared/ipc/errors';
import type { Logger } from '../types';
import { cancelled, throwIfAborted, type Clock } from './clock';
import { isTransient, toIpcFailure, type ErrorContext } from './errors';

/**
 * One place that runs a KVS call: per-attempt timeout, the caller's AbortSignal, error mapping, and the
 * retries the rules allow. The SDK clients are built with `maxAttempts: 1` (clients.ts) so that these
 * are the only retries — otherwise the SDK's own retry strategy would multiply them.
 */

/** How often and after what delay a transient failure is tried again. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `maxRetries + 1` calls). */
  maxRetries: number;
  /** Delay before retry `n` (1-based); `random` is in [0, 1). */
  delayMs(n: number, random: () => number): number;
}

/** Control plane and signaling HTTPS: exponential backoff with jitter, about 3 s in all at most. */
export const CONTROL_RETRY: RetryPolicy = {
  maxRetries: 4,
  delayMs: (n, random) => Math.min(2_000, 150 * 2 ** (n - 1)) * (0.5 + random() / 2),
};

/** Catalog sync runs in the background and can wait longer for throttling to pass. */
export const SYNC_RETRY: RetryPolicy = {
  maxRetries: 6,
  delayMs: (n, random) => Math.min(5_000, 250 * 2 ** (n - 1)) * (0.5 + random() / 2),
};

/**
 * JoinStorageSession[AsViewer], as the JS sample does it (kvs-reference §6.2 step 6):
 * `min(rand·200^(n−1), 10 s)`, at most 5 retries.
 */
export const STORAGE_RETRY: RetryPolicy = {
  maxRetries: 5,
  delayMs: (n, random) => Math.min(random() * 200 ** (n - 1), 10_000),
};

/** Clock (waits, timeouts), jitter source and log of the call runner. */
export interface CallDeps {
  clock: Clock;
  random: () => number;
  log: Logger;
}

/** One KVS call: its name (for messages), timeout, retry policy and the caller's signal. */
export interface CallSpec extends ErrorContext {
  operation: string;
  /** Per-attempt timeout (§6.2: 6 s for the storage calls). */
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-transient error, or the policy's retries run out;
 * only throttling (ClientLimitExceeded that is not "maximum number of viewers"), network/timeouts and
 * 5xx are retried (errors.ts `isTransient`). Always throws an IpcFailure.
 */
export async function callKvs<T>(
  deps: CallDeps,
  spec: CallSpec,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let n = 0; n <= spec.retry.maxRetries; n++) {
    throwIfAborted(spec.signal, spec.operation);
    try {
      return await once(deps, spec, attempt);
    } catch (err) {
      const failure = err as IpcFailure;
      if (!isTransient(failure) || n >= spec.retry.maxRetries) throw failure;
      const delay = spec.retry.delayMs(n + 1, deps.random);
      deps.log.warn('kvs: retrying after a transient failure', {
        operation: spec.operation,
        channelArn: spec.channelArn,
        code: failure.code,
        retry: n + 1,
        delayMs: Math.round(delay),
      });
      await deps.clock.sleep(delay, spec.signal);
    }
  }
  // Unreachable: the last iteration either returns or throws.
  throw cancelled(spec.operation);
}

/** The abort reason of our own per-call timeout (one object: a timeout allocates no DOMException). */
const TIMED_OUT = Object.freeze({ name: 'TimeoutError', message: 'The per-call timeout passed.' });

/** Starts the per-call timer: the clock's cheap `timer` when it has one, else `sleep` with a signal. */
function startTimer(clock: Clock, ms: number, fire: () => void): () => void {
  if (clock.timer) return clock.timer(ms, fire);
  const stop = new AbortController();
  clock.sleep(ms, stop.signal).then(fire, () => {});
  return () => stop.abort();
}

/**
 * One attempt, settled by whichever comes first: the attempt, the per-call timeout, or the caller's signal.
 * The attempt's signal is aborted on timeout/cancel so the SDK frees its socket; an attempt that ignores it
 * (the bulk clients, see clients.ts) is simply abandoned and ends in its handler's own socket timeout.
 * Nothing is allocated per call beyond the promise and one AbortController (no AbortSignal.any, no abort
 * reason or error unless the call really times out or is cancelled) — this runs 10,000 times in a sync.
 */
function once<T>(deps: CallDeps, spec: CallSpec, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const outer = spec.signal;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      stopTimer();
      outer?.removeEventListener('abort', onAbort);
      return true;
    };
    const context = (timedOut: boolean) => ({
      operation: spec.operation,
      channelArn: spec.channelArn,
      profileId: spec.profileId,
      timedOutAfterMs: timedOut ? spec.timeoutMs : undefined,
    });
    const onAbort = (): void => {
      if (!settle()) return;
      controller.abort(outer?.reason);
      reject(cancelled(spec.operation));
    };
    const stopTimer = startTimer(deps.clock, spec.timeoutMs, () => {
      if (!settle()) return;
      controller.abort(TIMED_OUT);
      reject(toIpcFailure(new Error(TIMED_OUT.message), context(true)));
    });
    outer?.addEventListener('abort', onAbort, { once: true });
    // An attempt that throws synchronously fails like one that rejects.
    new Promise<T>((run) => run(attempt(controller.signal))).then(
      (value) => {
        if (settle()) resolve(value);
      },
      (err: unknown) => {
        if (!settle()) return;
        reject(outer?.aborted ? cancelled(spec.operation) : toIpcFailure(err, context(false)));
      },
    );
  });
}
