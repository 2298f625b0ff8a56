import type { AwsCredentialIdentity } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import { RefreshingCredentials, type RefreshHooks } from '../../../src-main/core/credentials/refreshing';

const MIN = 60_000;

/** A source of numbered credentials that live `lifetimeMs`, and can be told to fail. */
function fakeSource(lifetimeMs: number | undefined) {
  const state = { calls: 0, failWith: undefined as Error | undefined };
  const fetch = vi.fn(() => {
    state.calls++;
    if (state.failWith !== undefined) return Promise.reject(state.failWith);
    const creds: AwsCredentialIdentity = {
      accessKeyId: `ASIA${state.calls}`,
      secretAccessKey: `secret-${state.calls}`,
      sessionToken: `token-${state.calls}`,
      ...(lifetimeMs === undefined ? {} : { expiration: new Date(Date.now() + lifetimeMs) }),
    };
    return Promise.resolve(creds);
  });
  return { state, fetch };
}

function hooksFor(fetch: RefreshHooks['fetch']) {
  const lost: IpcFailure[] = [];
  const degraded: unknown[] = [];
  const hooks: RefreshHooks = {
    fetch,
    fail: (err, had) =>
      (err as Error).name === 'TimeoutError'
        ? new IpcFailure('Offline', 'offline')
        : new IpcFailure(
            had ? 'CredentialsExpired' : 'CredentialsMissing',
            `lost: ${(err as Error).message}`,
          ),
    lost: (f) => lost.push(f),
    degraded: (e) => degraded.push(e),
  };
  return { hooks, lost, degraded };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2030, 0, 1) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RefreshingCredentials', () => {
  it('serves memoized credentials and refreshes them 5 min (+ jitter) before expiry, in the background', async () => {
    const { state, fetch } = fakeSource(60 * MIN);
    const { hooks } = hooksFor(fetch);
    const rc = new RefreshingCredentials(hooks, { random: () => 0.5 });
    const first = await rc.provider();
    expect(first.accessKeyId).toBe('ASIA1');
    expect(await rc.provider()).toBe(first);
    // 5 min early + 0.5 × 60 s jitter.
    expect(rc.nextRefreshAt).toBe(first.expiration!.getTime() - 5 * MIN - 30_000);

    await vi.advanceTimersByTimeAsync(60 * MIN - 5 * MIN - 30_001);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2);
    // Refreshed by the timer, before the old credentials expired, with nobody asking.
    expect(state.calls).toBe(2);
    expect(Date.now()).toBeLessThan(first.expiration!.getTime());
    expect((await rc.provider()).accessKeyId).toBe('ASIA2');
    rc.dispose();
  });

  it('runs one fetch for concurrent callers', async () => {
    const { state, fetch } = fakeSource(60 * MIN);
    const rc = new RefreshingCredentials(hooksFor(fetch).hooks, { background: false });
    const all = await Promise.all([rc.provider(), rc.provider(), rc.provider()]);
    expect(state.calls).toBe(1);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
  });

  it('does not re-fetch on every call when the credentials live shorter than the early window', async () => {
    const { state, fetch } = fakeSource(2 * MIN);
    const rc = new RefreshingCredentials(hooksFor(fetch).hooks, { background: false, random: () => 0 });
    await rc.provider();
    await rc.provider();
    expect(state.calls).toBe(1);
    // Half the lifetime instead of 5 minutes.
    expect(rc.nextRefreshAt - Date.now()).toBe(MIN);
  });

  it('keeps credentials without an expiration until invalidated', async () => {
    const { state, fetch } = fakeSource(undefined);
    const rc = new RefreshingCredentials(hooksFor(fetch).hooks);
    await rc.provider();
    await vi.advanceTimersByTimeAsync(48 * 3600_000);
    await rc.provider();
    expect(state.calls).toBe(1);
    rc.invalidate();
    expect((await rc.provider()).accessKeyId).toBe('ASIA2');
  });

  it('keeps serving still-valid credentials while refreshes fail, then reports the loss once', async () => {
    const { state, fetch } = fakeSource(10 * MIN);
    const { hooks, lost, degraded } = hooksFor(fetch);
    const rc = new RefreshingCredentials(hooks, { earlyMs: 5 * MIN, jitterMs: 0, retryMs: MIN });
    const first = await rc.provider();
    state.failWith = new Error('process exited with 1');

    await vi.advanceTimersByTimeAsync(5 * MIN);
    expect(state.calls).toBe(2);
    expect(degraded).toHaveLength(1);
    expect(await rc.provider()).toBe(first);
    expect(lost).toHaveLength(0);

    // Retries each minute until the credentials expire; the attempt at expiry reports the loss.
    await vi.advanceTimersByTimeAsync(5 * MIN);
    expect(state.calls).toBe(7);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.code).toBe('CredentialsExpired');
    const err = await rc.provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpcFailure);
    expect((err as IpcFailure).code).toBe('CredentialsExpired');
    // Still failing: no second report, and no background retries after the loss.
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(lost).toHaveLength(1);
    const calls = state.calls;
    await vi.advanceTimersByTimeAsync(30 * MIN);
    expect(state.calls).toBe(calls);

    // Fixed: works again, and a later loss is reported again.
    state.failWith = undefined;
    expect((await rc.provider()).accessKeyId).toMatch(/^ASIA\d+$/);
    state.failWith = new Error('again');
    await vi.advanceTimersByTimeAsync(11 * MIN);
    expect(lost).toHaveLength(2);
    rc.dispose();
  });

  it('does not report a first failure (nothing was lost) nor an offline one', async () => {
    const { state, fetch } = fakeSource(10 * MIN);
    const { hooks, lost } = hooksFor(fetch);
    const rc = new RefreshingCredentials(hooks, { jitterMs: 0 });
    state.failWith = new Error('never logged in');
    await expect(rc.provider()).rejects.toMatchObject({ code: 'CredentialsMissing' });
    expect(lost).toHaveLength(0);

    state.failWith = undefined;
    await rc.provider();
    state.failWith = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(11 * MIN);
    await expect(rc.provider()).rejects.toMatchObject({ code: 'Offline' });
    expect(lost).toHaveLength(0);
    rc.dispose();
  });

  it('stops its timer when disposed', async () => {
    const { state, fetch } = fakeSource(10 * MIN);
    const rc = new RefreshingCredentials(hooksFor(fetch).hooks);
    await rc.provider();
    rc.dispose();
    await vi.advanceTimersByTimeAsync(60 * MIN);
    expect(state.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
