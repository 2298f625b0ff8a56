/**
 * Expired credentials while the wall is live: the video keeps playing on the connections it has, and the
 * console says what happened and what to do (the `credentials:expired` banner), instead of a tile quietly
 * retrying with keys the service refuses.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';
import { readTile, wallOf } from './ui';

let e: E2E;

beforeEach(async () => {
  e = await startE2E({ cameras: 1, temporaryCredentials: true });
});

afterEach(async () => {
  await e?.close();
});

it('says the credentials expired and what to do when the service refuses them', async () => {
  await wallOf(e.page, '1x1', 1);
  // The service rotates its credentials: the console's are now expired.
  await e.admin('POST', '/credentials/rotate');
  // The tile's signaling drops (a network blip): reconnecting needs a signed URL and a fresh prepare.
  await e.admin('POST', '/channels/camera-1/drop');
  const banner = e.page.locator('[data-testid="credentials-expired"]');
  await banner.waitFor({ state: 'visible', timeout: 30_000 });
  const text = (await banner.textContent())?.replace(/\s+/g, ' ') ?? '';
  expect(text).toContain('Credentials expired for');
  expect(text).toMatch(/Local demo|local-demo/);
  await e.screenshot('credentials-expired');
  // The media connection outlives the signaling socket: the picture is still there.
  const t = await readTile(e.page, 'camera-1');
  expect(t.frames).toBeGreaterThan(0);
  expect(e.transcript.events.some((ev) => ev.name === 'credentials:expired')).toBe(true);
  expect(e.transcript.pageErrors).toEqual([]);
});
