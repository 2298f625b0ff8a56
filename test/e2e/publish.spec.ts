/**
 * "Publish from this station": the console becomes the producing device of a storage-enabled channel with
 * Chromium's fake camera and microphone. The station's H.264 reaches the storage session — the stream's
 * recording grows and a tile watching that channel shows the station's own moving picture — and when a
 * more recent device takes the channel, the station stops and says so instead of fighting it.
 */
import { CreateSignalingChannelCommand, CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { afterEach, expect, it } from 'vitest';
import { controlClient } from '../helpers/kvsLocal';
import { startE2E, until, type E2E } from './harness';
import { assignFromCatalog, chooseLayout, framesDuring, readTile, syncCatalog, tileOf } from './ui';

let e: E2E | undefined;

afterEach(async () => {
  await e?.close();
  e = undefined;
});

async function storageOn(h: E2E, channel: string, createChannel: boolean): Promise<string> {
  const kv = controlClient(h.kvs);
  try {
    if (createChannel) await kv.send(new CreateSignalingChannelCommand({ ChannelName: channel }));
    const { StreamARN } = await kv.send(
      new CreateStreamCommand({ StreamName: channel, DataRetentionInHours: 24 }),
    );
    return StreamARN!;
  } finally {
    kv.destroy();
  }
}

const recorded = async (h: E2E, stream: string): Promise<number> => {
  try {
    return (await h.admin<{ totals: { frames: number } }>('GET', `/streams/${stream}/recording`)).totals
      .frames;
  } catch {
    return 0;
  }
};

/** Opens the tile's storage panel and starts publishing through the confirmation. */
async function publishFrom(h: E2E, channel: string): Promise<void> {
  const tile = tileOf(h.page, channel);
  await tile.click();
  const panel = h.page.locator('[data-testid="storage-panel"]');
  if (!(await panel.isVisible())) await tile.locator('[data-testid="storage-toggle"]').click();
  await panel.getByRole('button', { name: 'Publish from this station' }).click({ timeout: 10_000 });
  const dialog = h.page.getByRole('dialog');
  expect(await dialog.textContent()).toMatch(/camera and microphone/i);
  await dialog.getByRole('button', { name: 'Publish' }).click();
}

const banner = (h: E2E) => h.page.locator('[data-testid="publish-banner"]');

it('publishes the station camera into the storage session: the recording grows and a tile shows it', async () => {
  const h = (e = await startE2E({ cameras: 0 }));
  const streamArn = await storageOn(h, 'station-1', true);
  await chooseLayout(h.page, '1x1');
  await syncCatalog(h.page, 1);
  const arn = (await h.ok('catalog:search', { query: 'station-1' })).channels[0]!.arn;
  await h.ok('storage:update', { channelArn: arn, enabled: true, streamArn, confirmed: true });
  await h.page.locator('[data-testid="tile"]').first().click();
  await assignFromCatalog(h.page, 'station-1');

  await publishFrom(h, 'station-1');
  await until(
    'publishing live',
    async () => (await banner(h).getAttribute('data-state')) === 'live',
    60_000,
    250,
  );
  expect(await banner(h).textContent()).toContain('Publishing → station-1');
  await h.screenshot('publish-live');

  // The station's media is what the storage session records…
  const r0 = await until(
    'recording has frames',
    async () => ((await recorded(h, 'station-1')) > 0 ? 1 : null),
    30_000,
  );
  expect(r0).toBe(1);
  const a = await recorded(h, 'station-1');
  await h.page.waitForTimeout(3_000);
  const b = await recorded(h, 'station-1');
  console.log(`station-1 recording: ${a} → ${b} frames in 3 s`);
  expect(b - a).toBeGreaterThanOrEqual(20);

  // …and what a viewer of that channel sees: the tile joins the storage session and its picture moves.
  await until(
    'the station-1 tile live through the storage session',
    async () => {
      const t = await readTile(h.page, 'station-1');
      return t.mode === 'storage' && t.state === 'live';
    },
    60_000,
    250,
  );
  expect((await framesDuring(h.page, ['station-1'], 2_000))['station-1']).toBeGreaterThanOrEqual(8);

  await banner(h).getByRole('button', { name: 'Stop publishing' }).click();
  await until(
    'publishing stopped',
    async () => (await banner(h).getAttribute('data-state')) === 'stopped',
    10_000,
  );
  const c = await recorded(h, 'station-1');
  await h.page.waitForTimeout(2_000);
  expect(await recorded(h, 'station-1')).toBe(c);
  const { entries } = await h.ok('audit:list', { limit: 50 });
  expect(entries.find((x) => x.kind === 'publish' && x.detail.action === 'end')?.detail).toMatchObject({
    outcome: 'stopped',
  });
  expect(h.transcript.pageErrors).toEqual([]);
});

it('says "another device took over" and stops when a more recent device wins the channel', async () => {
  const h = (e = await startE2E({ cameras: 1 }));
  const streamArn = await storageOn(h, 'camera-1', false);
  await chooseLayout(h.page, '1x1');
  await syncCatalog(h.page, 1);
  const arn = (await h.ok('catalog:search', { query: 'camera-1' })).channels[0]!.arn;
  await h.ok('storage:update', { channelArn: arn, enabled: true, streamArn, confirmed: true });
  await h.page.locator('[data-testid="tile"]').first().click();
  await assignFromCatalog(h.page, 'camera-1');

  // The camera is off while the station publishes; when it comes back it connects and joins as the
  // channel's producing device — the more recent one.
  await h.admin('POST', '/cameras/camera-1/stop');
  await publishFrom(h, 'camera-1');
  await until(
    'publishing live',
    async () => (await banner(h).getAttribute('data-state')) === 'live',
    60_000,
    250,
  );
  await h.admin('POST', '/cameras/camera-1/start');
  await until(
    'the station taken over by the camera',
    async () => (await banner(h).getAttribute('data-state')) === 'taken-over',
    60_000,
    250,
  );
  expect(await h.page.locator('[data-testid="publish-message"]').textContent()).toContain(
    'Another device took over this channel',
  );
  await h.screenshot('publish-taken-over');
  // It does not fight back: the camera stays the channel's master and the tile shows its picture.
  await h.page.waitForTimeout(3_000);
  expect(await banner(h).getAttribute('data-state')).toBe('taken-over');
  const { entries } = await h.ok('audit:list', { limit: 50 });
  expect(entries.find((x) => x.kind === 'publish' && x.detail.action === 'end')?.detail).toMatchObject({
    outcome: 'taken-over',
  });
});
