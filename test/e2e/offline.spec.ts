/**
 * The service gone (network lost, or the local demo stopped): the console says it is offline, the tiles say
 * they lost their cameras instead of showing a stale "Live", and the catalog still answers searches from the
 * local SQLite catalog.
 */
import { afterEach, beforeEach, it } from 'vitest';
import { startE2E, until, type E2E } from './harness';
import { readTiles, wallOf } from './ui';

let e: E2E;

beforeEach(async () => {
  e = await startE2E({ cameras: 2 });
});

afterEach(async () => {
  await e?.close();
});

it('shows Offline, takes the tiles out of Live, and keeps the catalog searchable', async () => {
  await wallOf(e.page, '2x2', 2);
  await e.kvs.close();

  await e.page.locator('[data-testid="catalog-sync"]').click();
  const badge = e.page.getByRole('status').filter({ hasText: 'Offline' });
  await badge.first().waitFor({ state: 'visible', timeout: 30_000 });

  await until(
    'no tile claims to be live',
    async () =>
      (await readTiles(e.page))
        .filter((t) => t.channel)
        .every((t) => t.state !== 'live' && t.status !== 'Live'),
    45_000,
    250,
  );

  await e.page.locator('[data-testid="catalog-search"]').fill('camera-2');
  const item = e.page.locator('[data-testid="catalog-item"][data-channel-name="camera-2"]');
  await item.waitFor({ state: 'visible', timeout: 5_000 });
  // Search as you type settles on the one match, from SQLite.
  await until(
    'one match for camera-2',
    async () => (await e.page.locator('[data-testid="catalog-item"]').count()) === 1,
    5_000,
  );
  await e.screenshot('offline');
  console.log(
    `offline tiles: ${(await readTiles(e.page))
      .filter((t) => t.channel)
      .map((t) => `${t.channel}="${t.status}"`)
      .join(' ')}`,
  );
});
