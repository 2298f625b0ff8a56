import { IpcFailure } from '../../../src-shared/ipc/errors';
import { cancelled, throwIfAborted, type Clock } from './clock';

/**
 * Connect pacing. ConnectAsMaster/ConnectAsViewer are limited to 3 TPS per channel (kvs-reference §5), and a
 * wall of 64 tiles reconnecting after a network blip must not stampede the service: at most `perChannel`
 * connect attempts in any `windowMs` per channel, and at most `maxConcurrent` prepare/sign calls in flight
 * overall. Callers wait (FIFO) instead of failing; waits honour an AbortSignal and a deadline.
 */

/** Limits of the ConnectPacer. */
export interface PacerOptions {
  /** Connect attempts allowed per channel in any window (§5: 3 TPS per channel). */
  perChannel: number;
  windowMs: number;
  /** prepare/sign calls in flight at once, across all channels. */
  maxConcurrent: number;
  /** Longest a caller waits for its turn before it gets Throttled. */
  maxWaitMs: number;
  /** Callers queued per channel (and, ×8, globally) before new ones are refused as Throttled at once. */
  maxWaitersPerChannel: number;
}

/** 3 attempts per 1.2 s per channel, 16 in flight (a 4×4 wall opens in one wave), 30 s longest wait. */
export const DEFAULT_PACER: PacerOptions = {
  perChannel: 3,
  // 1.2 s, not 1 s: the service meters the attempts when they arrive, after our timestamp plus a
  // varying network/handshake delay. With an exact 1 s window a fast fourth attempt can land while the
  // service's bucket (refilling continuously) still lacks a token — observed against kvs-local.
  windowMs: 1_200,
  maxConcurrent: 16,
  maxWaitMs: 30_000,
  maxWaitersPerChannel: 64,
};

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  detach: () => void;
}

/** A counting semaphore with a FIFO queue whose waits can be aborted. */
export class AsyncSemaphore {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly capacity: number,
    private readonly maxWaiters: number,
  ) {}

  /** Holders plus waiters: 0 means the semaphore is idle. */
  get load(): number {
    return this.active + this.waiters.length;
  }

  /** Resolves with a release function (idempotent) once a unit is free. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    throwIfAborted(signal);
    if (this.active < this.capacity && this.waiters.length === 0) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxWaiters) {
      return Promise.reject(
        new IpcFailure('Throttled', 'Too many connection attempts are queued. Try again in a moment.'),
      );
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(cancelled());
      };
      const waiter: Waiter = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.dispatch();
    };
  }

  private dispatch(): void {
    while (this.active < this.capacity && this.waiters.length > 0) {
      const next = this.waiters.shift()!;
      next.detach();
      this.active += 1;
      next.resolve(this.releaser());
    }
  }
}

interface ChannelState {
  /** One waiter at a time works out its slot, so the window check and the record are atomic. */
  lock: AsyncSemaphore;
  /** Start times of the attempts in the current window (oldest first). */
  starts: number[];
}

/** Paces connect attempts per channel and caps concurrency overall (see file comment). */
export class ConnectPacer {
  private readonly options: PacerOptions;
  private readonly slots: AsyncSemaphore;
  private readonly channels = new Map<string, ChannelState>();

  constructor(
    private readonly clock: Clock,
    options: Partial<PacerOptions> = {},
  ) {
    this.options = { ...DEFAULT_PACER, ...options };
    this.slots = new AsyncSemaphore(this.options.maxConcurrent, this.options.maxWaitersPerChannel * 8);
  }

  /** Calls in flight or waiting for a slot (for tests and diagnostics). */
  get load(): number {
    return this.slots.load;
  }

  /** Runs `fn` within the global concurrency cap (prepareViewer). */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.waitFor((s) => this.slots.acquire(s), signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * Runs one connect attempt for `channel` (signConnectUrl): waits until the channel has had fewer than
   * `perChannel` attempts in the last `windowMs` and a global slot is free, records the attempt, runs `fn`.
   */
  async connectAttempt<T>(channel: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const state = this.channelState(channel);
    const release = await this.waitFor(async (s) => {
      const unlock = await state.lock.acquire(s);
      try {
        // Holding the lock nobody else records for this channel, so each sleep frees one start:
        // the loop ends within `perChannel` rounds.
        for (let round = 0; round <= this.options.perChannel; round++) {
          this.prune(state);
          if (state.starts.length < this.options.perChannel) break;
          await this.clock.sleep(state.starts[0]! + this.options.windowMs - this.clock.now(), s);
        }
        const releaseSlot = await this.slots.acquire(s);
        state.starts.push(this.clock.now());
        return releaseSlot;
      } finally {
        unlock();
      }
    }, signal);
    try {
      return await fn();
    } finally {
      release();
      this.sweep();
    }
  }

  /** Waits with the caller's signal plus the `maxWaitMs` deadline; the deadline surfaces as Throttled. */
  private async waitFor<T>(wait: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    const deadline = new AbortController();
    const stop = new AbortController();
    this.clock.sleep(this.options.maxWaitMs, stop.signal).then(
      () => deadline.abort(),
      () => {},
    );
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      return await wait(combined);
    } catch (err) {
      if (deadline.signal.aborted && !signal?.aborted) {
        throw new IpcFailure(
          'Throttled',
          `Waited ${Math.round(this.options.maxWaitMs / 1000)} s for a connection slot; too many tiles are connecting at once. Try again.`,
        );
      }
      throw err;
    } finally {
      stop.abort();
    }
  }

  private channelState(channel: string): ChannelState {
    let state = this.channels.get(channel);
    if (!state) {
      state = { lock: new AsyncSemaphore(1, this.options.maxWaitersPerChannel), starts: [] };
      this.channels.set(channel, state);
    }
    return state;
  }

  private prune(state: ChannelState): void {
    const cutoff = this.clock.now() - this.options.windowMs;
    while (state.starts.length > 0 && state.starts[0]! <= cutoff) state.starts.shift();
  }

  /** Drops idle channels whose window has passed, so the map stays as small as the active wall. */
  private sweep(): void {
    if (this.channels.size < 256) return;
    for (const [key, state] of this.channels) {
      this.prune(state);
      if (state.lock.load === 0 && state.starts.length === 0) this.channels.delete(key);
    }
  }
}
