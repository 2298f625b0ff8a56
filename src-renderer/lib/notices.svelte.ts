import type { IpcError } from '../../src-shared/ipc/errors';

/** One message on the console's error strip. */
export interface Notice {
  readonly id: number;
  /** Where it happened, e.g. "Search" or "camera-3: storage". */
  readonly context: string;
  readonly message: string;
  /** The IPC error code when the notice comes from main. */
  readonly code: IpcError['code'] | null;
  readonly at: number;
}

const KEEP = 6;

/**
 * Errors the operator must see: every failed `invoke` lands here with its message (never swallowed). The
 * newest few stay until dismissed; older ones drop off the end so the strip cannot grow without bound.
 */
export class Notices {
  list = $state.raw<readonly Notice[]>([]);
  #next = 1;

  push(context: string, message: string, code: IpcError['code'] | null = null): void {
    const notice: Notice = { id: this.#next++, context, message, code, at: Date.now() };
    this.list = [notice, ...this.list.filter((n) => n.context !== context || n.message !== message)].slice(
      0,
      KEEP,
    );
  }

  /** Reports anything thrown: IPC errors keep their code, other errors their message. */
  report(context: string, error: unknown): void {
    if (error instanceof IpcCallError) this.push(context, error.message, error.code);
    else this.push(context, error instanceof Error ? error.message : String(error));
  }

  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
  }
}

/** A failed `invoke`, thrown by {@link Ipc.call} so that callers can use try/catch. */
export class IpcCallError extends Error {
  readonly code: IpcError['code'];
  readonly retryable: boolean;

  constructor(error: IpcError) {
    super(error.message);
    this.name = 'IpcCallError';
    this.code = error.code;
    this.retryable = error.retryable;
  }
}
