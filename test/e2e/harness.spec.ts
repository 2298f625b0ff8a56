/**
 * The harness itself, independent of what the renderer shows: the bridge is the preload's contract and
 * reaches the core's router with the calling frame's URL, events arrive, foreign frames are refused, the
 * outside network is unreachable, the fake microphone plays the 1 kHz tone, and WebRTC host candidates
 * are addresses kvs-local can reach (not mDNS names).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../src-main/electron/csp';
import { startE2E, until, type E2E } from './harness';

type Api = {
  invoke(c: string, r: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
  on(e: string, l: (p: unknown) => void): void;
};
declare const watchfloor: Api;

let e: E2E;

beforeAll(async () => {
  e = await startE2E({ cameras: 2 });
});

afterAll(async () => {
  await e?.close();
});

describe('the browser shell', () => {
  it('gives the page the preload contract, answered by the core for the app origin', async () => {
    const shape = await e.page.evaluate(() => ({
      keys: Object.keys(watchfloor).sort(),
      frozen: Object.isFrozen(watchfloor),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }));
    expect(shape).toEqual({
      keys: ['invoke', 'off', 'on'],
      frozen: true,
      require: 'undefined',
      process: 'undefined',
    });

    const info = await e.page.evaluate(() => watchfloor.invoke('app:info', {}));
    expect(info).toEqual({ ok: true, value: { version: '0.0.0-test', kiosk: false, demo: true } });
    const call = e.transcript.calls.find((c) => c.channel === 'app:info');
    expect(call?.url.startsWith(e.server.origin + '/')).toBe(true);
    expect(call?.isTopFrame).toBe(true);

    const unknown = await e.page.evaluate(() => watchfloor.invoke('shell:exec', {}));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
  });

  it('delivers main-process events to the page listeners', async () => {
    await e.page.evaluate(() => {
      const seen: unknown[] = [];
      (window as unknown as { seenProgress: unknown[] }).seenProgress = seen;
      watchfloor.on('catalog:syncProgress', (p) => seen.push(p));
    });
    const sync = await e.page.evaluate(() => watchfloor.invoke('catalog:sync', {}));
    expect(sync.ok).toBe(true);
    const seen = await until(
      'a catalog:syncProgress event in the page',
      () =>
        e.page.evaluate(() => {
          const s = (window as unknown as { seenProgress: Array<{ done?: boolean }> }).seenProgress;
          return s.length > 0 ? s : null;
        }),
      20_000,
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(e.transcript.events.some((x) => x.name === 'catalog:syncProgress')).toBe(true);
  });

  it('refuses calls from a subframe and from a page that is not the app', async () => {
    const fromFrame = await e.page.evaluate(async () => {
      const frame = document.createElement('iframe');
      frame.srcdoc = '<p>inner</p>';
      const loaded = new Promise((r) => frame.addEventListener('load', r));
      document.body.append(frame);
      await loaded;
      const inner = frame.contentWindow as unknown as {
        watchfloor?: unknown;
        __watchfloorBridge(op: string, c: string, r: unknown): Promise<unknown>;
      };
      return {
        bridge: typeof inner.watchfloor,
        reply: await inner.__watchfloorBridge('invoke', 'app:info', {}),
      };
    });
    expect(fromFrame.bridge).toBe('undefined');
    expect(fromFrame.reply).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });

    const other = await e.context.newPage();
    try {
      await other.goto('about:blank');
      const reply = await other.evaluate(() => watchfloor.invoke('app:info', {}));
      expect(reply).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    } finally {
      await other.close();
    }
  });

  it('blocks the outside network for every page', async () => {
    const before = e.transcript.blocked.length;
    // A blank page: no CSP of the app's in the way, so only the network fence can stop these.
    const blank = await e.context.newPage();
    const outcome = await blank.evaluate(async () => {
      const http = await fetch('https://kinesisvideo.us-west-2.amazonaws.com/describeSignalingChannel', {
        method: 'POST',
      }).then(
        (r) => `answered ${r.status}`,
        (err: Error) => `failed: ${err.name}`,
      );
      const ws = await new Promise<string>((resolve) => {
        const s = new WebSocket('wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com/');
        // A mocked socket may report "open" before the route closes it: what counts is that it closes
        // with the route's code, having never reached a server.
        s.onclose = (ev) => resolve(`closed ${ev.code}`);
        setTimeout(() => resolve('timeout'), 5_000);
      });
      return { http, ws };
    });
    await blank.close();
    expect(outcome).toEqual({ http: 'failed: TypeError', ws: 'closed 1008' });
    const blocked = e.transcript.blocked.slice(before);
    expect(blocked.some((u) => u.startsWith('https://kinesisvideo.us-west-2.amazonaws.com/'))).toBe(true);
    expect(blocked.some((u) => u.startsWith('wss://v-1a2b3c4d.kinesisvideo.'))).toBe(true);
  });

  it('serves the renderer with the Electron window CSP', async () => {
    // The same constant src-main/electron/window.ts sets in onHeadersReceived (csp.ts imports nothing).
    const res = await fetch(e.server.url);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(readFileSync('src-main/electron/window.ts', 'utf8')).toMatch(/import \{ CSP \} from '\.\/csp';/);
  });

  it('has a fake microphone that plays a steady 1 kHz tone', async () => {
    const peakHz = await e.page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      ctx.createMediaStreamSource(stream).connect(analyser);
      await new Promise((r) => setTimeout(r, 800));
      const bins = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(bins);
      let best = 0;
      for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[best]!) best = i;
      const hz = (best * ctx.sampleRate) / analyser.fftSize;
      stream.getTracks().forEach((t) => t.stop());
      await ctx.close();
      return hz;
    });
    expect(Math.abs(peakHz - 1000)).toBeLessThan(20);
  });

  it('gathers WebRTC host candidates as addresses, not mDNS names', async () => {
    const candidates = await e.page.evaluate(async () => {
      const pc = new RTCPeerConnection();
      pc.createDataChannel('probe');
      const found: string[] = [];
      const done = new Promise<void>((resolve) => {
        pc.onicecandidate = (ev) => (ev.candidate ? found.push(ev.candidate.candidate) : resolve());
        setTimeout(resolve, 5_000);
      });
      await pc.setLocalDescription(await pc.createOffer());
      await done;
      pc.close();
      return found;
    });
    const hosts = candidates.filter((c) => c.includes(' typ host'));
    expect(hosts.length).toBeGreaterThan(0);
    expect(hosts.filter((c) => c.includes('.local '))).toEqual([]);
  });
});
