/**
 * Push-to-talk: while the operator holds Talk on one tile, that camera — and only that camera — hears the
 * microphone (the fake device's 1 kHz tone) well above its noise floor, and the banner says so; on release
 * it stops; the burst is in the audit log with that channel. Holding "T" with a tile selected does the same.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startE2E, until, type E2E } from './harness';
import { tileOf, wallOf } from './ui';

interface Level {
  viewerId: string;
  levelDb: number;
  peakDb: number;
  lastHeardAt: number | null;
}

let e: E2E;

beforeEach(async (ctx) => {
  // The refused-microphone test runs with Chromium answering every permission prompt with "deny".
  const denied = ctx.task.name.includes('refuses the microphone');
  e = await startE2E({
    cameras: 2,
    ...(denied ? { chromiumArgs: ['--use-fake-ui-for-media-stream=deny'] } : {}),
  });
});

afterEach(async () => {
  await e?.close();
});

/** The loudest viewer a camera hears right now (dBFS; −100 is the meter's floor). */
async function loudest(channel: string): Promise<number> {
  const levels = await e.admin<Level[]>('GET', `/cameras/${channel}/levels`);
  return levels.reduce((max, l) => Math.max(max, l.levelDb), -100);
}

/** What a person sees: the banner, and the talk button pressed, while the mic is live. */
async function expectMicLive(channel: string, live: boolean): Promise<void> {
  const banner = e.page.locator('[data-testid="mic-banner"]');
  if (live) {
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    expect((await banner.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`Mic live → ${channel}`);
  } else {
    await banner.waitFor({ state: 'hidden', timeout: 5_000 });
  }
  expect(await tileOf(e.page, channel).locator('[data-testid="talk"]').getAttribute('aria-pressed')).toBe(
    live ? 'true' : 'false',
  );
}

it('sends the microphone to the held tile only, shows it, stops on release and audits the burst', async () => {
  const [one, two] = (await wallOf(e.page, '2x2', 2)) as [string, string];
  const arnOf = (name: string) => e.kvs.info.channels.find((c) => c.name === name)!.arn;

  // Noise floor: nobody talks yet.
  await e.page.waitForTimeout(1_000);
  const floor = { [one]: await loudest(one), [two]: await loudest(two) };
  expect(floor[one]).toBeLessThan(-60);
  expect(floor[two]).toBeLessThan(-60);

  // Hold Talk on camera-1.
  const talk = tileOf(e.page, one).locator('[data-testid="talk"]');
  await talk.hover({ timeout: 5_000 });
  const pressedAt = Date.now();
  await e.page.mouse.down();
  try {
    await expectMicLive(one, true);
    const heard = await until(
      `${one} hears the tone`,
      async () => ((await loudest(one)) > -30 ? loudest(one) : null),
      10_000,
    );
    console.log(`${one} hears ${heard.toFixed(1)} dBFS while Talk is held (floor ${floor[one]!.toFixed(1)})`);
    expect(heard).toBeGreaterThan(floor[one]! + 30);
    // The other camera hears nothing all along.
    for (let i = 0; i < 5; i++) {
      expect(await loudest(two), `${two} while ${one} is talked to`).toBeLessThan(-60);
      await e.page.waitForTimeout(200);
    }
  } finally {
    await e.page.mouse.up();
  }
  const releasedAt = Date.now();
  await expectMicLive(one, false);
  await until(`${one} silent after release`, async () => (await loudest(one)) < -60, 5_000);

  // The burst is audited with that channel and about as long as it was held.
  const audit = await e.ok('audit:list', { limit: 100 });
  const bursts = audit.entries.filter((x) => x.kind === 'talk');
  expect(bursts.length).toBe(1);
  expect(bursts[0]!.channelArn).toBe(arnOf(one));
  const detail = bursts[0]!.detail as { startedAt: number; endedAt: number };
  expect(detail.startedAt).toBeGreaterThanOrEqual(pressedAt - 1_000);
  expect(detail.endedAt).toBeLessThanOrEqual(releasedAt + 2_000);

  // Holding "T" with camera-2 selected talks to camera-2 only.
  await tileOf(e.page, two).click();
  await until(
    `${two} selected`,
    async () => (await tileOf(e.page, two).getAttribute('aria-selected')) === 'true',
    5_000,
  );
  await e.page.keyboard.down('t');
  try {
    await expectMicLive(two, true);
    await until(`${two} hears the tone`, async () => (await loudest(two)) > -30, 10_000);
    expect(await loudest(one)).toBeLessThan(-60);
  } finally {
    await e.page.keyboard.up('t');
  }
  await expectMicLive(two, false);
  await until(`${two} silent after release`, async () => (await loudest(two)) < -60, 5_000);
  const after = await e.ok('audit:list', { limit: 100 });
  expect(
    after.entries
      .filter((x) => x.kind === 'talk')
      .map((x) => x.channelArn)
      .sort(),
  ).toEqual([arnOf(one), arnOf(two)].sort());
  expect(e.transcript.pageErrors).toEqual([]);
});

it('says what to do when the system refuses the microphone, and sends nothing', async () => {
  await wallOf(e.page, '2x2', 2);
  const talk = tileOf(e.page, 'camera-1').locator('[data-testid="talk"]');
  await talk.hover();
  await e.page.mouse.down();
  const error = e.page.locator('[data-testid="error"]');
  await error.first().waitFor({ state: 'visible', timeout: 10_000 });
  await e.page.mouse.up();
  expect(await error.first().textContent()).toContain('Microphone blocked — allow it');
  await e.screenshot('talk-mic-blocked');
  expect(await e.page.locator('[data-testid="mic-banner"]').count()).toBe(0);
  expect(await talk.getAttribute('aria-pressed')).toBe('false');
  await e.page.waitForTimeout(1_000);
  expect(await loudest('camera-1')).toBeLessThan(-60);
  const { entries } = await e.ok('audit:list', { limit: 20 });
  expect(entries.filter((x) => x.kind === 'talk')).toEqual([]);
});
