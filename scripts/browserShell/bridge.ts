import type { BrowserContext, Frame, Page } from 'playwright-core';
import type { IpcRouter, Sender } from '../../src-main/core/ipc';
import type { EventName } from '../../src-shared/ipc/contract';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../src-shared/ipc/names';

/** One renderer → main call as it crossed the bridge (for transcripts). */
export interface BridgeCall {
  at: number;
  channel: string;
  request: unknown;
  reply: unknown;
  /** The calling frame's URL, as the router saw it. */
  url: string;
  isTopFrame: boolean;
}

export interface BridgeOptions {
  router: Pick<IpcRouter, 'handle'>;
  /** Called after every call with its reply. */
  onCall?(call: BridgeCall): void;
}

export interface Bridge {
  /** Delivers a main-process event to every page that listens (like `webContents.send`). */
  emit(name: EventName, payload: unknown): void;
  /** Releases pages waiting for events. */
  dispose(): void;
}

const BINDING = '__watchfloorBridge';
/** A page holds at most this many undelivered events; older ones are dropped (a page that stopped polling). */
const MAX_QUEUED = 1000;
const POLL_MS = 20_000;

/**
 * What the Electron preload does, for a page in Chromium: `window.watchfloor = {invoke, on, off}` for the
 * contract's keys only, in the top frame only, frozen. Calls and event polls go through one Playwright
 * binding; the page-side code lives in this string (not a serialized function) so no transpiler helper
 * can sneak into it.
 */
function pageScript(): string {
  return `(() => {
  if (window.top !== window) return;
  const INVOKE = new Set(${JSON.stringify(INVOKE_CHANNELS)});
  const EVENTS = new Set(${JSON.stringify(EVENT_CHANNELS)});
  const bridge = (...args) => window[${JSON.stringify(BINDING)}](...args);
  const listeners = new Map();
  let polling = false;
  const deliver = (name, payload) => {
    for (const listener of [...(listeners.get(name) || [])]) {
      try { listener(payload); } catch (err) { setTimeout(() => { throw err; }); }
    }
  };
  const poll = async () => {
    for (;;) {
      let batch;
      try { batch = await bridge('events'); } catch { return; }
      for (const e of batch) deliver(e.name, e.payload);
    }
  };
  const api = Object.freeze({
    invoke(channel, req) {
      if (typeof channel !== 'string' || !INVOKE.has(channel)) {
        return Promise.resolve({ ok: false, error: { code: 'InvalidArgument', message: "Unknown IPC channel '" + String(channel) + "'.", retryable: false } });
      }
      return bridge('invoke', channel, req);
    },
    on(event, listener) {
      if (typeof event !== 'string' || !EVENTS.has(event) || typeof listener !== 'function') {
        throw new TypeError("Unknown event '" + String(event) + "' or listener is not a function.");
      }
      const set = listeners.get(event) || new Set();
      listeners.set(event, set);
      set.add(listener);
      if (!polling) { polling = true; void poll(); }
    },
    off(event, listener) {
      if (typeof event !== 'string') return;
      listeners.get(event)?.delete(listener);
    },
  });
  Object.defineProperty(window, 'watchfloor', { value: api, enumerable: true, configurable: false, writable: false });
})();`;
}

interface PageQueue {
  events: Array<{ name: string; payload: unknown }>;
  waiter?: (batch: Array<{ name: string; payload: unknown }>) => void;
}

function senderOf(frame: Frame, page: Page): Sender {
  return { url: frame.url(), isTopFrame: frame === page.mainFrame() };
}

/**
 * Installs the bridge on a browser context: every page and frame gets the binding, the init script makes
 * `window.watchfloor` in top frames, and each call reaches `router.handle(channel, sender, payload)` with
 * the calling frame's URL — the sender check is the router's, exactly as with Electron's IPC.
 */
export async function installBridge(context: BrowserContext, opts: BridgeOptions): Promise<Bridge> {
  const queues = new Map<Page, PageQueue>();
  let disposed = false;

  const nextEvents = (page: Page): Promise<PageQueue['events']> => {
    let q = queues.get(page);
    if (!q) {
      q = { events: [] };
      queues.set(page, q);
      page.once('close', () => {
        q?.waiter?.([]);
        queues.delete(page);
      });
    }
    const queue = q;
    if (disposed) return Promise.resolve([]);
    if (queue.events.length > 0) return Promise.resolve(queue.events.splice(0));
    queue.waiter?.([]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish([]), POLL_MS);
      const finish = (batch: PageQueue['events']) => {
        clearTimeout(timer);
        if (queue.waiter === finish) delete queue.waiter;
        resolve(batch);
      };
      queue.waiter = finish;
    });
  };

  await context.exposeBinding(BINDING, async (source, op: unknown, channel: unknown, payload: unknown) => {
    const { frame, page } = source;
    if (op === 'events') {
      // Only a top frame gets events, as only it has the bridge.
      return frame === page.mainFrame() ? nextEvents(page) : [];
    }
    if (op !== 'invoke' || typeof channel !== 'string') throw new Error('unknown bridge operation');
    const sender = senderOf(frame, page);
    const reply = await opts.router.handle(channel, sender, payload);
    opts.onCall?.({
      at: Date.now(),
      channel,
      request: payload,
      reply,
      url: sender.url,
      isTopFrame: sender.isTopFrame,
    });
    return reply;
  });
  await context.addInitScript({ content: pageScript() });

  return {
    emit(name, payload) {
      for (const q of queues.values()) {
        if (q.waiter) {
          q.waiter([{ name, payload }]);
          continue;
        }
        q.events.push({ name, payload });
        if (q.events.length > MAX_QUEUED) q.events.shift();
      }
    },
    dispose() {
      disposed = true;
      for (const q of queues.values()) q.waiter?.([]);
    },
  };
}
