/**
 * Off-screen tiles stop decoding: a window too narrow for the wall pushes every tile out of the viewport
 * (the catalog column keeps its 18rem), the tiles' IntersectionObserver reports it and each session pauses
 * its video. The browser's own counter (inbound-rtp framesDecoded of each tile's receiver) must stand
 * still while paused; when the window is wide again every tile decodes within the resume grace and says
 * "Live", and no tile ever said "Frozen" in between. Prints the measured resume-to-first-frame times.
 */
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RESUME_GRACE_MS } from '../../src-renderer/viewer/watchdog';
import { startE2E, until, type E2E } from './harness';
import { readTiles, tileOf, wallOf } from './ui';

let e: E2E;

beforeEach(async () => {
  e = await startE2E({ cameras: 2, open: false });
  // Keep every RTCPeerConnection the app makes, so the test can ask the browser itself what it decoded.
  await e.page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const all: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        all.push(this);
      }
    };
  });
  await e.open();
});

afterEach(async () => {
  await e?.close();
});

interface Received {
  framesDecoded: number;
  packetsReceived: number;
  /** Key frame requests (PLI) this receiver sent. */
  pliCount: number;
}

/** inbound-rtp video counters of the receiver whose track the tile of `channel` plays. */
async function received(page: Page, channel: string): Promise<Received> {
  const trackId = await tileOf(page, channel)
    .locator('video')
    .first()
    .evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id ?? '');
  return page.evaluate(async (id) => {
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      if (!pc.getReceivers().some((r) => r.track.id === id)) continue;
      let out: Received | null = null;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.trackIdentifier === id)
          out = {
            framesDecoded: Number(s.framesDecoded ?? 0),
            packetsReceived: Number(s.packetsReceived ?? 0),
            pliCount: Number(s.pliCount ?? 0),
          };
      });
      // No inbound-rtp yet: connected, but no video packet has arrived.
      return out ?? { framesDecoded: 0, packetsReceived: 0, pliCount: 0 };
    }
    const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
    const have = pcs.map(
      (pc) =>
        `${pc.connectionState}:${pc
          .getReceivers()
          .map((r) => r.track.id)
          .join('+')}`,
    );
    throw new Error(`no live receiver plays track ${id} (peers: ${have.join(', ')})`);
  }, trackId);
}

async function statusesSeen(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
}

it('stops decoding off-screen tiles and has them live again within the grace, never "Frozen"', async () => {
  const names = await wallOf(e.page, '1x2', 2);
  const read = async () =>
    Object.fromEntries(await Promise.all(names.map(async (n) => [n, await received(e.page, n)] as const)));

  // Every status text any tile shows from here on, as the DOM changes (a poll could miss a short one).
  await e.page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __statuses: string[] }).__statuses = seen;
    const record = () => {
      for (const el of document.querySelectorAll('[data-testid="tile-status"]'))
        seen.push((el.textContent ?? '').trim());
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });

  const before = await read();
  await e.page.waitForTimeout(2_000);
  const playing = await read();
  for (const n of names)
    expect(
      playing[n]!.framesDecoded - before[n]!.framesDecoded,
      `${n} decodes while on screen`,
    ).toBeGreaterThan(10);

  const peers = () => e.page.evaluate(() => (window as unknown as { __pcs: unknown[] }).__pcs.length);
  const peersBefore = await peers();

  for (const round of [1, 2]) {
    // A window too narrow for the wall: the tiles are laid out right of the viewport.
    await e.page.setViewportSize({ width: 250, height: 960 });
    await until(
      'every tile paused',
      async () => (await e.page.locator('[data-testid="tile"][data-paused="true"]').count()) === names.length,
      5_000,
    );
    // Let frames already in the decoder's queue drain, then watch the counter for 4 s.
    await e.page.waitForTimeout(1_000);
    const paused0 = await read();
    await e.page.waitForTimeout(4_000);
    const paused1 = await read();
    for (const n of names) {
      const decoded = paused1[n]!.framesDecoded - paused0[n]!.framesDecoded;
      const packets = paused1[n]!.packetsReceived - paused0[n]!.packetsReceived;
      console.log(
        `round ${round}: ${n} while paused 4 s: ${decoded} frames decoded, ${packets} video packets`,
      );
      expect(decoded, `${n} frames decoded while paused`).toBe(0);
    }
    for (const t of await readTiles(e.page)) expect(t.status, `${t.channel} while paused`).toBe('Live');

    // Wide again: time until each tile's decoder produces a frame, and until the tile counts a new picture.
    const resumedFrom = await read();
    const tilesFrom = Object.fromEntries((await readTiles(e.page)).map((t) => [t.channel, t.frames]));
    const shown = Date.now();
    await e.page.setViewportSize({ width: 1600, height: 960 });
    const firstDecode: Record<string, number> = {};
    const firstPicture: Record<string, number> = {};
    await until(
      'every tile decoding and counting pictures again',
      async () => {
        const now = await read();
        const tilesNow = await readTiles(e.page);
        for (const n of names) {
          if (firstDecode[n] === undefined && now[n]!.framesDecoded > resumedFrom[n]!.framesDecoded)
            firstDecode[n] = Date.now() - shown;
          const frames = tilesNow.find((t) => t.channel === n)?.frames ?? 0;
          if (firstPicture[n] === undefined && frames > (tilesFrom[n] ?? 0))
            firstPicture[n] = Date.now() - shown;
        }
        return names.every((n) => firstDecode[n] !== undefined && firstPicture[n] !== undefined);
      },
      RESUME_GRACE_MS,
      50,
    ).catch(async (err: unknown) => {
      const seen = (await statusesSeen(e.page)).filter((x, i, all) => x !== all[i - 1]);
      throw new Error(`${(err as Error).message}\n  statuses seen: ${seen.join(' | ')}`);
    });
    const resumed = await read();
    console.log(
      `round ${round}: resume → first decoded frame: ${names.map((n) => `${n} ${firstDecode[n]} ms`).join(', ')}` +
        `; → first picture counted by the tile: ${names.map((n) => `${n} ${firstPicture[n]} ms`).join(', ')}` +
        `; key frame requests sent: ${names.map((n) => `${n} ${resumed[n]!.pliCount - resumedFrom[n]!.pliCount}`).join(', ')}`,
    );

    // Pictures keep coming over the same peers (no recovery step was needed) and every tile says Live.
    const after0 = await read();
    await e.page.waitForTimeout(2_000);
    const after1 = await read();
    for (const n of names)
      expect(
        after1[n]!.framesDecoded - after0[n]!.framesDecoded,
        `${n} decodes after resume`,
      ).toBeGreaterThan(10);
    for (const t of await readTiles(e.page)) {
      expect(t.status, `${t.channel} after resume`).toBe('Live');
      expect(t.state).toBe('live');
    }
    expect(await peers()).toBe(peersBefore);
  }

  // No tile said Frozen at any point.
  const statuses = await statusesSeen(e.page);
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s.startsWith('Frozen'))).toEqual([]);
  expect(e.transcript.pageErrors).toEqual([]);
});
