import { ClientLimitExceededException } from '@aws-sdk/client-kinesis-video';
import { describe, expect, it } from 'vitest';
import { CONTROL_RETRY, STORAGE_RETRY, callKvs, type CallSpec } from '../../../src-main/core/kvs/retry';
import { FakeClock } from './fakeClock';

/** Stands in for the network round trip of a real call. */
const roundTrip = () => new Promise<void>((r) => setImmediate(r));

const silent = { info() {}, warn() {}, error() {} };
const throttle = () =>
  new ClientLimitExceededException({ message: 'Try making the call later.', $metadata: {} });
const maxViewers = () =>
  new ClientLimitExceededException({
    message: 'The storage session has reached the maximum number of viewers connected to the session.',
    $metadata: {},
  });

function spec(extra: Partial<CallSpec> = {}): CallSpec {
  return { operation: 'JoinStorageSessionAsViewer', timeoutMs: 6_000, retry: STORAGE_RETRY, ...extra };
}

/** Runs `p` while advancing the fake clock in steps until it settles (bounded). */
async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 200 && !settled; i++) await clock.advance(1_000);
  return p;
}

describe('STORAGE_RETRY (kvs-reference §6.2)', () => {
  it('waits min(rand·200^(n−1), 10 s) before retry n', () => {
    expect(STORAGE_RETRY.maxRetries).toBe(5);
    expect(STORAGE_RETRY.delayMs(1, () => 0.5)).toBeCloseTo(0.5);
    expect(STORAGE_RETRY.delayMs(2, () => 0.5)).toBe(100);
    expect(STORAGE_RETRY.delayMs(3, () => 0.5)).toBe(10_000);
    expect(STORAGE_RETRY.delayMs(5, () => 0.999)).toBe(10_000);
  });
});

describe('callKvs', () => {
  it('retries throttling until the retries run out, then surfaces Throttled', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = callKvs({ clock, random: () => 0.5, log: silent }, spec(), async () => {
      await roundTrip();
      calls += 1;
      throw throttle();
    });
    await expect(drive(clock, p)).rejects.toMatchObject({ code: 'Throttled' });
    expect(calls).toBe(STORAGE_RETRY.maxRetries + 1);
  });

  it('succeeds when a retry succeeds', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = callKvs({ clock, random: () => 0.5, log: silent }, spec({ retry: CONTROL_RETRY }), async () => {
      await roundTrip();
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return 'ok';
    });
    await expect(drive(clock, p)).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries "maximum number of viewers" (ClientLimitExceeded) nor AccessDenied', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = callKvs({ clock, random: () => 0.5, log: silent }, spec(), async () => {
      await roundTrip();
      calls += 1;
      throw maxViewers();
    });
    await expect(p).rejects.toMatchObject({ code: 'ClientLimitExceeded' });
    expect(calls).toBe(1);
  });

  it('abandons an attempt after the per-call timeout (Offline) and retries it', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const p = callKvs(
      { clock, random: () => 0, log: silent },
      spec({ retry: { maxRetries: 1, delayMs: () => 0 } }),
      (signal) =>
        new Promise((_, reject) => {
          calls += 1;
          signal.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    );
    const outcome = p.then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    await clock.advance(6_000);
    await clock.advance(6_000);
    const err = await outcome;
    expect(err).toMatchObject({ code: 'Offline' });
    expect(err.message).toMatch(/6 s/);
    expect(calls).toBe(2);
  });

  it("stops at once with Cancelled when the caller's signal aborts, even during a backoff wait", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    let calls = 0;
    const p = callKvs({ clock, random: () => 0.5, log: silent }, spec({ signal: ac.signal }), async () => {
      await roundTrip();
      calls += 1;
      throw throttle();
    });
    const check = expect(p).rejects.toMatchObject({ code: 'Cancelled' });
    await clock.advance(0);
    ac.abort();
    await check;
    expect(calls).toBe(1);
  });
});
