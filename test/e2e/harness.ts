/**
 * The end-to-end harness (design.md "Testing layers"): kvs-local with simulated cameras and the main core
 * run in this process; the built renderer is served on loopback and opened in Debian's Chromium with the
 * same `window.watchfloor` contract the Electron preload gives it, real WebRTC to the cameras, a fresh
 * profile per test, the outside network blocked, and everything the page said or was told kept in a
 * transcript for assertions (style.md §7).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { inject } from 'vitest';
import type { KvsLocalOptions } from '../../kvs-local/src/config';
import type { KvsLocal } from '../../kvs-local/src/server';
import { installBridge, type Bridge, type BridgeCall } from '../../scripts/browserShell/bridge';
import { blockOutsideNetwork, launchChromium } from '../../scripts/browserShell/chromium';
import { serveRenderer, type RendererServer } from '../../scripts/browserShell/server';
import { writeToneWav } from '../../scripts/browserShell/tone';
import type { Channel, EventName, Req, Res } from '../../src-shared/ipc/contract';
import type { IpcResult } from '../../src-shared/ipc/errors';
import { startTestCore, type TestCore } from '../helpers/core';
import { admin, startTestKvs } from '../helpers/kvsLocal';
import { capturingLogger } from '../helpers/leaks';

/** Where screenshots go (gitignored via test-results/). */
export const RESULTS_DIR = join(process.cwd(), 'test-results', 'e2e');

export interface E2EOptions {
  /** Simulated cameras (channels camera-1..N). */
  cameras?: number;
  /** kvs-local issues temporary credentials (a session token) — the Local demo then uses them. */
  temporaryCredentials?: boolean;
  /** More kvs-local options (limits…); cameras/credentials above win. */
  kvs?: KvsLocalOptions;
  /** Open the page at once (default) or leave it to the test. */
  open?: boolean;
  viewport?: { width: number; height: number };
  /** More Chromium switches (a later switch wins, e.g. `--use-fake-ui-for-media-stream=deny`). */
  chromiumArgs?: string[];
  /** Main runs as a kiosk station (its policy refuses publishing and creating streams). */
  kiosk?: boolean;
}

export interface Transcript {
  /** The page's console, `[type] text`, in order (plus JSON of object arguments). */
  console: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Every renderer → main call with its request and reply. */
  calls: BridgeCall[];
  /** Every event main sent. */
  events: Array<{ at: number; name: EventName; payload: unknown }>;
  /** Requests and sockets to anything but loopback, which were aborted. */
  blocked: string[];
  /** Replies and events as `{channel, reply}` / `{event, payload}` lines (the leaks audit's format). */
  lines: string[];
  /** The main core's log. */
  mainLog: string[];
}

export interface E2E {
  kvs: KvsLocal;
  core: TestCore;
  context: BrowserContext;
  page: Page;
  server: RendererServer;
  transcript: Transcript;
  /**
   * Calls the core as the app page would (sender: the app URL, top frame), for set-up and checks the test
   * makes itself; recorded in `transcript.calls` with `url` = 'test'.
   */
  call<C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>>;
  /** Like `call`, but throws on `{ok:false}`. */
  ok<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  /** kvs-local's admin API. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Opens (or reloads) the app page. */
  open(): Promise<void>;
  /** Saves a screenshot (of the page or one element) as test-results/e2e/<name>.png; returns the path. */
  screenshot(name: string, target?: Locator): Promise<string>;
  /** Waits for pending console-argument serialisation (before reading `transcript.console`). */
  flushConsole(): Promise<void>;
  close(): Promise<void>;
}

function rendererDir(): string {
  const dir = process.env.WATCHFLOOR_RENDERER_DIR ?? inject('rendererDir');
  if (!dir) throw new Error('no renderer build: run the e2e project (its globalSetup builds it)');
  return dir;
}

/** Runs `step` but gives up after `ms` (shutdown must not hang a test run). */
async function bounded(label: string, ms: number, step: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      step(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms} ms`)), ms);
      }),
    ]);
  } catch (err) {
    console.warn(`e2e shutdown: ${label}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

export async function startE2E(opts: E2EOptions = {}): Promise<E2E> {
  const root = mkdtempSync(join(tmpdir(), 'watchfloor-e2e-'));
  const tone = join(root, 'tone-1khz.wav');
  writeToneWav(tone, { frequencyHz: 1000, seconds: 4, amplitude: 0.5 });
  const transcript: Transcript = {
    console: [],
    pageErrors: [],
    calls: [],
    events: [],
    blocked: [],
    lines: [],
    mainLog: [],
  };
  const cleanups: Array<[string, () => Promise<unknown>]> = [];
  const closeAll = async () => {
    for (const [label, step] of cleanups.reverse()) await bounded(label, 15_000, step);
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const kvs = await startTestKvs({
      ...opts.kvs,
      cameras: { ...opts.kvs?.cameras, count: opts.cameras ?? opts.kvs?.cameras?.count ?? 0 },
      ...(opts.temporaryCredentials ? { temporaryCredentials: true } : {}),
    });
    cleanups.push(['kvs-local', () => kvs.close()]);

    const server = await serveRenderer(rendererDir());
    cleanups.push(['renderer server', () => server.close()]);

    const bridgeRef: { current?: Bridge } = {};
    const logger = capturingLogger();
    transcript.mainLog = logger.lines;
    const core = startTestCore(kvs, {
      // The app origin is the loopback server's, as Electron trusts its renderer URL's.
      isTrustedOrigin: (url) => sameOrigin(url, server.origin),
      send: (name, payload) => {
        transcript.events.push({ at: Date.now(), name, payload });
        transcript.lines.push(JSON.stringify({ event: name, payload }));
        bridgeRef.current?.emit(name, payload);
      },
      log: logger.log,
      ...(opts.kiosk ? { kiosk: true } : {}),
    });
    cleanups.push(['main core', () => core.close()]);
    // As the Electron entry does before it opens the window: the Local demo becomes the active profile.
    await core.core.restoreProfile();

    const context = await launchChromium({
      headless: true,
      profileDir: join(root, 'profile'),
      fakeAudioFile: tone,
      viewport: opts.viewport ?? { width: 1600, height: 960 },
      ...(opts.chromiumArgs ? { extraArgs: opts.chromiumArgs } : {}),
    });
    cleanups.push(['chromium', () => context.close()]);
    await blockOutsideNetwork(context, (url) => transcript.blocked.push(url));
    const bridge = await installBridge(context, {
      router: core.core.router,
      onCall: (call) => {
        transcript.calls.push(call);
        transcript.lines.push(JSON.stringify({ channel: call.channel, reply: call.reply }));
      },
    });
    bridgeRef.current = bridge;
    cleanups.push(['bridge', () => Promise.resolve(bridge.dispose())]);

    const page = context.pages()[0] ?? (await context.newPage());
    const pending = new Set<Promise<void>>();
    page.on('console', (msg) => {
      transcript.console.push(`[${msg.type()}] ${msg.text()}`);
      const objects = msg.args().filter((a) => a.asElement() === null);
      if (objects.length === 0) return;
      const p = Promise.all(
        objects.map((a) => a.jsonValue().then((v) => (typeof v === 'object' ? JSON.stringify(v) : ''))),
      )
        .then((json) => {
          const text = json.filter(Boolean).join(' ');
          if (text) transcript.console.push(`[${msg.type()} args] ${text}`);
        })
        .catch(() => {})
        .finally(() => pending.delete(p));
      pending.add(p);
    });
    page.on('pageerror', (err) => transcript.pageErrors.push(err.stack ?? err.message));

    const call = async <C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>> => {
      const reply = await core.core.router.handle(channel, { url: server.url, isTopFrame: true }, req);
      transcript.calls.push({ at: Date.now(), channel, request: req, reply, url: 'test', isTopFrame: true });
      transcript.lines.push(JSON.stringify({ channel, reply }));
      return reply as IpcResult<Res<C>>;
    };
    const e2e: E2E = {
      call,
      async ok(channel, req) {
        const reply = await call(channel, req);
        if (!reply.ok) throw new Error(`${channel} failed: ${reply.error.code}: ${reply.error.message}`);
        return reply.value;
      },
      kvs,
      core,
      context,
      page,
      server,
      transcript,
      admin: (method, path, body) => admin(kvs, method, path, body),
      async open() {
        await page.goto(server.url, { waitUntil: 'load', timeout: 30_000 });
      },
      async screenshot(name, target) {
        mkdirSync(RESULTS_DIR, { recursive: true });
        const path = join(RESULTS_DIR, `${name}.png`);
        if (target) await target.screenshot({ path, timeout: 10_000 });
        else await page.screenshot({ path, timeout: 10_000 });
        return path;
      },
      async flushConsole() {
        await Promise.all([...pending]);
      },
      close: closeAll,
    };
    if (opts.open !== false) await e2e.open();
    return e2e;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Polls `check` until it returns a truthy value; the error names `what` and the last value seen. */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
