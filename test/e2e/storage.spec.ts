/**
 * Media storage from the tile's panel: the operator picks the stream to record into from the streams the
 * channel's region has (or creates one there), and enabling storage (after the confirmation) moves the
 * tile onto the storage session — H.264 from kvs-local's media server, which Debian's Chromium decodes —
 * with frames still advancing while the stream's recording grows; disabling it brings the tile back to
 * peer-to-peer.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import type { Locator } from 'playwright-core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { controlClient } from '../helpers/kvsLocal';
import { startE2E, until, type E2E } from './harness';
import { framesDuring, readTile, tileOf, videoOf, wallOf } from './ui';

interface Recording {
  totals: { frames: number; bytes: number; durationMs: number; fragments: number };
}

let e: E2E;

/** Creates a stream behind the console's back, as another operator or a script would. */
async function createStream(name: string, retentionHours: number): Promise<string> {
  const kv = controlClient(e.kvs);
  try {
    return (
      await kv.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: retentionHours }))
    ).StreamARN!;
  } finally {
    kv.destroy();
  }
}

beforeEach(async () => {
  e = await startE2E({ cameras: 2 });
  // A stream that exists already, named after the channel: the panel lists it with its retention.
  await createStream('camera-1', 24);
});

afterEach(async () => {
  await e?.close();
});

const recorded = async (stream: string): Promise<number> => {
  try {
    return (await e.admin<Recording>('GET', `/streams/${stream}/recording`)).totals.frames;
  } catch {
    return 0;
  }
};

/** Opens the tile's storage panel and waits until it lists the streams it can record into. */
async function openStreamPicker(ch: string): Promise<{ tile: Locator; panel: Locator; select: Locator }> {
  const tile = tileOf(e.page, ch);
  await tile.click();
  await tile.locator('[data-testid="storage-toggle"]').click();
  const panel = tile.locator('[data-testid="storage-panel"]');
  await panel.waitFor({ state: 'visible', timeout: 5_000 });
  const select = panel.locator('[data-testid="storage-stream-select"]');
  await select.waitFor({ state: 'visible', timeout: 15_000 });
  return { tile, panel, select };
}

/** The text of the option the picker shows as chosen. */
const chosenOption = (select: Locator): Promise<string> =>
  select.evaluate((el: HTMLSelectElement) => el.selectedOptions[0]?.textContent?.trim() ?? '');

/** Enables storage from the panel: the confirmation says what happens and must be accepted. */
async function enableFromPanel(panel: Locator, streamName: string, screenshot?: string): Promise<void> {
  await panel.getByRole('button', { name: 'Enable storage' }).click();
  const dialog = e.page.getByRole('dialog');
  await dialog.waitFor({ state: 'visible', timeout: 5_000 });
  const text = (await dialog.textContent()) ?? '';
  // The warning a person must read before recording starts: talk-back is recorded too, and where.
  expect(text).toMatch(/talk-back/i);
  expect(text).toContain(streamName);
  if (screenshot) await e.screenshot(screenshot);
  await dialog.getByRole('button', { name: 'Enable and record' }).click();
}

/** The tile plays through the storage session with a moving picture, and the stream's recording grows. */
async function expectRecordedThroughStorage(ch: string, stream: string): Promise<void> {
  await until(
    `${ch} live through the storage session`,
    async () => {
      const t = await readTile(e.page, ch);
      return t.mode === 'storage' && t.state === 'live' && t.status === 'Live';
    },
    60_000,
    250,
  );
  const tile = tileOf(e.page, ch);
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
    `recording of ${stream} has frames`,
    async () => ((await recorded(stream)) > 0 ? recorded(stream) : null),
    20_000,
  );
  await e.page.waitForTimeout(3_000);
  const r1 = await recorded(stream);
  console.log(`recording of ${ch} into ${stream}: ${r0} → ${r1} frames in 3 s`);
  expect(r1 - r0).toBeGreaterThanOrEqual(20);
}

it('records a channel into a listed stream and returns to peer-to-peer when storage is off', async () => {
  const ch = 'camera-1';
  await wallOf(e.page, '2x2', 2);
  expect((await readTile(e.page, ch)).mode).toBe('p2p');

  // The picker lists the region's stream by name with its retention, preselected as the only free one,
  // and keeps a way to name a stream that is not listed.
  const { tile, panel, select } = await openStreamPicker(ch);
  const options = (await select.locator('option').allTextContents()).map((t) => t.trim());
  expect(options).toEqual(['camera-1 · 24 h', 'Other stream (paste its ARN)…']);
  expect(await chosenOption(select)).toBe('camera-1 · 24 h');
  await select.selectOption({ label: 'Other stream (paste its ARN)…' });
  const arnInput = panel.locator('[data-testid="storage-stream"]');
  await arnInput.fill('arn:aws:kinesisvideo:us-west-2:1:stream');
  await expect
    .poll(() => panel.textContent(), { timeout: 5_000 })
    .toContain('That is not a Kinesis video stream ARN');
  expect(await panel.getByRole('button', { name: 'Enable storage' }).isDisabled()).toBe(true);
  await select.selectOption({ label: 'camera-1 · 24 h' });
  expect(await arnInput.count()).toBe(0);

  await enableFromPanel(panel, 'camera-1', 'storage-confirm');
  await expectRecordedThroughStorage(ch, 'camera-1');

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

it('creates a stream from the panel, records into it, and says when a name is taken', async () => {
  const ch = 'camera-1';
  await wallOf(e.page, '2x2', 2);
  const { panel, select } = await openStreamPicker(ch);
  // Taken behind the console's back after the panel listed the streams: only CreateStream can say so.
  await createStream('camera-1-rec', 24);

  await panel.locator('[data-testid="storage-new-stream"]').click();
  const name = panel.locator('[data-testid="storage-new-stream-name"]');
  const retention = panel.locator('[data-testid="storage-new-stream-retention"]');
  const create = panel.locator('[data-testid="storage-create-stream"]');
  expect(await name.inputValue()).toBe('camera-1-rec');
  expect(await retention.inputValue()).toBe('168');
  await create.click();
  const error = panel.locator('[data-testid="storage-new-stream-error"]');
  await error.waitFor({ state: 'visible', timeout: 15_000 });
  expect(await error.textContent()).toContain('A stream named camera-1-rec already exists');
  // …and on the console's error strip, with where it happened.
  expect(await e.page.locator('[data-testid="error"]').allTextContents()).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/camera-1: storage:\s*A stream named camera-1-rec already exists/),
    ]),
  );
  await e.screenshot('storage-new-stream-taken', panel);

  // A listed name is refused before asking AWS; a retention out of range says its bounds.
  await name.fill('camera-1');
  await expect
    .poll(() => panel.textContent(), { timeout: 5_000 })
    .toContain('A stream named camera-1 already exists');
  expect(await create.isDisabled()).toBe(true);
  await name.fill('camera-1-night');
  await retention.fill('0');
  await expect
    .poll(() => panel.textContent(), { timeout: 5_000 })
    .toContain('Retention must be from 1 to 87,600 hours (10 years).');
  expect(await create.isDisabled()).toBe(true);
  await retention.fill('48');
  await expect.poll(() => panel.textContent(), { timeout: 5_000 }).toContain('Kept for 2 days.');

  await create.click();
  // The new stream joins the list and is the one chosen.
  await expect.poll(() => chosenOption(select), { timeout: 15_000 }).toBe('camera-1-night · 48 h');
  expect(await name.count()).toBe(0);
  const options = (await select.locator('option').allTextContents()).map((t) => t.trim());
  expect(options).toContain('camera-1-night · 48 h');

  await enableFromPanel(panel, 'camera-1-night');
  await expectRecordedThroughStorage(ch, 'camera-1-night');

  // Another channel's panel shows the stream as taken, and does not let it be chosen.
  const other = await openStreamPicker('camera-2');
  const taken = other.select.locator('option', { hasText: 'camera-1-night' });
  expect((await taken.textContent())?.trim()).toBe('camera-1-night · 48 h · recording camera-1');
  expect(await taken.isDisabled()).toBe(true);
  expect(await chosenOption(other.select)).not.toContain('camera-1-night');
  await e.screenshot('storage-picker-taken', other.panel);

  const audit = await e.ok('audit:list', { limit: 100 });
  expect(audit.entries.filter((x) => x.kind === 'storage').map((x) => x.detail)).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ action: 'createStream', retentionHours: 48 }),
      expect.objectContaining({ enabled: true }),
    ]),
  );
  expect(e.transcript.pageErrors).toEqual([]);
});

it('a kiosk station lists the streams but offers no way to create one', async () => {
  await e.close();
  e = await startE2E({ cameras: 1, kiosk: true });
  await createStream('camera-1', 24);
  await wallOf(e.page, '1x1', 1);
  const { panel, select } = await openStreamPicker('camera-1');
  await expect.poll(() => chosenOption(select), { timeout: 15_000 }).toBe('camera-1 · 24 h');
  expect(await panel.locator('[data-testid="storage-new-stream"]').count()).toBe(0);
  expect(await panel.textContent()).not.toContain('New stream');
  // Main holds the policy: even a crafted call is refused.
  const refused = await e.call('storage:createStream', {
    channelArn: (await e.ok('catalog:search', { query: 'camera-1' })).channels[0]!.arn,
    name: 'kiosk-rec',
    retentionHours: 24,
  });
  expect(refused).toMatchObject({ ok: false, error: { code: 'AccessDenied' } });
  expect(e.transcript.pageErrors).toEqual([]);
});
