import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium: never a browser Playwright downloads (the build machines cannot fetch one). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The flags a Watchfloor page needs in plain Chromium, and why:
 * - fake media UI/device: push-to-talk's getUserMedia is granted without a prompt and the "microphone" is
 *   `fakeAudioFile` (a looped WAV), so a camera can meter what the operator "says";
 * - WebRtcHideLocalIpsWithMdns off: host candidates are real addresses, not `<uuid>.local` names, which
 *   kvs-local's peers (wrtc, werift) cannot resolve — there is no mDNS responder here;
 * - loopback in peer connections: when loopback is the only interface, ICE may still pair on 127.0.0.1;
 * - autoplay without a gesture: a tile's <video> plays (and its audio is heard) as soon as media arrives;
 * - no throttling of hidden/occluded pages: a wall behind another window keeps decoding;
 * - host resolver: every name but localhost fails to resolve, a second fence behind the request routes.
 */
export function chromiumArgs(fakeAudioFile: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${fakeAudioFile}`,
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
  ];
}

export interface LaunchOptions {
  headless: boolean;
  /** A fresh, empty directory: the browser profile (style.md §7). */
  profileDir: string;
  fakeAudioFile: string;
  viewport?: { width: number; height: number } | null;
  extraArgs?: string[];
  /**
   * False: the caller shuts the browser down on SIGINT/SIGTERM/SIGHUP itself (Playwright's own handlers
   * would kill Chromium and may end the process before the caller's cleanup ran).
   */
  handleSignals?: boolean;
}

/** Starts Chromium with a persistent context in `profileDir` (one context = one console window). */
export async function launchChromium(opts: LaunchOptions): Promise<BrowserContext> {
  return chromium.launchPersistentContext(opts.profileDir, {
    executablePath: CHROMIUM,
    headless: opts.headless,
    args: [...chromiumArgs(opts.fakeAudioFile), ...(opts.extraArgs ?? [])],
    viewport: opts.viewport === undefined ? { width: 1600, height: 960 } : opts.viewport,
    // Playwright's own default flags minus the one that mutes audio: the tiles' sound is part of the app.
    ignoreDefaultArgs: ['--mute-audio'],
    timeout: 60_000,
    handleSIGINT: opts.handleSignals ?? true,
    handleSIGTERM: opts.handleSignals ?? true,
    handleSIGHUP: opts.handleSignals ?? true,
  });
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return false;
    return u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost';
  } catch {
    return false;
  }
}

/**
 * Aborts every request and WebSocket that does not go to loopback (the app origin and kvs-local), and
 * reports it: the console must work with the outside network gone, and a test can assert it never tried.
 */
export async function blockOutsideNetwork(
  context: BrowserContext,
  onBlocked: (url: string) => void,
): Promise<void> {
  await context.route(
    (url) => !isLoopbackUrl(url.href) && url.protocol !== 'data:' && url.protocol !== 'blob:',
    async (route) => {
      onBlocked(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  await context.routeWebSocket(
    (url) => !isLoopbackUrl(url.href),
    (ws) => {
      onBlocked(ws.url());
      void ws.close({ code: 1008, reason: 'outside network blocked' });
    },
  );
}
