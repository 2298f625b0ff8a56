import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEntry, exportDocument, group, layout, settings } from '../../../src-shared/ipc/schemas';
import {
  CatalogError,
  DEFAULT_SETTINGS,
  openCatalog,
  type Catalog,
  type ExportDocument,
  type Layout,
} from '../../../src-main/core/catalog';
import { channel, memoryLog } from './fakes';

let c: Catalog;
let clock = 1000;
const log = memoryLog();
beforeEach(() => {
  clock = 1000;
  c = openCatalog(':memory:', { log, now: () => clock });
});
afterEach(() => c.close());

const A = channel('front-door').arn;
const B = channel('back-door').arn;
const wall: Layout = {
  id: 'l1',
  name: 'Main wall',
  grid: { kind: 'grid', rows: 2, cols: 2 },
  tiles: [
    { index: 0, channelArn: A },
    { index: 3, channelArn: null },
    { index: 1, channelArn: B },
  ],
};

function caught(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CatalogError) return e;
    throw e;
  }
  throw new Error('expected a CatalogError');
}

describe('groups', () => {
  it('saves, lists in order, replaces and deletes', () => {
    const saved = c.groups.save({ id: 'g1', name: 'Doors', channelArns: [B, A, B] });
    expect(saved).toEqual({ id: 'g1', name: 'Doors', channelArns: [B, A] });
    expect(group.parse(saved)).toEqual(saved);
    c.groups.save({ id: 'g0', name: 'All', channelArns: [] });
    expect(c.groups.list().map((g) => g.name)).toEqual(['All', 'Doors']);
    c.groups.save({ id: 'g1', name: 'Doors', channelArns: [A] });
    expect(c.groups.get('g1')!.channelArns).toEqual([A]);
    expect(c.groups.groupsOf(A)).toEqual(['g1']);
    expect(c.groups.delete('g1')).toBe(true);
    expect(c.groups.delete('g1')).toBe(false);
    expect(c.groups.groupsOf(A)).toEqual([]);
  });

  it('refuses a group that does not fit the contract', () => {
    expect(caught(() => c.groups.save({ id: '', name: 'x', channelArns: [] })).kind).toBe('invalid');
  });
});

describe('layouts', () => {
  it('saves a grid and its tiles, returns them by index, replaces and deletes', () => {
    const saved = c.layouts.save(wall);
    expect(saved.tiles.map((t) => t.index)).toEqual([0, 1, 3]);
    expect(layout.parse(saved)).toEqual(saved);
    c.layouts.save({ ...wall, grid: { kind: 'focus', strip: 4 }, tiles: [{ index: 0, channelArn: B }] });
    expect(c.layouts.list()).toEqual([
      {
        id: 'l1',
        name: 'Main wall',
        grid: { kind: 'focus', strip: 4 },
        tiles: [{ index: 0, channelArn: B }],
      },
    ]);
    expect(c.layouts.delete('l1')).toBe(true);
    expect(c.layouts.list()).toEqual([]);
  });

  it('refuses two tiles at one index, and changes nothing', () => {
    c.layouts.save(wall);
    const err = caught(() =>
      c.layouts.save({
        ...wall,
        tiles: [
          { index: 0, channelArn: A },
          { index: 0, channelArn: B },
        ],
      }),
    );
    expect(err.kind).toBe('invalid');
    expect(err.code).toBe('InvalidArgument');
    expect(c.layouts.get('l1')!.tiles).toHaveLength(3);
  });
});

describe('export and import', () => {
  it('round-trips groups and layouts through the versioned document', () => {
    c.groups.save({ id: 'g1', name: 'Doors', channelArns: [A, B] });
    c.layouts.save(wall);
    clock = 5000;
    const doc = c.exportLayouts();
    expect(exportDocument.parse(doc)).toEqual(doc);
    expect(doc).toMatchObject({ format: 'watchfloor.layouts', version: 1, exportedAt: 5000 });

    const other = openCatalog(':memory:', { log });
    try {
      other.groups.save({ id: 'g1', name: 'Old name', channelArns: [] });
      expect(other.importLayouts(JSON.parse(JSON.stringify(doc)))).toEqual({ groups: 1, layouts: 1 });
      expect(other.groups.list()).toEqual(c.groups.list());
      expect(other.layouts.list()).toEqual(c.layouts.list());
    } finally {
      other.close();
    }
  });

  it('refuses a document from a newer version by name', () => {
    const err = caught(() =>
      c.importLayouts({
        format: 'watchfloor.layouts',
        version: 2,
        exportedAt: 0,
        groups: [],
        layouts: [],
        extra: 1,
      }),
    );
    expect(err.kind).toBe('unsupported-document');
    expect(err.message).toMatch(/version 2.*newer Watchfloor/);
  });

  it('refuses something that is not a layouts document, or an invalid one, and changes nothing', () => {
    expect(caught(() => c.importLayouts({ hello: 'world' })).kind).toBe('invalid');
    expect(caught(() => c.importLayouts('text')).kind).toBe('invalid');
    const bad = {
      format: 'watchfloor.layouts',
      version: 1,
      exportedAt: 0,
      groups: [{ id: 'g1', name: 'ok', channelArns: [] }],
      layouts: [{ ...wall, grid: { kind: 'grid', rows: 9, cols: 1 } }],
    } satisfies Omit<ExportDocument, 'layouts'> & { layouts: unknown[] };
    const err = caught(() => c.importLayouts(bad));
    expect(err.message).toMatch(/layouts\.0\.grid/);
    expect(c.groups.list()).toEqual([]);
  });

  it('imports all or nothing when a layout fails its own checks', () => {
    const doc: ExportDocument = {
      format: 'watchfloor.layouts',
      version: 1,
      exportedAt: 0,
      groups: [{ id: 'g1', name: 'ok', channelArns: [] }],
      layouts: [
        {
          ...wall,
          tiles: [
            { index: 2, channelArn: A },
            { index: 2, channelArn: B },
          ],
        },
      ],
    };
    expect(caught(() => c.importLayouts(doc)).kind).toBe('invalid');
    expect(c.groups.list()).toEqual([]);
  });
});

describe('settings', () => {
  it('starts from defaults that satisfy the contract and applies partial updates', () => {
    expect(settings.parse(c.settings.get())).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS.talkFullDuplex).toBe(false);
    const after = c.settings.set({ talkLatch: true, duckOthersDb: -30, talkFullDuplex: true });
    expect(after).toEqual({ ...DEFAULT_SETTINGS, talkLatch: true, duckOthersDb: -30, talkFullDuplex: true });
    expect(c.settings.get()).toEqual(after);
  });

  it('refuses a bad patch and ignores a stored value that no longer fits', () => {
    expect(caught(() => c.settings.set({ duckOthersDb: 10 })).kind).toBe('invalid');
    expect(caught(() => c.settings.set({ nope: 1 } as never)).kind).toBe('invalid');
    c.db.prepare("INSERT INTO settings (key, value) VALUES ('showStats', '\"yes\"')").run();
    expect(c.settings.get().showStats).toBe(false);
    expect(log.lines.some((l) => l.message === 'catalog: stored setting ignored')).toBe(true);
  });
});

describe('audit', () => {
  it('appends entries and lists them newest first, paging back by id', () => {
    const first = c.audit.append({ kind: 'talk', channelArn: A, detail: { tileId: 't1', ms: 2300 } });
    clock = 2000;
    const second = c.audit.append({
      kind: 'storage',
      channelArn: B,
      detail: { enabled: true },
      profileId: 'p1',
    });
    c.audit.append({ kind: 'kiosk-unlock', channelArn: null, detail: {} });
    const all = c.audit.list();
    expect(all.map((e) => e.id)).toEqual([second + 1, second, first]);
    for (const e of all) expect(auditEntry.parse(e)).toEqual(e);
    expect(all[2]).toEqual({
      id: first,
      at: 1000,
      kind: 'talk',
      channelArn: A,
      detail: { tileId: 't1', ms: 2300 },
    });
    expect(c.audit.list({ before: second, limit: 10 }).map((e) => e.id)).toEqual([first]);
  });

  it('cannot be rewritten, even with raw SQL', () => {
    c.audit.append({ kind: 'talk', channelArn: A, detail: {} });
    expect(() => c.db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(c.audit.list()).toHaveLength(1);
  });
});

describe('cache', () => {
  it('returns values until they expire', () => {
    c.cache.put('ice:arn1', [{ urls: ['turn:x'] }], 2000);
    expect(c.cache.get('ice:arn1', 1999)).toEqual([{ urls: ['turn:x'] }]);
    expect(c.cache.get('ice:arn1', 2000)).toBeUndefined();
    expect(c.cache.purgeExpired(2000)).toBe(1);
  });

  it('invalidates by literal prefix (no wildcard meaning)', () => {
    c.cache.put('endpoint:a%b', 1, 9e12);
    c.cache.put('endpoint:a_c', 2, 9e12);
    c.cache.put('endpoint:ab', 3, 9e12);
    c.cache.put('ice:a%b', 4, 9e12);
    c.cache.invalidate('endpoint:a%');
    expect(['endpoint:a%b', 'endpoint:a_c', 'endpoint:ab', 'ice:a%b'].map((k) => c.cache.get(k, 0))).toEqual([
      undefined,
      2,
      3,
      4,
    ]);
    c.cache.invalidate('endpoint:');
    expect(c.cache.get('endpoint:ab', 0)).toBeUndefined();
  });
});

describe('profiles and secrets', () => {
  const p = {
    id: 'keys-ops',
    name: 'ops',
    kind: 'keys' as const,
    region: 'us-west-2',
    source: 'sealed with safeStorage',
  };

  it('stores profiles without secrets and sealed bytes beside them', () => {
    c.profiles.save(p);
    c.profiles.putSealedSecret(p.id, { backend: 'test-box', sealed: Buffer.from([9, 8, 7]) });
    expect(c.profiles.list()).toEqual([p]);
    expect(c.profiles.sealedSecret(p.id)).toEqual({ backend: 'test-box', sealed: Buffer.from([9, 8, 7]) });
  });

  it('refuses a secret for an unknown profile', () => {
    expect(() => c.profiles.putSealedSecret('nobody', { backend: 'x', sealed: Buffer.from([1]) })).toThrow(
      /FOREIGN KEY/,
    );
  });

  it('remembers the active profile and forgets everything of a removed one', () => {
    c.profiles.save(p);
    c.profiles.putSealedSecret(p.id, { backend: 'test-box', sealed: Buffer.from([1]) });
    c.profiles.setActive(p.id);
    c.channels.applyRegion(p.id, 'us-west-2', [{ channel: channel('x'), storage: null }], 1);
    c.groups.save({ id: 'g1', name: 'kept', channelArns: [channel('x').arn] });
    expect(c.profiles.active()).toBe(p.id);
    c.profiles.remove(p.id);
    expect(c.profiles.list()).toEqual([]);
    expect(c.profiles.sealedSecret(p.id)).toBeUndefined();
    expect(c.profiles.active()).toBeNull();
    expect(c.channels.count(p.id)).toBe(0);
    expect(c.groups.get('g1')!.channelArns).toHaveLength(1);
  });
});

describe('channels outside a sync', () => {
  it('records last seen live and storage changes', () => {
    c.channels.applyRegion('p1', 'us-west-2', [{ channel: channel('front-door'), storage: null }], 1);
    expect(c.channels.markSeenLive('p1', A, 4242)).toBe(true);
    expect(c.channels.markSeenLive('p1', B, 4242)).toBe(false);
    const stream = 'arn:aws:kinesisvideo:us-west-2:111122223333:stream/s/1';
    c.channels.setStorage('p1', A, { status: 'ENABLED', streamArn: stream });
    expect(c.channels.get('p1', A)).toMatchObject({
      lastSeenLiveAt: 4242,
      storageStatus: 'ENABLED',
      streamArn: stream,
    });
  });
});

describe('slow statements', () => {
  it('are logged by name, without their parameters', () => {
    const slowLog = memoryLog();
    const d = openCatalog(':memory:', { log: slowLog, slowMs: -1 });
    try {
      d.cache.put('endpoint:secret-looking-key', { a: 1 }, 5);
      const line = slowLog.lines.find((l) => l.message === 'catalog: slow statement');
      expect(line?.fields).toMatchObject({
        statement: expect.any(String) as string,
        ms: expect.any(Number) as number,
      });
      expect(JSON.stringify(slowLog.lines)).not.toContain('secret-looking-key');
    } finally {
      d.close();
    }
  });
});
