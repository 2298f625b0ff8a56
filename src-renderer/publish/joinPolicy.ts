/**
 * The producing device's retry rules for a storage session (kvs-reference §6.2, the JS sample's policy),
 * as pure functions so they are tested without a browser.
 */

/** How long to wait for the media server's offer after JoinStorageSession before joining again. */
export const OFFER_WAIT_MS = 6_000;
/** Join retries per attempt when no offer arrives. */
export const MAX_JOIN_RETRIES = 5;
/** After the offer, the peer must be connected within this long, or the station re-joins. */
export const CONNECT_WAIT_MS = 30_000;
/** Give up after this many failed connections within {@link FAILURE_WINDOW_MS}. */
export const MAX_FAILED_CONNECTIONS = 5;
export const FAILURE_WINDOW_MS = 10 * 60_000;

/**
 * Delay before join retry `n` (1-based): the 6 s offer wait plus min(rand·200^(n−1), 10 s) of jitter —
 * the first retry waits 6 s + up to 1 ms, later ones spread out to 16 s.
 */
export function joinRetryDelayMs(n: number, random: () => number): number {
  const jitter = Math.min(random() * 200 ** Math.max(0, n - 1), 10_000);
  return OFFER_WAIT_MS + jitter;
}

/** Whether a JoinStorageSession failure is worth retrying as it is (§6.2 step 6). */
export function joinRetryable(error: { code: string; message: string }): boolean {
  if (error.code === 'ClientLimitExceeded' || error.code === 'Throttled') {
    // "maximum number of viewers" is a viewer-side limit: joining again changes nothing.
    return !/maximum number of viewers/i.test(error.message);
  }
  return error.code === 'Offline';
}

/** Failed connections in the window, for the "give up after 5 within 10 minutes" rule. */
export class FailureWindow {
  private readonly failures: number[] = [];

  constructor(
    private readonly limit = MAX_FAILED_CONNECTIONS,
    private readonly windowMs = FAILURE_WINDOW_MS,
  ) {}

  /** Records a failed connection at `now`; true when the station should give up. */
  record(now: number): boolean {
    this.failures.push(now);
    while (this.failures.length > 0 && now - this.failures[0]! > this.windowMs) this.failures.shift();
    return this.failures.length >= this.limit;
  }
}

/**
 * A signaling close that means another producing device took this channel: kvs-local (and any service
 * that closes a superseded socket) closes the older master with 1000 "Replaced by a newer connection".
 * The real service may leave that socket idle instead (kvs-reference §4.2, uncertain); then the media
 * connection closing while signaling is still open is the sign (see Publisher).
 */
export function closeMeansTakeover(close: { code: number; reason: string } | null): boolean {
  return close !== null && close.code === 1000 && /newer connection|replaced/i.test(close.reason);
}
