/**
 * Media storage from the tile's panel: enabling it (after the confirmation) moves the tile onto the
 * storage session — H.264 from kvs-local's media server, which Debian's Chromium decodes — with frames
 * still advancing while the stream's recording grows; disabling it brings the tile back to peer-to-peer.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { controlClient } from '../helpers/kvsLocal';
import { startE2E, until, type E2E } from './harness';
import { framesDuring, readTile, tileOf, videoOf, wallOf } from './ui';

interface Recording {
  totals: { frames: number; bytes: number; durationMs: number; fragments: number };
}

let e: E2E;
let streamArn = '';

beforeEach(async () => {
  e = await startE2E({ cameras: 2 });
  // The operator's stream to record into exists already, named after the channel (kvs-reference §6.1:
  // storage maps a channel to a stream; the console does not create streams, the operator names one).
  const kv = controlClient(e.kvs);
  try {
    streamArn = (await kv.send(new CreateStreamCommand({ StreamName: 'camera-1', DataRetentionInHours: 24 })))
      .StreamARN!;
  } finally {
    kv.destroy();
  }
});

afterEach(async () => {
  await e?.close();
});

const recorded = async (): Promise<number> => {
  try {
    return (await e.admin<Recording>('GET', '/streams/camera-1/recording')).totals.frames;
  } catch {
    return 0;
  }
};

it('records a channel through the storage session and returns to peer-to-peer when storage is off', async () => {
  const ch = 'camera-1';
  await wallOf(e.page, '2x2', 2);
  expect((await readTile(e.page, ch)).mode).toBe('p2p');
  const tile = tileOf(e.page, ch);

  // Enable storage from the panel; the confirmation says what happens and must be accepted.
  await tile.click();
  await tile.locator('[data-testid="storage-toggle"]').click();
  const panel = e.page.locator('[data-testid="storage-panel"]');
  await panel.waitFor({ state: 'visible', timeout: 5_000 });
  await panel.locator('[data-testid="storage-stream"]').fill(streamArn);
  await panel.getByRole('button', { name: 'Enable storage' }).click();
  const dialog = e.page.getByRole('dialog');
  await dialog.waitFor({ state: 'visible', timeout: 5_000 });
  // The warning a person must read before recording starts: talk-back is recorded too.
  expect(await dialog.textContent()).toMatch(/talk-back/i);
  await e.screenshot('storage-confirm');
  await dialog.getByRole('button', { name: 'Enable and record' }).click();

  // The tile rejoins through the storage session and keeps showing a moving picture.
  await until(
    `${ch} live through the storage session`,
    async () => {
      const t = await readTile(e.page, ch);
      return t.mode === 'storage' && t.state === 'live' && t.status === 'Live';
    },
    60_000,
    250,
  );
  await tile.locator('[data-testid="storage-badge"]').waitFor({ state: 'visible', timeout: 5_000 });
  const before = await videoOf(e.page, ch);
  const decoded = await framesDuring(e.page, [ch], 3_000);
  const after = await videoOf(e.page, ch);
  expect(decoded[ch], 'frames decoded in 3 s over storage').toBeGreaterThanOrEqual(10);
  expect(after.presented - before.presented, 'frames presented in 3 s over storage').toBeGreaterThanOrEqual(
    10,
  );
  const camera = await e.admin<{ mode: string }>('GET', `/cameras/${ch}`);
  expect(camera.mode).toBe('storage');
  const sessions = await e.admin<Array<{ channelArn?: string; channelName?: string }>>('GET', '/storage');
  expect(JSON.stringify(sessions)).toContain(ch);

  // kvs-local's recording for the stream grows while we watch.
  const r0 = await until(
    'recording has frames',
    async () => ((await recorded()) > 0 ? recorded() : null),
    20_000,
  );
  await e.page.waitForTimeout(3_000);
  const r1 = await recorded();
  console.log(`recording of ${ch}: ${r0} → ${r1} frames in 3 s`);
  expect(r1 - r0).toBeGreaterThanOrEqual(20);

  // The panel may have closed when the tile rejoined: open it again to see the storage state.
  if (!(await panel.isVisible())) await tile.locator('[data-testid="storage-toggle"]').click();
  await panel.waitFor({ state: 'visible', timeout: 5_000 });
  await e.screenshot('storage-panel', panel);

  // Disable: confirm, back to p2p and live.
  await panel.getByRole('button', { name: 'Disable storage' }).click();
  await e.page.getByRole('dialog').getByRole('button', { name: 'Disable storage' }).click();
  await until(
    `${ch} back on peer-to-peer and live`,
    async () => {
      const t = await readTile(e.page, ch);
      return t.mode === 'p2p' && t.state === 'live' && t.status === 'Live';
    },
    60_000,
    250,
  );
  const back = await framesDuring(e.page, [ch], 2_000);
  expect(back[ch]).toBeGreaterThanOrEqual(8);
  expect((await e.admin<{ mode: string }>('GET', `/cameras/${ch}`)).mode).toBe('p2p');
  const audit = await e.ok('audit:list', { limit: 100 });
  expect(audit.entries.filter((x) => x.kind === 'storage').map((x) => x.detail.enabled)).toEqual(
    expect.arrayContaining([true, false]),
  );
  expect(e.transcript.pageErrors).toEqual([]);
});
