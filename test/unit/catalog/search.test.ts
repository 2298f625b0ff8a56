import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelSummary } from '../../../src-shared/ipc/schemas';
import { ftsMatch, openCatalog, type Catalog, type SyncedChannel } from '../../../src-main/core/catalog';
import {
  BROWSE_COUNT_SQL,
  BROWSE_SQL,
  BY_NAME_SQL,
  COUNT_SQL,
  GROUP_SQL,
  GROUP_TEXT_SQL,
  PREFIX_COUNT_SQL,
  PREFIX_SQL,
  RANKED_SQL,
  SearchRepo,
  type SearchLimits,
} from '../../../src-main/core/catalog/repos/search';
import { Sql } from '../../../src-main/core/catalog/sql';
import { channel, memoryLog } from './fakes';

let c: Catalog;
const arn = (name: string, region = 'us-west-2') => channel(name, region).arn;

function seen(name: string, extra: Partial<SyncedChannel> = {}, region = 'us-west-2'): SyncedChannel {
  return {
    channel: channel(name, region),
    storage: { status: 'DISABLED', streamArn: null },
    tags: {},
    ...extra,
  };
}

beforeEach(() => {
  c = openCatalog(':memory:', { log: memoryLog(), now: () => 1000 });
  c.channels.applyRegion(
    'p1',
    'us-west-2',
    [
      seen('front-door', { tags: { site: 'hq', zone: 'entrance' } }),
      seen('front_gate.cam2', { tags: { site: 'depot' } }),
      seen('back-door', { tags: { site: 'hq' } }),
      seen('Lobby', { tags: { note: 'front desk' } }),
      seen('garage', {
        storage: {
          status: 'ENABLED',
          streamArn: 'arn:aws:kinesisvideo:us-west-2:111122223333:stream/garage-rec/1700000000000',
        },
      }),
      seen('roof', { channel: channel('roof', 'us-west-2', { status: 'UPDATING' }) }),
      seen('Café-Terrasse'),
    ],
    1000,
  );
  c.channels.applyRegion('p1', 'eu-west-1', [seen('front-office', {}, 'eu-west-1')], 1000);
  c.channels.applyRegion('p2', 'us-west-2', [seen('front-door')], 1000);
});
afterEach(() => c.close());

const names = (q: Parameters<Catalog['search']>[0]) => c.search(q).channels.map((ch) => ch.name);
/** The matches as a sorted list, where only membership is under test. */
const found = (q: Parameters<Catalog['search']>[0]) => names(q).sort();

describe('ftsMatch', () => {
  it('turns typed text into quoted prefix terms that cannot be FTS syntax', () => {
    expect(ftsMatch('fro')).toBe('"fro"*');
    expect(ftsMatch('front-door_2.cam')).toBe('"front"* "door"* "2"* "cam"*');
    expect(ftsMatch('a "b" OR c* NOT d AND -e NEAR(f)')).toBe(
      '"a"* "b"* "OR"* "c"* "NOT"* "d"* "AND"* "e"* "NEAR"* "f"*',
    );
    expect(ftsMatch('  -*"()  ')).toBeNull();
    expect(ftsMatch('')).toBeNull();
  });
});

describe('search', () => {
  it('matches as you type, on names split at - _ . and on tag keys and values', () => {
    expect(found({ profileId: 'p1', query: 'fro' })).toEqual([
      'Lobby',
      'front-door',
      'front-office',
      'front_gate.cam2',
    ]);
    expect(found({ profileId: 'p1', query: 'door' })).toEqual(['back-door', 'front-door']);
    expect(found({ profileId: 'p1', query: 'gate cam' })).toEqual(['front_gate.cam2']);
    expect(found({ profileId: 'p1', query: 'entrance' })).toEqual(['front-door']);
    expect(found({ profileId: 'p1', query: 'site' })).toEqual(['back-door', 'front-door', 'front_gate.cam2']);
    expect(found({ profileId: 'p1', query: 'cafe' })).toEqual(['Café-Terrasse']);
    expect(found({ profileId: 'p1', query: 'LOBBY' })).toEqual(['Lobby']);
  });

  it('lists channels whose name holds every word first, then those found through tags, each by name', () => {
    // "front" is in three names and in Lobby's tag only.
    expect(names({ profileId: 'p1', query: 'front' })).toEqual([
      'front-door',
      'front-office',
      'front_gate.cam2',
      'Lobby',
    ]);
    // "hq" is front-door's and back-door's site tag: both need their tags, so they are by name.
    expect(names({ profileId: 'p1', query: 'door hq' })).toEqual(['back-door', 'front-door']);
    c.channels.applyRegion('p1', 'ap-south-1', [seen('hq-door', {}, 'ap-south-1')], 1000);
    expect(names({ profileId: 'p1', query: 'door hq' })).toEqual(['hq-door', 'back-door', 'front-door']);
  });

  it('never errors on FTS syntax in the query', () => {
    for (const q of [
      '"',
      '*',
      'AND',
      'OR NOT',
      '-',
      'front"',
      'NEAR(',
      '^front',
      'col:front',
      '{name}:x',
      '(((',
    ]) {
      expect(() => c.search({ profileId: 'p1', query: q })).not.toThrow();
    }
    expect(names({ profileId: 'p1', query: '"front' })).toContain('front-door');
  });

  it('keeps profiles apart and filters by region, status, storage', () => {
    expect(names({ profileId: 'p2', query: 'fro' })).toEqual(['front-door']);
    expect(names({ profileId: 'p1', query: 'front', region: 'eu-west-1' })).toEqual(['front-office']);
    expect(names({ profileId: 'p1', query: '', status: 'UPDATING' })).toEqual(['roof']);
    expect(names({ profileId: 'p1', query: '', storage: 'ENABLED' })).toEqual(['garage']);
  });

  it('browses by name (case-insensitive) with an empty query, with total and paging', () => {
    const all = c.search({ profileId: 'p1', query: '' });
    expect(all.total).toBe(8);
    expect(all.channels.map((ch) => ch.name)).toEqual([
      'back-door',
      'Café-Terrasse',
      'front-door',
      'front-office',
      'front_gate.cam2',
      'garage',
      'Lobby',
      'roof',
    ]);
    const page = c.search({ profileId: 'p1', query: '', limit: 3, offset: 3 });
    expect(page.total).toBe(8);
    expect(page.channels.map((ch) => ch.name)).toEqual(['front-office', 'front_gate.cam2', 'garage']);
    const text = c.search({ profileId: 'p1', query: 'front', limit: 1, offset: 1 });
    expect(text.total).toBe(4);
    expect(text.channels).toHaveLength(1);
    const past = c.search({ profileId: 'p1', query: 'front', limit: 10, offset: 50 });
    expect(past).toEqual({ channels: [], total: 4 });
  });

  it('hides missing channels unless asked', () => {
    c.channels.applyRegion('p1', 'eu-west-1', [], 2000);
    expect(names({ profileId: 'p1', query: 'office' })).toEqual([]);
    const r = c.search({ profileId: 'p1', query: 'office', includeMissing: true });
    expect(r.channels.map((ch) => [ch.name, ch.missing])).toEqual([['front-office', true]]);
  });

  it('filters by group, with and without text', () => {
    c.groups.save({
      id: 'g1',
      name: 'Doors',
      channelArns: [arn('front-door'), arn('back-door'), arn('not-synced')],
    });
    expect(names({ profileId: 'p1', query: '', groupId: 'g1' })).toEqual(['back-door', 'front-door']);
    expect(c.search({ profileId: 'p1', query: '', groupId: 'g1' }).total).toBe(2);
    expect(names({ profileId: 'p1', query: 'front', groupId: 'g1' })).toEqual(['front-door']);
    expect(names({ profileId: 'p1', query: '', groupId: 'nope' })).toEqual([]);
  });

  it('lists names starting with a single character (the first keystroke), case-insensitive', () => {
    expect(names({ profileId: 'p1', query: 'f' })).toEqual(['front-door', 'front-office', 'front_gate.cam2']);
    expect(c.search({ profileId: 'p1', query: 'F' })).toMatchObject({ total: 3 });
    // Lobby's tag says "front desk", and "2" is a word of front_gate.cam2: neither is a name that starts so.
    expect(names({ profileId: 'p1', query: 'l' })).toEqual(['Lobby']);
    expect(names({ profileId: 'p1', query: '2' })).toEqual([]);
    expect(names({ profileId: 'p1', query: ' -c' })).toEqual(['Café-Terrasse']);
    expect(names({ profileId: 'p1', query: 'f', region: 'eu-west-1' })).toEqual(['front-office']);
    const page = c.search({ profileId: 'p1', query: 'f', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, channels: [{ name: 'front-office' }] });
    c.groups.save({ id: 'g1', name: 'Doors', channelArns: [arn('front-door'), arn('back-door')] });
    expect(names({ profileId: 'p1', query: 'f', groupId: 'g1' })).toEqual(['front-door']);
    // Two characters are words again.
    expect(found({ profileId: 'p1', query: 'fr' })).toEqual([
      'Lobby',
      'front-door',
      'front-office',
      'front_gate.cam2',
    ]);
  });

  it('lists a broad query by name with a total counted up to the cap', () => {
    const repo = (limits: SearchLimits) => new SearchRepo(new Sql(c.db, memoryLog(), 50, ':memory:'), limits);
    // 'fro' has 4 FTS matches in p1 and 1 in p2: over rankMax 2, so by name, not by relevance; and over
    // totalCap 3, so only the first 4 (totalCap + 1) matches are counted: a lower bound.
    const capped = repo({ rankMax: 2, totalCap: 3 });
    const broad = capped.run({ profileId: 'p1', query: 'fro' });
    expect(broad.channels.map((ch) => ch.name)).toEqual([
      'front-door',
      'front-office',
      'front_gate.cam2',
      'Lobby',
    ]);
    expect(broad).toMatchObject({ total: 4, totalIsLowerBound: true });
    expect(capped.run({ profileId: 'p1', query: 'fro', region: 'eu-west-1' })).toMatchObject({
      total: 1,
      totalIsLowerBound: true,
    });
    // Within totalCap the page is sorted from the FTS side and the total is exact.
    {
      const r = repo({ rankMax: 2, totalCap: 10 });
      const all = r.run({ profileId: 'p1', query: 'fro' });
      expect(all.channels.map((ch) => ch.name)).toEqual(broad.channels.map((ch) => ch.name));
      expect(all.total).toBe(4);
      expect(all.totalIsLowerBound).toBeUndefined();
      expect(r.run({ profileId: 'p1', query: 'fro', limit: 2, offset: 2 })).toEqual({
        total: 4,
        channels: [
          expect.objectContaining({ name: 'front_gate.cam2' }),
          expect.objectContaining({ name: 'Lobby' }),
        ],
      });
      expect(r.run({ profileId: 'p1', query: 'fro', limit: 2, offset: 9 })).toEqual({
        channels: [],
        total: 4,
      });
      expect(r.run({ profileId: 'p1', query: 'fro', region: 'eu-west-1' })).toMatchObject({
        total: 1,
        channels: [{ name: 'front-office' }],
      });
      expect(r.run({ profileId: 'p1', query: 'fro', status: 'UPDATING' })).toEqual({
        channels: [],
        total: 0,
      });
    }
    const r = repo({ rankMax: 2, totalCap: 10 });
    c.channels.applyRegion('p1', 'eu-west-1', [], 2000);
    expect(r.run({ profileId: 'p1', query: 'fro' }).total).toBe(3);
    expect(r.run({ profileId: 'p1', query: 'fro', includeMissing: true }).total).toBe(4);
    // In a group the total stays exact (a group is small).
    c.groups.save({ id: 'g1', name: 'Doors', channelArns: [arn('front-door'), arn('back-door')] });
    expect(r.run({ profileId: 'p1', query: 'door', groupId: 'g1' })).toMatchObject({
      total: 2,
      channels: [{ name: 'back-door' }, { name: 'front-door' }],
    });
  });

  it('returns exactly the contract shape', () => {
    for (const ch of c.search({ profileId: 'p1', query: '', includeMissing: true }).channels) {
      expect(() => channelSummary.parse(ch)).not.toThrow();
    }
    const garage = c.search({ profileId: 'p1', query: 'garage' }).channels[0];
    expect(garage).toEqual({
      arn: arn('garage'),
      name: 'garage',
      profileId: 'p1',
      region: 'us-west-2',
      status: 'ACTIVE',
      storageStatus: 'ENABLED',
      streamArn: 'arn:aws:kinesisvideo:us-west-2:111122223333:stream/garage-rec/1700000000000',
      tags: {},
      lastSyncedAt: 1000,
      lastSeenLiveAt: null,
      missing: false,
    });
  });
});

describe('query plans', () => {
  const params = {
    match: '"fro"*',
    nameMatch: '{name} : ("fro"*)',
    profileId: 'p1',
    region: null,
    status: null,
    storage: null,
    includeMissing: 0,
    groupId: 'g1',
    limit: 100,
    offset: 0,
    lo: 'c',
    hi: 'd',
    scan: 10001,
  };
  const plan = (sql: string) =>
    (c.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);

  beforeEach(() => {
    // Plans are checked with planner statistics of a realistic catalog, as PRAGMA optimize leaves them.
    const many = Array.from({ length: 2000 }, (_, i) => seen(`cam-${i}`, { tags: { site: `s${i % 20}` } }));
    c.channels.applyRegion('p1', 'us-east-1', many, 1000);
    c.groups.save({ id: 'g1', name: 'Some', channelArns: many.slice(0, 50).map((s) => s.channel.arn) });
    c.db.exec('ANALYZE');
  });

  it('a small match set is driven by the FTS index and reads channels by rowid', () => {
    const p = plan(RANKED_SQL);
    expect(p).toContainEqual(expect.stringMatching(/^SCAN f VIRTUAL TABLE INDEX \d+:M/));
    expect(p).toContainEqual('SEARCH c USING INTEGER PRIMARY KEY (rowid=?)');
    expect(p).toContainEqual('SEARCH gm USING PRIMARY KEY (group_id=? AND channel_arn=?)');
    expect(p.filter((d) => /^SCAN c\b/.test(d))).toEqual([]);
  });

  it('a broad query reads the FTS index in rowid (= name) order: no sort, no scan of channels', () => {
    const p = plan(BY_NAME_SQL);
    expect(p).toEqual([
      expect.stringMatching(/^SCAN f VIRTUAL TABLE INDEX \d+:M/),
      'SEARCH c USING INTEGER PRIMARY KEY (rowid=?)',
    ]);
  });

  it('the count of a text query is driven by FTS and reads channels by rowid', () => {
    const p = plan(COUNT_SQL);
    expect(p).toContainEqual(expect.stringMatching(/^SCAN channels_fts VIRTUAL TABLE INDEX \d+:M/));
    expect(p).toContainEqual('SEARCH c USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN');
    expect(p).toContainEqual('SEARCH gm USING PRIMARY KEY (group_id=? AND channel_arn=?)');
    expect(p.filter((d) => /^SCAN c\b/.test(d))).toEqual([]);
  });

  it('a one-character query is a range of (profile_id, name)', () => {
    expect(plan(PREFIX_SQL)).toEqual([
      'SEARCH c USING INDEX channels_by_name (profile_id=? AND name>? AND name<?)',
    ]);
    expect(plan(PREFIX_COUNT_SQL)).toEqual([
      'SEARCH c USING COVERING INDEX channels_by_name (profile_id=? AND name>? AND name<?)',
    ]);
  });

  it('browse walks (profile_id, name) in order: no table scan, no sort', () => {
    const p = plan(BROWSE_SQL);
    expect(p).toEqual(['SEARCH c USING INDEX channels_by_name (profile_id=?)']);
    expect(plan(BROWSE_COUNT_SQL)).toEqual(['SEARCH c USING COVERING INDEX channels_by_name (profile_id=?)']);
  });

  it('a group is read through its members, then channels by (profile, arn)', () => {
    const p = plan(GROUP_SQL);
    expect(p).toContainEqual(
      expect.stringMatching(/^SEARCH gm USING (COVERING )?INDEX group_members_order \(group_id=\?\)/),
    );
    expect(p).toContainEqual('SEARCH c USING INDEX sqlite_autoindex_channels_1 (profile_id=? AND arn=?)');
    const text = plan(GROUP_TEXT_SQL);
    expect(text).toContainEqual(
      expect.stringMatching(/^SEARCH gm USING (COVERING )?INDEX group_members_order \(group_id=\?\)/),
    );
    expect(text).toContainEqual(
      expect.stringMatching(/^SEARCH c USING INDEX sqlite_autoindex_channels_1 \(profile_id=\? AND arn=\?/),
    );
    expect(text).toContainEqual(expect.stringMatching(/^SCAN channels_fts VIRTUAL TABLE INDEX \d+:M/));
  });

  it('group membership lookups use indexes', () => {
    const byChannel = c.db.prepare(
      'EXPLAIN QUERY PLAN SELECT group_id FROM group_members WHERE channel_arn = ? ORDER BY group_id',
    );
    expect((byChannel.all('x') as { detail: string }[]).map((r) => r.detail)).toEqual([
      'SEARCH group_members USING COVERING INDEX group_members_by_channel (channel_arn=?)',
    ]);
    const members = c.db.prepare(
      'EXPLAIN QUERY PLAN SELECT channel_arn FROM group_members WHERE group_id = ? ORDER BY position',
    );
    expect((members.all('g1') as { detail: string }[]).map((r) => r.detail)).toEqual([
      'SEARCH group_members USING COVERING INDEX group_members_order (group_id=?)',
    ]);
  });

  it('a region listing by name uses (profile_id, region, name)', () => {
    const p = c.db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM channels WHERE profile_id = ? AND region = ? ORDER BY name')
      .all('p1', 'us-east-1') as { detail: string }[];
    expect(p.map((r) => r.detail)).toEqual([
      'SEARCH channels USING INDEX channels_by_region (profile_id=? AND region=?)',
    ]);
  });
});
