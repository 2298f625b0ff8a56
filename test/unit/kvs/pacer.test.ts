import { describe, expect, it } from 'vitest';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import { AsyncSemaphore, ConnectPacer } from '../../../src-main/core/kvs/pacer';
import { FakeClock, settle } from './fakeClock';

/** A task for the pacer that runs `f` synchronously when started. */
function task(f: () => unknown = () => {}): () => Promise<void> {
  return () => {
    f();
    return Promise.resolve();
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Largest number of `times` inside any half-open window [t, t + windowMs). */
function maxInWindow(times: number[], windowMs: number): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
}

describe('ConnectPacer: per-channel connect attempts', () => {
  it('lets at most 3 attempts per 1.2 s through on one channel and makes the rest wait, in order', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const pacer = new ConnectPacer(clock);
    const starts: Array<{ i: number; at: number }> = [];
    const all = Array.from({ length: 10 }, (_, i) =>
      pacer.connectAttempt(
        'arn:ch1',
        task(() => starts.push({ i, at: clock.now() - t0 })),
      ),
    );
    await settle();
    expect(starts.map((s) => s.at)).toEqual([0, 0, 0]);
    await clock.advance(1_199);
    expect(starts).toHaveLength(3);
    await clock.advance(1);
    expect(starts).toHaveLength(6);
    await clock.advance(2_400);
    await Promise.all(all);
    expect(starts.map((s) => s.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(starts.map((s) => s.at)).toEqual([0, 0, 0, 1200, 1200, 1200, 2400, 2400, 2400, 3600]);
    // The service's quota is 3 per second (kvs-reference §5); the default window keeps a margin.
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        1000,
      ),
    ).toBe(3);
    expect(
      maxInWindow(
        starts.map((s) => s.at),
        1200,
      ),
    ).toBe(3);
  });

  it('does not make one channel wait for another channel that is at its limit', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock);
    const done: string[] = [];
    for (let i = 0; i < 4; i++)
      void pacer.connectAttempt(
        'a',
        task(() => done.push(`a${i}`)),
      );
    const b = pacer.connectAttempt(
      'b',
      task(() => done.push('b')),
    );
    await settle();
    await b;
    expect([...done].sort()).toEqual(['a0', 'a1', 'a2', 'b']);
    await clock.advance(1200);
    expect(done).toContain('a3');
  });

  it('an aborted waiter rejects with Cancelled and does not use up a slot of the window', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock);
    const starts: number[] = [];
    const t0 = clock.now();
    const run = (signal?: AbortSignal) =>
      pacer.connectAttempt(
        'c',
        task(() => starts.push(clock.now() - t0)),
        signal,
      );
    await Promise.all([run(), run(), run()]);
    const ac = new AbortController();
    const aborted = run(ac.signal);
    const next = run();
    await settle();
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'Cancelled' });
    await clock.advance(1200);
    await next;
    expect(starts).toEqual([0, 0, 0, 1200]);
  });

  it('gives up with Throttled after maxWaitMs instead of waiting forever', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock, { perChannel: 1, windowMs: 60_000, maxWaitMs: 5_000 });
    await pacer.connectAttempt('d', async () => {});
    const waiting = pacer.connectAttempt('d', () => Promise.resolve('ran'));
    const check = expect(waiting).rejects.toMatchObject({ code: 'Throttled' });
    await clock.advance(5_000);
    await check;
  });

  it('refuses at once when too many callers already queue on one channel', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock, { perChannel: 1, maxWaitersPerChannel: 2 });
    const gate = deferred();
    const first = pacer.connectAttempt('e', () => gate.promise);
    const queued = [pacer.connectAttempt('e', async () => {}), pacer.connectAttempt('e', async () => {})];
    await settle();
    // One waiter holds the channel lock (sleeping for the window); two more may queue behind it.
    const third = pacer.connectAttempt('e', async () => {});
    const fourth = pacer.connectAttempt('e', async () => {});
    await expect(fourth).rejects.toBeInstanceOf(IpcFailure);
    await expect(fourth).rejects.toMatchObject({ code: 'Throttled' });
    gate.resolve();
    await first;
    await clock.advance(4_000);
    await Promise.all([...queued, third]);
  });
});

describe('ConnectPacer: global concurrency cap', () => {
  it('keeps at most maxConcurrent prepare calls in flight and starts the next as one finishes', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock, { maxConcurrent: 2 });
    const gates = Array.from({ length: 5 }, () => deferred());
    let active = 0;
    let peak = 0;
    const runs = gates.map((g) =>
      pacer.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        await g.promise;
        active -= 1;
      }),
    );
    await settle();
    expect(active).toBe(2);
    expect(pacer.load).toBe(5);
    gates[0]!.resolve();
    await settle();
    expect(active).toBe(2);
    for (const g of gates) g.resolve();
    await Promise.all(runs);
    expect(peak).toBe(2);
    expect(pacer.load).toBe(0);
  });

  it('connect attempts share the same cap: a channel token alone is not enough to start', async () => {
    const clock = new FakeClock();
    const pacer = new ConnectPacer(clock, { maxConcurrent: 1 });
    const gate = deferred();
    const blocking = pacer.run(() => gate.promise);
    let started = false;
    const attempt = pacer.connectAttempt(
      'f',
      task(() => (started = true)),
    );
    await settle();
    expect(started).toBe(false);
    gate.resolve();
    await Promise.all([blocking, attempt]);
    expect(started).toBe(true);
  });
});

describe('AsyncSemaphore', () => {
  it('releases are idempotent and waiters are served first in, first out', async () => {
    const sem = new AsyncSemaphore(1, 10);
    const release = await sem.acquire();
    const order: number[] = [];
    const a = sem.acquire().then((r) => (order.push(1), r));
    const b = sem.acquire().then((r) => (order.push(2), r));
    release();
    release();
    const ra = await a;
    expect(order).toEqual([1]);
    ra();
    (await b)();
    expect(order).toEqual([1, 2]);
    expect(sem.load).toBe(0);
  });
});
