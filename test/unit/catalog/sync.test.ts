import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog, type SyncProgress } from '../../../src-main/core/catalog';
import { channel, FakeSource, memoryLog } from './fakes';

let c: Catalog;
let clock = 1000;
const log = memoryLog();
beforeEach(() => {
  clock = 1000;
  c = openCatalog(':memory:', { log, now: () => clock });
});
afterEach(() => c.close());

const many = (n: number, region = 'us-west-2', prefix = 'cam') =>
  Array.from({ length: n }, (_, i) => channel(`${prefix}-${String(i).padStart(4, '0')}`, region));
const stream = 'arn:aws:kinesisvideo:us-west-2:111122223333:stream/cam-rec/1700000000000';

describe('sync', () => {
  it('pages through each region, reports progress per page, and stores every channel with its storage', async () => {
    const west = many(1200);
    const source = new FakeSource(
      { 'us-west-2': west, 'eu-west-1': many(3, 'eu-west-1') },
      { pageSize: 500, storage: { [west[7]!.arn]: { status: 'ENABLED', streamArn: stream } } },
    );
    const progress: SyncProgress[] = [];
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2', 'eu-west-1'],
      source,
      onProgress: (p) => progress.push(p),
    });
    expect(r.cancelled).toBe(false);
    expect(r.regions.map((o) => o.ok && [o.region, o.pages, o.counts.added])).toEqual([
      ['us-west-2', 3, 1200],
      ['eu-west-1', 1, 3],
    ]);
    expect(progress).toEqual([
      { region: 'us-west-2', pages: 1, channels: 500, done: false },
      { region: 'us-west-2', pages: 2, channels: 1000, done: false },
      { region: 'us-west-2', pages: 3, channels: 1200, done: false },
      { region: 'us-west-2', pages: 3, channels: 1200, done: true },
      { region: 'eu-west-1', pages: 1, channels: 3, done: false },
      { region: 'eu-west-1', pages: 1, channels: 3, done: true },
    ]);
    expect(source.calls.describe).toBe(1203);
    expect(c.channels.count('p1')).toBe(1203);
    const enabled = c.channels.get('p1', west[7]!.arn)!;
    expect(enabled).toMatchObject({
      storageStatus: 'ENABLED',
      streamArn: stream,
      lastSyncedAt: 1000,
      missing: false,
    });
    expect(c.channels.get('p1', west[8]!.arn)).toMatchObject({ storageStatus: 'DISABLED', streamArn: null });
  });

  it('bounds the describe calls in flight', async () => {
    const source = new FakeSource({ 'us-west-2': many(60) }, { describeDelayMs: 2, pageSize: 25 });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source, concurrency: 4 });
    expect(source.maxInFlight).toBe(4);
    expect(c.channels.count('p1')).toBe(60);
  });

  it('records UNKNOWN storage for a channel whose describe failed, and the sync still succeeds', async () => {
    const chans = many(3);
    const source = new FakeSource(
      { 'us-west-2': chans },
      { storage: { [chans[1]!.arn]: new Error('ResourceNotFoundException') } },
    );
    const r = await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(r.regions[0]).toMatchObject({ ok: true, counts: { seen: 3, storageUnknown: 1 } });
    expect(c.channels.get('p1', chans[1]!.arn)!.storageStatus).toBe('UNKNOWN');
    expect(c.channels.get('p1', chans[0]!.arn)!.storageStatus).toBe('DISABLED');
  });

  it('marks channels the service no longer lists missing, keeps them, and clears the mark when they return', async () => {
    const [a, b, d] = many(3);
    const source = new FakeSource({ 'us-west-2': [a!, b!, d!] });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    source.channels['us-west-2'] = [a!, d!];
    clock = 2000;
    const r = await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(r.regions[0]).toMatchObject({
      ok: true,
      counts: { seen: 2, added: 0, updated: 2, markedMissing: 1 },
    });
    expect(c.channels.get('p1', b!.arn)).toMatchObject({ missing: true, lastSyncedAt: 1000 });
    expect(c.channels.get('p1', a!.arn)).toMatchObject({ missing: false, lastSyncedAt: 2000 });
    source.channels['us-west-2'] = [a!, b!, d!];
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(c.channels.get('p1', b!.arn)).toMatchObject({ missing: false, lastSyncedAt: 2000 });
  });

  it('only marks missing within the synced profile and region', async () => {
    const source = new FakeSource({ 'us-west-2': many(2), 'eu-west-1': many(2, 'eu-west-1') });
    await c.sync({ profileId: 'p1', regions: ['us-west-2', 'eu-west-1'], source });
    await c.sync({ profileId: 'p2', regions: ['us-west-2'], source });
    source.channels['us-west-2'] = [];
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    const missing = (p: string) =>
      c.search({ profileId: p, query: '', includeMissing: true }).channels.filter((x) => x.missing).length;
    expect(missing('p1')).toBe(2);
    expect(c.search({ profileId: 'p1', query: '', region: 'eu-west-1' }).total).toBe(2);
    expect(missing('p2')).toBe(0);
  });

  it('updates renamed channels and their search index, and keeps tags when the source has none', async () => {
    const [a] = many(1);
    const withTags = new FakeSource({ 'us-west-2': [a!] }, { tags: { [a!.arn]: { site: 'hq' } } });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source: withTags });
    expect(c.channels.get('p1', a!.arn)!.tags).toEqual({ site: 'hq' });
    const renamed = new FakeSource({ 'us-west-2': [{ ...a!, name: 'lobby-east' }] });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source: renamed });
    expect(c.channels.get('p1', a!.arn)).toMatchObject({ name: 'lobby-east', tags: { site: 'hq' } });
    expect(c.search({ profileId: 'p1', query: 'lobby' }).total).toBe(1);
    expect(c.search({ profileId: 'p1', query: 'cam' }).total).toBe(0);
    expect(c.search({ profileId: 'p1', query: 'hq' }).total).toBe(1);
  });

  it('cancelling applies nothing for the region in progress and keeps the regions already applied', async () => {
    const abort = new AbortController();
    const source = new FakeSource(
      { 'us-west-2': many(10), 'eu-west-1': many(1200, 'eu-west-1') },
      {
        pageSize: 500,
        beforePage: (region, page) => {
          if (region === 'eu-west-1' && page === 2) abort.abort();
        },
      },
    );
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2', 'eu-west-1'],
      source,
      signal: abort.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(r.regions.map((o) => o.region)).toEqual(['us-west-2']);
    expect(c.search({ profileId: 'p1', query: '', region: 'us-west-2' }).total).toBe(10);
    expect(c.search({ profileId: 'p1', query: '', region: 'eu-west-1', includeMissing: true }).total).toBe(0);
  });

  it('cancelling during the describes applies nothing either', async () => {
    const abort = new AbortController();
    const source = new FakeSource({ 'us-west-2': many(50) }, { describeDelayMs: 5 });
    setTimeout(() => abort.abort(), 15);
    const r = await c.sync({ profileId: 'p1', regions: ['us-west-2'], source, signal: abort.signal });
    expect(r).toEqual({ cancelled: true, regions: [] });
    expect(c.channels.count('p1')).toBe(0);
  });

  it('a region that fails to list is reported with its error; the other regions still sync', async () => {
    const denied = new Error('AccessDeniedException');
    const source = new FakeSource(
      { 'eu-west-1': many(2, 'eu-west-1') },
      { failRegion: { 'us-west-2': denied } },
    );
    const progress: SyncProgress[] = [];
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2', 'eu-west-1'],
      source,
      onProgress: (p) => progress.push(p),
    });
    expect(r.cancelled).toBe(false);
    expect(r.regions[0]).toEqual({ region: 'us-west-2', ok: false, pages: 0, error: denied });
    expect(r.regions[1]).toMatchObject({ region: 'eu-west-1', ok: true });
    expect(progress[0]).toEqual({ region: 'us-west-2', pages: 0, channels: 0, done: true, error: denied });
    expect(c.channels.count('p1')).toBe(2);
  });

  it('stops a source that never ends its pagination', async () => {
    const looping = new FakeSource({});
    looping.listPage = () => Promise.resolve({ channels: [], nextToken: 'same' });
    const r = await c.sync({ profileId: 'p1', regions: ['us-west-2'], source: looping });
    expect(r.regions[0]).toMatchObject({ ok: false });
    expect(String((r.regions[0] as { error: unknown }).error)).toMatch(/did not end/);
  });

  it('leaves the catalog as it was when the apply fails half way', async () => {
    const good = many(3);
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source: new FakeSource({ 'us-west-2': good }) });
    // A channel status outside the schema's CHECK makes the third upsert fail inside the transaction.
    const bad = [{ ...good[0]!, name: 'renamed' }, good[1]!, { ...good[2]!, status: 'BROKEN' as 'ACTIVE' }];
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2'],
      source: new FakeSource({ 'us-west-2': bad }),
    });
    expect(r.regions[0]).toMatchObject({ ok: false });
    expect(c.channels.get('p1', good[0]!.arn)!.name).toBe(good[0]!.name);
    expect(c.search({ profileId: 'p1', query: 'renamed' }).total).toBe(0);
  });
});

describe('sync: the tags phase', () => {
  const tagsOf = (chans: ReturnType<typeof many>, f: (i: number) => Record<string, string>) =>
    Object.fromEntries(chans.map((ch, i) => [ch.arn, f(i)]));

  it('applies channels and storage first, then reads tags in batches with their own progress', async () => {
    const west = many(1200);
    const source = new FakeSource(
      { 'us-west-2': west },
      {
        tags: tagsOf(west, (i) => ({ site: i % 2 ? 'north' : 'south' })),
        storage: { [west[3]!.arn]: { status: 'ENABLED', streamArn: stream } },
      },
    );
    const progress: SyncProgress[] = [];
    let atFirstTagsEvent: { channels: number; storage: string; tags: unknown; tagCalls: number } | undefined;
    const applied: string[] = [];
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2'],
      source,
      onApplied: (o) => applied.push(`${o.region}:${o.counts.seen}`),
      onProgress: (p) => {
        progress.push(p);
        if (p.phase === 'tags' && !atFirstTagsEvent) {
          atFirstTagsEvent = {
            channels: c.channels.count('p1'),
            storage: c.channels.get('p1', west[3]!.arn)!.storageStatus,
            tags: c.channels.get('p1', west[3]!.arn)!.tags,
            tagCalls: source.calls.tags,
          };
        }
      },
    });
    expect(applied).toEqual(['us-west-2:1200']);
    // When the tags phase starts, every channel and its storage are in the catalog; no tag read yet.
    expect(atFirstTagsEvent).toEqual({ channels: 1200, storage: 'ENABLED', tags: {}, tagCalls: 0 });
    expect(progress.map((p) => [p.phase ?? 'list', p.channels, p.total, p.done])).toEqual([
      ['list', 500, undefined, false],
      ['list', 1000, undefined, false],
      ['list', 1200, undefined, false],
      ['tags', 0, 1200, false],
      ['tags', 500, 1200, false],
      ['tags', 1000, 1200, false],
      ['tags', 1200, 1200, false],
      ['list', 1200, undefined, true],
    ]);
    expect(r.regions[0]).toMatchObject({
      ok: true,
      tags: { due: 1200, read: 1200, failed: 0, complete: true },
    });
    expect(source.calls).toMatchObject({ describe: 1200, tags: 1200 });
    expect(c.search({ profileId: 'p1', query: 'north' }).total).toBe(600);
  });

  it('reads tags again only for new channels, changed Versions and tags older than tagsMaxAgeMs', async () => {
    const chans = many(5);
    const tags = tagsOf(chans, () => ({ site: 'hq' }));
    const source = new FakeSource({ 'us-west-2': chans }, { tags });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.calls.tags).toBe(5);

    // Nothing changed: no tag reads at all, and the region is done right after its apply.
    const progress: SyncProgress[] = [];
    clock += 60_000;
    const again = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2'],
      source,
      onProgress: (p) => progress.push(p),
    });
    expect(source.calls.tags).toBe(5);
    expect(progress.some((p) => p.phase === 'tags')).toBe(false);
    expect(again.regions[0]).toMatchObject({ ok: true, tags: { due: 0, read: 0, complete: true } });

    // One channel updated (new Version) and one new channel: only those two.
    const added = channel('cam-new');
    tags[chans[2]!.arn] = { site: 'annex' };
    tags[added.arn] = { site: 'yard' };
    source.channels['us-west-2'] = [
      ...chans.slice(0, 2),
      { ...chans[2]!, version: 'v2' },
      ...chans.slice(3),
      added,
    ];
    source.tagArns.length = 0;
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.tagArns.sort()).toEqual([chans[2]!.arn, added.arn].sort());
    expect(c.channels.get('p1', chans[2]!.arn)!.tags).toEqual({ site: 'annex' });
    expect(c.channels.get('p1', added.arn)!.tags).toEqual({ site: 'yard' });

    // A tag-only change (TagResource keeps the Version) shows once the tags are older than the max age.
    tags[chans[0]!.arn] = { site: 'moved' };
    source.tagArns.length = 0;
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.tagArns).toEqual([]);
    expect(c.channels.get('p1', chans[0]!.arn)!.tags).toEqual({ site: 'hq' });
    clock += 60 * 60 * 1000;
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source, tagsMaxAgeMs: 30 * 60 * 1000 });
    expect(source.tagArns).toHaveLength(6);
    expect(c.channels.get('p1', chans[0]!.arn)!.tags).toEqual({ site: 'moved' });
  });

  it('a failed ListTagsForResource keeps the channel tags it had and reads them again next time', async () => {
    const chans = many(3);
    const tags: Record<string, Record<string, string> | Error> = tagsOf(chans, () => ({ site: 'hq' }));
    const source = new FakeSource({ 'us-west-2': chans }, { tags });
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    clock += 2 * 24 * 60 * 60 * 1000;
    tags[chans[1]!.arn] = new Error('ThrottlingException');
    const r = await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(r.regions[0]).toMatchObject({ ok: true, tags: { due: 3, read: 2, failed: 1, complete: true } });
    expect(c.channels.get('p1', chans[1]!.arn)!.tags).toEqual({ site: 'hq' });
    tags[chans[1]!.arn] = { site: 'annex' };
    source.tagArns.length = 0;
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.tagArns).toEqual([chans[1]!.arn]);
    expect(c.channels.get('p1', chans[1]!.arn)!.tags).toEqual({ site: 'annex' });
  });

  it('all regions get their channels and storage before any region reads tags', async () => {
    const west = many(3);
    const eu = many(2, 'eu-west-1');
    const source = new FakeSource(
      { 'us-west-2': west, 'eu-west-1': eu },
      { tags: { ...tagsOf(west, () => ({ a: '1' })), ...tagsOf(eu, () => ({ b: '2' })) } },
    );
    const steps: string[] = [];
    await c.sync({
      profileId: 'p1',
      regions: ['us-west-2', 'eu-west-1'],
      source,
      onApplied: (o) => steps.push(`applied ${o.region}`),
      onProgress: (p) => p.done && steps.push(`done ${p.region}`),
      concurrency: 1,
    });
    expect(steps).toEqual(['applied us-west-2', 'applied eu-west-1', 'done us-west-2', 'done eu-west-1']);
  });

  it('cancelling between the phases keeps the channels and storage, reads no tags, and says cancelled', async () => {
    const chans = many(20);
    const abort = new AbortController();
    const source = new FakeSource({ 'us-west-2': chans }, { tags: tagsOf(chans, () => ({ site: 'hq' })) });
    const progress: SyncProgress[] = [];
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2'],
      source,
      signal: abort.signal,
      onApplied: () => abort.abort(),
      onProgress: (p) => progress.push(p),
    });
    expect(r.cancelled).toBe(true);
    expect(r.regions[0]).toMatchObject({
      ok: true,
      counts: { seen: 20 },
      tags: { due: 20, read: 0, complete: false },
    });
    expect(source.calls.tags).toBe(0);
    expect(c.channels.count('p1')).toBe(20);
    expect(c.channels.get('p1', chans[0]!.arn)!.tags).toEqual({});
    expect(progress.some((p) => p.done)).toBe(false);
    // The next sync reads them all.
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.calls.tags).toBe(20);
    expect(c.search({ profileId: 'p1', query: 'hq' }).total).toBe(20);
  });

  it('cancelling in the tags phase keeps the batches stored, writes nothing after, and resumes next time', async () => {
    const chans = many(1200);
    const abort = new AbortController();
    const source = new FakeSource(
      { 'us-west-2': chans },
      {
        tags: tagsOf(chans, () => ({ site: 'hq' })),
        // Cancel once the first batch (500) is stored and a few more calls are under way.
        onTags: (_arn, n) => n === 520 && abort.abort(),
      },
    );
    const r = await c.sync({
      profileId: 'p1',
      regions: ['us-west-2'],
      source,
      signal: abort.signal,
      concurrency: 4,
    });
    expect(r.cancelled).toBe(true);
    expect(r.regions[0]).toMatchObject({ ok: true, tags: { due: 1200, read: 500, complete: false } });
    const tagged = () => c.search({ profileId: 'p1', query: 'hq' }).total;
    expect(tagged()).toBe(500);
    await new Promise((res) => setTimeout(res, 20));
    expect(tagged()).toBe(500);
    source.tagArns.length = 0;
    await c.sync({ profileId: 'p1', regions: ['us-west-2'], source });
    expect(source.tagArns).toHaveLength(700);
    expect(tagged()).toBe(1200);
  });
});

describe('applyTags', () => {
  it('stores tags only onto the Version they were read for, in one transaction', () => {
    const [a, b] = many(2);
    c.channels.applyRegion(
      'p1',
      'us-west-2',
      [a!, b!].map((ch) => ({ channel: ch, storage: null })),
      1,
    );
    const stored = c.channels.applyTags(
      'p1',
      [
        { arn: a!.arn, version: 'v1', tags: { site: 'hq' } },
        { arn: b!.arn, version: 'v0-stale', tags: { site: 'old' } },
      ],
      2,
    );
    expect(stored).toBe(1);
    expect(c.channels.get('p1', a!.arn)!.tags).toEqual({ site: 'hq' });
    expect(c.channels.get('p1', b!.arn)!.tags).toEqual({});
    expect(c.channels.tagsToRead('p1', 'us-west-2', 0).map((t) => t.arn)).toEqual([b!.arn]);
  });
});
