/**
 * What a person does and sees on the console, through its DOM contract (data-testid and data-* attributes
 * the wall, tiles and catalog carry). Every wait is bounded and says what it waited for.
 */
import type { Locator, Page } from 'playwright-core';
import { until } from './harness';

export interface TileInfo {
  index: number;
  channel: string;
  state: string;
  mode: string;
  frames: number;
  g2gMs: number | null;
  status: string;
  selected: boolean;
}

export const wall = (page: Page): Locator => page.locator('[data-testid="wall"]');
export const tiles = (page: Page): Locator => page.locator('[data-testid="tile"]');
export const tileOf = (page: Page, channel: string): Locator =>
  page.locator(`[data-testid="tile"][data-channel-name="${channel}"]`);

/** Every tile's attributes and visible status, in index order. */
export async function readTiles(page: Page): Promise<TileInfo[]> {
  const raw = await tiles(page).evaluateAll((els) =>
    els.map((el) => {
      const num = (v: string | null) => (v === null || v === '' ? null : Number(v));
      return {
        index: num(el.getAttribute('data-index')) ?? -1,
        channel: el.getAttribute('data-channel-name') ?? '',
        state: el.getAttribute('data-state') ?? '',
        mode: el.getAttribute('data-mode') ?? '',
        frames: num(el.getAttribute('data-frames')) ?? 0,
        g2gMs: num(el.getAttribute('data-g2g-ms')),
        status: (el.querySelector('[data-testid="tile-status"]')?.textContent ?? '').trim(),
        selected: el.getAttribute('aria-selected') === 'true',
      };
    }),
  );
  return raw.sort((a, b) => a.index - b.index);
}

export async function readTile(page: Page, channel: string): Promise<TileInfo> {
  const all = await readTiles(page);
  const t = all.find((x) => x.channel === channel);
  if (!t) throw new Error(`no tile shows ${channel} (tiles: ${all.map((x) => x.channel || '·').join(', ')})`);
  return t;
}

export async function chooseLayout(page: Page, layout: string): Promise<void> {
  await page.locator('[data-testid="layout-picker"]').selectOption(layout, { timeout: 10_000 });
  await until(
    `wall layout ${layout}`,
    async () => (await wall(page).getAttribute('data-layout')) === layout,
    5_000,
  );
}

/** Syncs the catalog from the UI and waits until it lists `count` items. */
export async function syncCatalog(page: Page, count: number): Promise<void> {
  await page.locator('[data-testid="catalog-sync"]').click({ timeout: 15_000 });
  await until(
    `${count} catalog items after sync`,
    async () => (await page.locator('[data-testid="catalog-item"]').count()) >= count,
    30_000,
  );
}

/** Fills the wall's empty tiles with the catalog's results and waits until `channels` are all on it. */
export async function fillWall(page: Page, channels: readonly string[]): Promise<void> {
  await page.locator('[data-testid="fill-wall"]').click({ timeout: 10_000 });
  await until(
    `tiles for ${channels.join(', ')}`,
    async () => {
      const on = new Set((await readTiles(page)).map((t) => t.channel));
      return channels.every((c) => on.has(c));
    },
    10_000,
  );
}

/** Waits until the tiles of `channels` are live and say "Live"; the error lists what each tile shows. */
export async function waitLive(
  page: Page,
  channels: readonly string[],
  timeoutMs = 60_000,
): Promise<TileInfo[]> {
  let last: TileInfo[] = [];
  try {
    return await until(
      `tiles live: ${channels.join(', ')}`,
      async () => {
        last = await readTiles(page);
        const wanted = last.filter((t) => channels.includes(t.channel));
        return wanted.length === channels.length &&
          wanted.every((t) => t.state === 'live' && t.status === 'Live')
          ? wanted
          : null;
      },
      timeoutMs,
      250,
    );
  } catch (err) {
    const shown = last.map((t) => `${t.channel || '·'}=${t.state}/"${t.status}"/${t.frames}f`).join(' ');
    throw new Error(`${(err as Error).message}\n  tiles: ${shown}`);
  }
}

/** Frames each of `channels` decoded during `ms` (data-frames before and after). */
export async function framesDuring(
  page: Page,
  channels: readonly string[],
  ms: number,
): Promise<Record<string, number>> {
  const before = await readTiles(page);
  await page.waitForTimeout(ms);
  const after = await readTiles(page);
  const out: Record<string, number> = {};
  for (const c of channels) {
    const a = before.find((t) => t.channel === c)?.frames ?? 0;
    const b = after.find((t) => t.channel === c)?.frames ?? 0;
    out[c] = b - a;
  }
  return out;
}

/**
 * What the tile's <video> shows, independent of the app's own counters: intrinsic size and the frames the
 * media element has presented (getVideoPlaybackQuality), so "frames rise" is the browser's word too.
 */
export async function videoOf(
  page: Page,
  channel: string,
): Promise<{ width: number; height: number; presented: number }> {
  return tileOf(page, channel)
    .locator('video')
    .first()
    .evaluate((v: HTMLVideoElement) => ({
      width: v.videoWidth,
      height: v.videoHeight,
      presented: v.getVideoPlaybackQuality().totalVideoFrames,
    }));
}

/** Assigns the catalog item for `channel` to the selected tile (focus it, press Enter). */
export async function assignFromCatalog(page: Page, channel: string): Promise<void> {
  await page.locator('[data-testid="catalog-search"]').fill(channel);
  const item = page.locator(`[data-testid="catalog-item"][data-channel-name="${channel}"]`);
  await item.focus({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** Percentile of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Channels camera-1..camera-n. */
export const cameraNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `camera-${i + 1}`);

/** Syncs, picks a layout, fills the wall with the simulated cameras and waits until they are all live. */
export async function wallOf(page: Page, layout: string, cameras: number): Promise<string[]> {
  const names = cameraNames(cameras);
  await chooseLayout(page, layout);
  await syncCatalog(page, cameras);
  await fillWall(page, names);
  await waitLive(page, names);
  return names;
}
