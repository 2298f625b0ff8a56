import type { z } from 'zod';
import {
  contract,
  events,
  type Channel,
  type EventName,
  type EventPayload,
  type ParsedReq,
  type Res,
} from '../../../src-shared/ipc/contract';
import { IpcFailure, ipcError, type IpcError, type IpcResult } from '../../../src-shared/ipc/errors';
import type { Logger } from '../types';

/** Who sent an IPC message, as the Electron side reports it (event.senderFrame). */
export interface Sender {
  /** URL of the frame that sent the message. */
  url: string;
  /** True when that frame is the top frame of its window (no iframes may call main). */
  isTopFrame: boolean;
}

/** Per-call context handed to handlers. */
export interface CallContext {
  sender: Sender;
}

/** One handler per contract channel; the mapped type makes a missing handler a compile error. */
export type Handlers = {
  [C in Channel]: (req: ParsedReq<C>, ctx: CallContext) => Res<C> | Promise<Res<C>>;
};

export interface RouterOptions {
  /** Is this URL the app's own renderer (file:// of the packaged renderer, the dev/test origin…)? */
  isTrustedOrigin(url: string): boolean;
  /** Turns anything a handler throws that is not an IpcFailure into one (AWS SDK errors → codes). */
  mapError?(err: unknown): IpcFailure | undefined;
  log: Logger;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`)
    .join('; ');
}

/**
 * The IPC router (style.md §2): sender check → zod parse → handler → `{ok,value}` | `{ok:false,error}`.
 * Replies are parsed against the strict response schema too, so a handler can never leak a field the
 * contract does not name (a key, a token) to the renderer.
 */
export class IpcRouter {
  constructor(
    private readonly handlers: Handlers,
    private readonly opts: RouterOptions,
  ) {}

  async handle(channel: string, sender: Sender, payload: unknown): Promise<IpcResult<unknown>> {
    if (!Object.hasOwn(contract, channel)) {
      return {
        ok: false,
        error: ipcError('InvalidArgument', `Unknown IPC channel '${channel.slice(0, 64)}'.`),
      };
    }
    const name = channel as Channel;
    if (!sender.isTopFrame || !this.opts.isTrustedOrigin(sender.url)) {
      this.opts.log.warn('ipc: refused a call from an untrusted frame', {
        channel: name,
        url: sender.url.slice(0, 200),
      });
      return {
        ok: false,
        error: ipcError('InvalidArgument', 'IPC from a frame that is not the console window is refused.'),
      };
    }
    const parsed = contract[name].req.safeParse(payload ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: ipcError('InvalidArgument', `Invalid ${name} request: ${describeIssues(parsed.error)}`),
      };
    }
    try {
      const handler = this.handlers[name] as (req: unknown, ctx: CallContext) => unknown;
      const value = await handler(parsed.data, { sender });
      const checked = contract[name].res.safeParse(value);
      if (!checked.success) {
        this.opts.log.error('ipc: handler reply does not match the contract', {
          channel: name,
          issues: describeIssues(checked.error),
        });
        return {
          ok: false,
          error: ipcError('Internal', `The console produced an invalid ${name} reply; see the main log.`),
        };
      }
      return { ok: true, value: checked.data };
    } catch (err) {
      return { ok: false, error: this.toIpcError(name, err) };
    }
  }

  private toIpcError(channel: Channel, err: unknown): IpcError {
    if (err instanceof IpcFailure) return err.toIpc();
    const mapped = this.opts.mapError?.(err);
    if (mapped && mapped.code !== 'Internal') return mapped.toIpc();
    // Unexpected (a mapper's Internal quotes the raw error): log the detail in main, give the renderer
    // nothing but a safe sentence.
    this.opts.log.error('ipc: handler failed', {
      channel,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    return ipcError('Internal', `${channel} failed unexpectedly; see the main log.`);
  }
}

/** Pushes contract events to the renderer(s); payloads are validated like replies. */
export class EventSink {
  constructor(
    private readonly send: (name: EventName, payload: unknown) => void,
    private readonly log: Logger,
  ) {}

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const checked = events[name].safeParse(payload);
    if (!checked.success) {
      this.log.error('ipc: refusing to send an event that does not match the contract', { name });
      return;
    }
    this.send(name, checked.data);
  }
}
