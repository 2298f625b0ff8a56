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

async function once<T>(
  deps: CallDeps,
  spec: CallSpec,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = new AbortController();
  const stopTimer = new AbortController();
  deps.clock.sleep(spec.timeoutMs, stopTimer.signal).then(
    () => timeout.abort(),
    () => {},
  );
  const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
  try {
    return await attempt(signal);
  } catch (err) {
    if (spec.signal?.aborted) throw cancelled(spec.operation);
    throw toIpcFailure(err, {
      operation: spec.operation,
      channelArn: spec.channelArn,
      profileId: spec.profileId,
      timedOutAfterMs: timeout.signal.aborted ? spec.timeoutMs : undefined,
    });
  } finally {
    stopTimer.abort();
  }
}
