/**
 * Serialises a session's steps (start, restart, negotiate, rebuild, close): one runs at a time, in order,
 * so a second `start()` during the first never opens a second socket. Each step gets an AbortSignal;
 * aborting it makes every await in the step reject with {@link AbortedError}.
 */

/** Rejection of any step (or await inside one) that was aborted. */
export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortedError';
  }
}

export function isAborted(error: unknown): boolean {
  return error instanceof AbortedError;
}

/** Resolves or rejects with `promise`, or rejects with {@link AbortedError} as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The abandoned promise may still reject later; nobody waits for it any more.
    promise.catch(() => {});
    return Promise.reject(new AbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Throws {@link AbortedError} if `signal` has aborted (between synchronous parts of a step). */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError();
}

type Step = (signal: AbortSignal) => Promise<void>;

interface Queued {
  name: string;
  step: Step;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AsyncQueue {
  private readonly pending: Queued[] = [];
  private current: { name: string; abort: AbortController } | null = null;
  private stopped = false;

  constructor(private readonly onError: (name: string, error: unknown) => void) {}

  /** Name of the step that is running, if any (for logs and tests). */
  get running(): string | null {
    return this.current?.name ?? null;
  }

  /** Runs `step` after the ones queued before it. Resolves when it finished (aborted steps resolve too). */
  push(name: string, step: Step): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ name, step, resolve, reject });
      if (!this.current) void this.drain();
    });
  }

  /** Aborts the step in flight (its awaits reject), leaving queued steps to run. */
  abortCurrent(): void {
    this.current?.abort.abort();
  }

  /** Drops every queued step and aborts the running one; then runs `last` and accepts nothing more. */
  stop(name: string, last: () => Promise<void> | void): Promise<void> {
    for (const queued of this.pending.splice(0)) queued.resolve();
    this.abortCurrent();
    const done = this.push(name, async () => {
      await last();
    });
    this.stopped = true;
    return done;
  }

  private async drain(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      const abort = new AbortController();
      this.current = { name: next.name, abort };
      try {
        await next.step(abort.signal);
        next.resolve();
      } catch (error) {
        if (isAborted(error)) next.resolve();
        else {
          this.onError(next.name, error);
          next.resolve();
        }
      } finally {
        this.current = null;
      }
    }
  }
}
