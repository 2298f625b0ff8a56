import Database from 'better-sqlite3';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CatalogError,
  LATEST_VERSION,
  openCatalog,
  quarantineAndRecreate,
  type Catalog,
} from '../../../src-main/core/catalog';
import { channel, memoryLog } from './fakes';

let dir: string;
let file: string;
const open: Catalog[] = [];
const log = memoryLog();
const openAt = (f: string, opts: Partial<Parameters<typeof openCatalog>[1]> = {}) => {
  const c = openCatalog(f, { log, ...opts });
  open.push(c);
  return c;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'catalog-open-'));
  file = join(dir, 'catalog.db');
});
afterEach(() => {
  for (const c of open.splice(0)) c.close();
  rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CatalogError) return err;
    throw err;
  }
  throw new Error('expected a CatalogError');
}

function fill(c: Catalog, n: number): void {
  const seen = Array.from({ length: n }, (_, i) => ({
    channel: channel(`camera-${i}`),
    storage: { status: 'DISABLED' as const, streamArn: null },
    tags: { site: `site-${i % 10}`, note: 'x'.repeat(200) },
  }));
  c.channels.applyRegion('p1', 'us-west-2', seen, 1);
}

describe('openCatalog', () => {
  it('creates a WAL database with foreign keys at the latest schema', () => {
    const c = openAt(file);
    expect(c.schemaVersion).toBe(LATEST_VERSION);
    expect(c.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(c.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(c.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('keeps data across close and reopen', () => {
    const c = openAt(file);
    fill(c, 3);
    c.close();
    expect(openAt(file).channels.count('p1')).toBe(3);
  });

  it('says a file that is not a database is corrupt, naming the file, and offers starting fresh', () => {
    writeFileSync(file, 'this is a text file, not SQLite '.repeat(200));
    const err = thrown(() => openAt(file));
    expect(err.kind).toBe('corrupt');
    expect(err.code).toBe('DatabaseError');
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/fresh catalog/);
    expect(err.canStartFresh).toBe(true);
  });

  it('catches a damaged page with quick_check at open', () => {
    const c = openAt(file);
    fill(c, 400);
    c.close();
    open.length = 0;
    damagePages(file, 6, 10);
    const err = thrown(() => openAt(file, { quickCheck: 'always' }));
    expect(err.kind).toBe('corrupt');
    expect(err.message).toContain(file);
  });

  it('reports damage found after open as CatalogError(corrupt), not a crash', () => {
    const c = openAt(file);
    fill(c, 400);
    c.close();
    open.length = 0;
    damagePages(file, 3, 60);
    let err: CatalogError | undefined;
    try {
      const d = openAt(file, { quickCheck: 'never' });
      d.search({ profileId: 'p1', query: '', limit: 500 });
      d.search({ profileId: 'p1', query: 'site', limit: 500 });
    } catch (e) {
      if (!(e instanceof CatalogError)) throw e;
      err = e;
    }
    expect(err?.kind).toBe('corrupt');
  });

  it('says a path it cannot open is unreadable', () => {
    mkdirSync(file);
    const err = thrown(() => openAt(file));
    expect(err.kind).toBe('unreadable');
    expect(err.message).toContain(file);
  });

  it('refuses a catalog written by a newer build and leaves it as it was', () => {
    openAt(file).close();
    open.length = 0;
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 3}`);
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const err = thrown(() => openAt(file));
    expect(err.kind).toBe('newer-version');
    expect(err.message).toMatch(/newer Watchfloor/);
    const again = new Database(file, { readonly: true });
    expect(again.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 3);
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete');
    again.close();
  });
});

describe('quarantineAndRecreate', () => {
  it('moves the bad file and its -wal/-shm aside together and starts a working catalog', () => {
    writeFileSync(file, 'garbage'.repeat(1000));
    writeFileSync(`${file}-wal`, 'old log');
    writeFileSync(`${file}-shm`, 'old shm');
    expect(() => openAt(file)).toThrow(CatalogError);
    const { catalog, movedTo } = quarantineAndRecreate(file, {
      log,
      now: () => Date.UTC(2025, 0, 2, 3, 4, 5),
    });
    open.push(catalog);
    expect(movedTo).toBe(`${file}.corrupt-2025-01-02T03-04-05-000Z`);
    expect(readdirSync(dir).sort()).toEqual(
      [
        'catalog.db',
        'catalog.db-shm',
        'catalog.db-wal',
        ...['', '-shm', '-wal'].map((s) => `catalog.db.corrupt-2025-01-02T03-04-05-000Z${s}`),
      ].sort(),
    );
    fill(catalog, 2);
    expect(catalog.channels.count('p1')).toBe(2);
    expect(log.lines.some((l) => l.message.includes('moved a damaged catalog aside'))).toBe(true);
  });

  it('never overwrites an earlier quarantined file', () => {
    writeFileSync(file, 'garbage'.repeat(1000));
    const now = () => 0;
    const first = quarantineAndRecreate(file, { log, now });
    first.catalog.close();
    writeFileSync(file, 'garbage again'.repeat(1000));
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    const second = quarantineAndRecreate(file, { log, now });
    open.push(second.catalog);
    expect(second.movedTo).not.toBe(first.movedTo);
    expect(existsSync(first.movedTo) && existsSync(second.movedTo)).toBe(true);
  });
});

/** Overwrites `count` pages from page `first` (1-based) with garbage. */
function damagePages(path: string, first: number, count: number): void {
  const fd = openSync(path, 'r+');
  try {
    const junk = Buffer.alloc(4096 * count, 0xa5);
    writeSync(fd, junk, 0, junk.length, 4096 * (first - 1));
  } finally {
    closeSync(fd);
  }
}
