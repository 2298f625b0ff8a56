import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { IpcFailure } from '../../../src-shared/ipc/errors';

/** Timing of {@link RefreshingCredentials}; defaults suit AWS's hour-long sessions. */
export interface RefreshTiming {
  /** Refresh this long before `expiration` (default 5 min). */
  earlyMs?: number;
  /** Plus up to this much, at random, so profiles and windows do not refresh in lockstep (default 60 s). */
  jitterMs?: number;
  /** While a refresh fails but the credentials in hand are still valid, try again this often (default 30 s). */
  retryMs?: number;
  /** Refresh on a timer as well as on demand, so an idle console notices an expiry (default true). */
  background?: boolean;
  now?: () => number;
  random?: () => number;
}

export interface RefreshHooks {
  /** Fetches credentials from their source (an SDK provider, the sealed keys, kvs-local). */
  fetch(): Promise<AwsCredentialIdentity>;
  /** Turns a fetch failure into what callers get; `hadCredentials` says whether this is an expiry. */
  fail(err: unknown, hadCredentials: boolean): IpcFailure;
  /** Called once per run of failures after a success: credentials were lost and cannot be renewed here. */
  lost(failure: IpcFailure): void;
  /** A refresh failed while the current credentials are still valid (they keep being served). */
  degraded?(err: unknown): void;
}

// setTimeout's ceiling is 2^31-1 ms; long-lived credentials re-arm the timer instead.
const MAX_TIMER_MS = 24 * 3600_000;

/**
 * A memoizing credential provider that renews temporary credentials before they expire: on demand once
 * inside the early window, and on a background timer. One fetch runs at a time. A failed refresh keeps
 * serving credentials that are still valid and retries; once they are gone it reports the loss once and
 * throws the hooks' IpcFailure (CredentialsExpired with what to do, or Offline).
 */
export class RefreshingCredentials {
  /** The provider to hand to SDK clients and to ActiveProfile. */
  readonly provider: AwsCredentialIdentityProvider = () => this.get();

  private current: AwsCredentialIdentity | undefined;
  private refreshAt = 0;
  private inflight: Promise<AwsCredentialIdentity> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private succeeded = false;
  private reported = false;
  private disposed = false;
  private readonly earlyMs: number;
  private readonly jitterMs: number;
  private readonly retryMs: number;
  private readonly background: boolean;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly hooks: RefreshHooks,
    timing: RefreshTiming = {},
  ) {
    this.earlyMs = timing.earlyMs ?? 5 * 60_000;
    this.jitterMs = timing.jitterMs ?? 60_000;
    this.retryMs = timing.retryMs ?? 30_000;
    this.background = timing.background ?? true;
    this.now = timing.now ?? Date.now;
    this.random = timing.random ?? Math.random;
  }

  /** Current credentials, refreshed first when they are inside the early window (or gone). */
  get(): Promise<AwsCredentialIdentity> {
    if (this.current && this.now() < this.refreshAt) return Promise.resolve(this.current);
    return this.refresh();
  }

  /** Forgets the credentials in hand (a service rejected them): the next call fetches anew. */
  invalidate(): void {
    this.current = undefined;
    this.refreshAt = 0;
    this.clearTimer();
  }

  /** Stops the background timer for good (profile switched or removed, app quitting). */
  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  /** When the next refresh is due (epoch ms; Infinity for credentials without an expiration). */
  get nextRefreshAt(): number {
    return this.refreshAt;
  }

  private refresh(): Promise<AwsCredentialIdentity> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<AwsCredentialIdentity> {
    let creds: AwsCredentialIdentity;
    try {
      creds = await this.hooks.fetch();
    } catch (err) {
      return this.onFailure(err);
    }
    this.current = creds;
    this.succeeded = true;
    this.reported = false;
    this.refreshAt = this.refreshTimeFor(creds);
    this.arm(this.refreshAt);
    return creds;
  }

  private onFailure(err: unknown): AwsCredentialIdentity {
    const now = this.now();
    const held = this.current;
    const expiresAt = held?.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    if (held && now < expiresAt) {
      // Still valid: keep serving them and try again soon — at the latest when they expire.
      this.refreshAt = Math.min(now + this.retryMs, expiresAt);
      this.arm(this.refreshAt);
      this.hooks.degraded?.(err);
      return held;
    }
    this.current = undefined;
    this.refreshAt = 0;
    const failure = this.hooks.fail(err, this.succeeded);
    if (this.succeeded && !this.reported && failure.code !== 'Offline') {
      this.reported = true;
      this.hooks.lost(failure);
    }
    throw failure;
  }

  private refreshTimeFor(creds: AwsCredentialIdentity): number {
    const expiresAt = creds.expiration?.getTime();
    if (expiresAt === undefined) return Number.POSITIVE_INFINITY;
    const now = this.now();
    const lead = this.earlyMs + this.random() * this.jitterMs;
    // Credentials shorter-lived than the window would otherwise be fetched again on every call.
    return expiresAt - Math.min(lead, Math.max(0, expiresAt - now) / 2);
  }

  private arm(at: number): void {
    this.clearTimer();
    if (!this.background || this.disposed || !Number.isFinite(at)) return;
    const delay = Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.disposed) return;
      if (this.now() < at && this.current) {
        this.arm(at);
        return;
      }
      // Failures are reported through the hooks; nobody awaits a background refresh.
      this.refresh().catch(() => {});
    }, delay);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
