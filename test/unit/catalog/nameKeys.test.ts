import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog, type SyncedChannel } from '../../../src-main/core/catalog';
import { KEY_STEP } from '../../../src-main/core/catalog/repos/nameKeys';
import { SearchRepo } from '../../../src-main/core/catalog/repos/search';
import { Sql } from '../../../src-main/core/catalog/sql';
import { channel, memoryLog } from './fakes';

let c: Catalog;
afterEach(() => c?.close());

const seen = (name: string, region = 'us-west-2', arnName = name): SyncedChannel => ({
  channel: { ...channel(name, region), arn: channel(arnName, region).arn },
  storage: { status: 'DISABLED', streamArn: null },
  tags: { site: 'hq' },
});

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every profile's ids, read in name order, strictly increase; every id is unique; FTS matches the table. */
function expectNameOrder(cat: Catalog): void {
  const backwards = cat.db
    .prepare(
      `SELECT count(*) FROM (
         SELECT id, lag(id) OVER (PARTITION BY profile_id ORDER BY name, id) AS prev FROM channels)
       WHERE prev >= id`,
    )
    .pluck()
    .get();
  expect(backwards).toBe(0);
  // rank = 1: the index is checked against the content table (every row indexed under its current id).
  cat.db.prepare("INSERT INTO channels_fts (channels_fts, rank) VALUES ('integrity-check', 1)").run();
  expect(cat.db.pragma('integrity_check', { simple: true })).toBe('ok');
}

/** The page of a broad query (by name, off the FTS index), with ranking turned off. */
function byName(cat: Catalog, profileId: string, query: string, limit = 500): string[] {
  const repo = new SearchRepo(new Sql(cat.db, memoryLog(), 50, ':memory:'), { rankMax: 0, totalCap: 10_000 });
  return repo.run({ profileId, query, limit }).channels.map((ch) => ch.name);
}

const nocase = (a: string, b: string) => {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
};

describe('channel ids in name order', () => {
  it('places new channels between their neighbours, across regions and syncs, in any listing order', () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    const rnd = prng(7);
    const sites = ['berlin', 'Oslo', 'zurich', 'austin', 'Lima'];
    const all = new Map<string, string[]>();
    for (let sync = 0; sync < 6; sync++) {
      for (const region of ['us-west-2', 'eu-west-1', 'ap-south-1']) {
        const names = all.get(region) ?? [];
        // Each sync adds 25 random names to the region (listing order random), keeping the old ones.
        for (let i = 0; i < 25; i++) {
          const site = sites[Math.floor(rnd() * sites.length)]!;
          names.push(`${site}-cam-${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}-${sync}${i}`);
        }
        all.set(region, names);
        const listed = [...names].sort(() => rnd() - 0.5).map((n) => seen(n, region));
        c.channels.applyRegion('p1', region, listed, 1000 + sync);
      }
      expectNameOrder(c);
    }
    const every = [...all.values()].flat().sort(nocase);
    expect(byName(c, 'p1', 'cam')).toEqual(every);
    expect(byName(c, 'p1', 'zurich')).toEqual(every.filter((n) => n.startsWith('zurich')));
  });

  it('makes room when a gap runs out: twenty-odd channels added one by one at the same spot', () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    const region = 'us-west-2';
    const names = ['door-a', 'door-z'];
    c.channels.applyRegion(
      'p1',
      region,
      names.map((n) => seen(n, region)),
      1000,
    );
    // Another profile's rows sit right after p1's in the id space.
    c.channels.applyRegion('p2', region, [seen('door-m', region)], 1000);
    const ids = () => c.db.prepare('SELECT id FROM channels ORDER BY id').pluck().all() as number[];
    const before = ids();
    // Ascending after door-a: each new name halves what is left of the gap to door-z, so the gap runs out.
    for (let i = 0; i < 30; i++) {
      names.push(`door-b${String(i).padStart(2, '0')}`);
      c.channels.applyRegion(
        'p1',
        region,
        names.map((n) => seen(n, region)),
        1000 + i,
      );
      expectNameOrder(c);
    }
    // Descending before door-z as well.
    for (let i = 0; i < 30; i++) {
      names.push(`door-y${String(99 - i).padStart(2, '0')}`);
      c.channels.applyRegion(
        'p1',
        region,
        names.map((n) => seen(n, region)),
        2000 + i,
      );
      expectNameOrder(c);
    }
    expect(ids()).not.toEqual(expect.arrayContaining(before)); // neighbours did move
    expect(byName(c, 'p1', 'door')).toEqual([...names].sort(nocase));
    expect(byName(c, 'p2', 'door')).toEqual(['door-m']);
    expect(c.search({ profileId: 'p1', query: 'door-b07' }).channels.map((ch) => ch.name)).toEqual([
      'door-b07',
    ]);
  });

  it('puts names before a profile’s first channel, and a new profile after everything', () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    c.channels.applyRegion('p1', 'us-west-2', [seen('m'), seen('n')], 1000);
    c.channels.applyRegion('p2', 'us-west-2', [seen('k')], 1000);
    c.channels.applyRegion('p1', 'eu-west-1', [seen('a', 'eu-west-1'), seen('b', 'eu-west-1')], 1000);
    expectNameOrder(c);
    const rows = c.db.prepare('SELECT profile_id, name, id FROM channels ORDER BY id').all();
    // a and b share the gap below m evenly.
    expect(rows).toEqual([
      { profile_id: 'p1', name: 'a', id: Math.floor(KEY_STEP / 3) },
      { profile_id: 'p1', name: 'b', id: 2 * Math.floor(KEY_STEP / 3) },
      { profile_id: 'p1', name: 'm', id: KEY_STEP },
      { profile_id: 'p1', name: 'n', id: 2 * KEY_STEP },
      { profile_id: 'p2', name: 'k', id: 3 * KEY_STEP },
    ]);
  });

  it('moves a renamed channel to its new place and keeps unchanged channels where they are', () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    c.channels.applyRegion('p1', 'us-west-2', [seen('alpha'), seen('bravo'), seen('charlie')], 1000);
    const idOf = (name: string) =>
      c.db.prepare('SELECT id FROM channels WHERE name = ?').pluck().get(name) as number;
    const bravo = idOf('bravo');
    // Same ARN, another name (the catalog keys channels by ARN).
    c.channels.applyRegion(
      'p1',
      'us-west-2',
      [seen('alpha'), seen('bravo'), seen('delta', 'us-west-2', 'charlie')],
      2000,
    );
    expect(idOf('bravo')).toBe(bravo);
    expectNameOrder(c);
    expect(byName(c, 'p1', 'hq')).toEqual(['alpha', 'bravo', 'delta']);
    c.channels.applyRegion(
      'p1',
      'us-west-2',
      [seen('alpha'), seen('bravo'), seen('Aardvark', 'us-west-2', 'charlie')],
      3000,
    );
    expectNameOrder(c);
    expect(c.search({ profileId: 'p1', query: '' }).channels.map((ch) => ch.name)).toEqual([
      'Aardvark',
      'alpha',
      'bravo',
    ]);
    expect(c.search({ profileId: 'p1', query: 'delta' }).channels).toEqual([]);
  });

  it('rolls the placement back with the rest of a failed apply', () => {
    c = openCatalog(':memory:', { log: memoryLog() });
    c.channels.applyRegion('p1', 'us-west-2', [seen('a'), seen('c')], 1000);
    const snapshot = () => c.db.prepare('SELECT id, name FROM channels ORDER BY id').all();
    const before = snapshot();
    const bad = seen('b');
    bad.channel = { ...bad.channel, status: 'GONE' as never };
    expect(() => c.channels.applyRegion('p1', 'us-west-2', [seen('a'), bad, seen('c')], 2000)).toThrow();
    expect(snapshot()).toEqual(before);
    expectNameOrder(c);
  });
});
