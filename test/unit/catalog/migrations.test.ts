import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CatalogError } from '../../../src-main/core/catalog';
import { migrate, schemaVersion, type Migration } from '../../../src-main/core/catalog/migrate';
import { MIGRATIONS } from '../../../src-main/core/catalog/migrations';
import { memoryLog } from './fakes';

/** A fresh database migrated up to `version` (inclusive). */
function at(version: number): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, version), memoryLog(), ':memory:');
  return db;
}

const tables = (db: Database.Database) =>
  db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();

const ARN = 'arn:aws:kinesisvideo:us-west-2:111122223333:channel/front-door/1700000000000';

function insertChannel(db: Database.Database, name: string, arn = ARN, tags = '{"site":"hq"}'): void {
  db.prepare(
    `INSERT INTO channels (profile_id, arn, region, name, type, status, tags)
     VALUES ('p1', ?, 'us-west-2', ?, 'SINGLE_MASTER', 'ACTIVE', ?)`,
  ).run(arn, name, tags);
}

describe('migration runner', () => {
  it('numbers migrations 1..n and stamps user_version', () => {
    const db = at(MIGRATIONS.length);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('runs each migration in its own transaction: a failing one leaves the previous version intact', () => {
    const db = new Database(':memory:');
    const broken: Migration[] = [
      { version: 1, name: 'ok', up: (d) => d.exec('CREATE TABLE a (x INTEGER) STRICT') },
      {
        version: 2,
        name: 'fails half way',
        up: (d) => {
          d.exec('CREATE TABLE b (x INTEGER) STRICT');
          throw new Error('boom');
        },
      },
    ];
    expect(() => migrate(db, broken, memoryLog(), ':memory:')).toThrow('boom');
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['a']);
  });

  it('refuses a database from a newer version without touching it', () => {
    const db = at(MIGRATIONS.length);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    const err = (() => {
      try {
        migrate(db, MIGRATIONS, memoryLog(), '/data/catalog.db');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).kind).toBe('newer-version');
    expect((err as CatalogError).message).toContain('/data/catalog.db');
    expect(schemaVersion(db)).toBe(MIGRATIONS.length + 1);
  });

  it('rejects a list with a gap', () => {
    const db = new Database(':memory:');
    const gap: Migration[] = [{ version: 2, name: 'x', up: () => {} }];
    expect(() => migrate(db, gap, memoryLog(), ':memory:')).toThrow(/expected 1/);
  });

  it('is a no-op on an up-to-date database', () => {
    const db = at(MIGRATIONS.length);
    const log = memoryLog();
    migrate(db, MIGRATIONS, log, ':memory:');
    expect(log.lines.filter((l) => l.message === 'catalog: migrated')).toHaveLength(0);
  });
});

describe('001 core', () => {
  it('creates profiles, secrets, settings, app_state, channels, streams', () => {
    expect(tables(at(1))).toEqual(['app_state', 'channels', 'profiles', 'secrets', 'settings', 'streams']);
  });

  it('keeps secrets as bytes only, tied to a stored profile', () => {
    const db = at(1);
    const put = db.prepare(
      "INSERT INTO secrets (profile_id, backend, sealed, updated_at) VALUES ('p1', 'test', ?, 0)",
    );
    expect(() => put.run(Buffer.from([1, 2, 3]))).toThrow(/FOREIGN KEY/);
    db.prepare(
      "INSERT INTO profiles (id, name, kind, region, source, updated_at) VALUES ('p1', 'ops', 'keys', 'us-west-2', 'sealed', 0)",
    ).run();
    expect(() => put.run('AKIAEXAMPLEKEY in clear')).toThrow(/cannot store TEXT value in BLOB column/);
    put.run(Buffer.from([1, 2, 3]));
    db.prepare("DELETE FROM profiles WHERE id = 'p1'").run();
    expect(db.prepare('SELECT count(*) FROM secrets').pluck().get()).toBe(0);
  });

  it('identifies a channel by (profile, ARN) and checks its enums', () => {
    const db = at(1);
    insertChannel(db, 'front-door');
    expect(() => insertChannel(db, 'front-door')).toThrow(/UNIQUE/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO channels (profile_id, arn, region, name, type, status) VALUES ('p1', 'x', 'r', 'n', 't', 'GONE')",
        )
        .run(),
    ).toThrow(/CHECK/);
    const row = db.prepare('SELECT storage_status, missing, tags FROM channels').get();
    expect(row).toEqual({ storage_status: 'UNKNOWN', missing: 0, tags: '{"site":"hq"}' });
  });
});

describe('002 channel search', () => {
  const search = (db: Database.Database, q: string) =>
    db
      .prepare(
        'SELECT c.name FROM channels_fts JOIN channels c ON c.id = channels_fts.rowid WHERE channels_fts MATCH ?',
      )
      .pluck()
      .all(q);

  it('indexes channels that existed before it ran', () => {
    const db = at(1);
    insertChannel(db, 'front-door');
    migrate(db, MIGRATIONS.slice(0, 2), memoryLog(), ':memory:');
    expect(search(db, '"fro"*')).toEqual(['front-door']);
    expect(search(db, '"hq"')).toEqual(['front-door']);
  });

  it('follows inserts, renames, tag changes and deletes', () => {
    const db = at(2);
    insertChannel(db, 'front-door');
    db.prepare('UPDATE channels SET name = \'back-gate\', tags = \'{"zone":"yard"}\'').run();
    expect(search(db, '"front"')).toEqual([]);
    expect(search(db, '"gate"')).toEqual(['back-gate']);
    expect(search(db, '"yard"')).toEqual(['back-gate']);
    db.prepare("UPDATE channels SET status = 'UPDATING'").run();
    db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
    db.prepare('DELETE FROM channels').run();
    expect(search(db, '"gate"')).toEqual([]);
    db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
  });
});

describe('003 wall', () => {
  it('creates groups and layouts whose members and tiles go with them', () => {
    const db = at(3);
    db.prepare("INSERT INTO groups (id, name, updated_at) VALUES ('g1', 'Lobby', 0)").run();
    db.prepare("INSERT INTO group_members (group_id, channel_arn, position) VALUES ('g1', ?, 0)").run(ARN);
    db.prepare(
      "INSERT INTO layouts (id, name, grid, updated_at) VALUES ('l1', 'Wall', '{\"kind\":\"grid\"}', 0)",
    ).run();
    db.prepare("INSERT INTO layout_tiles (layout_id, tile_index, channel_arn) VALUES ('l1', 0, ?)").run(ARN);
    expect(() =>
      db
        .prepare("INSERT INTO layout_tiles (layout_id, tile_index, channel_arn) VALUES ('l1', 64, NULL)")
        .run(),
    ).toThrow(/CHECK/);
    db.prepare("DELETE FROM groups WHERE id = 'g1'").run();
    db.prepare("DELETE FROM layouts WHERE id = 'l1'").run();
    expect(
      db
        .prepare('SELECT (SELECT count(*) FROM group_members) + (SELECT count(*) FROM layout_tiles)')
        .pluck()
        .get(),
    ).toBe(0);
  });

  it('keeps the channels of version 2', () => {
    const db = at(2);
    insertChannel(db, 'front-door');
    migrate(db, MIGRATIONS.slice(0, 3), memoryLog(), ':memory:');
    expect(db.prepare('SELECT name FROM channels').pluck().all()).toEqual(['front-door']);
  });
});

describe('004 audit and cache', () => {
  it('makes the audit log append-only', () => {
    const db = at(4);
    db.prepare("INSERT INTO audit (at, kind, channel_arn, detail) VALUES (1, 'talk', ?, '{}')").run(ARN);
    expect(() => db.prepare('UPDATE audit SET at = 2').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(() => db.prepare("INSERT INTO audit (at, kind, detail) VALUES (1, 'other', '{}')").run()).toThrow(
      /CHECK/,
    );
    expect(db.prepare('SELECT count(*) FROM audit').pluck().get()).toBe(1);
  });

  it('creates the expiring cache', () => {
    const db = at(4);
    db.prepare("INSERT INTO cache (key, value, expires_at) VALUES ('ice:x', '[]', 5)").run();
    expect(() =>
      db.prepare("INSERT INTO cache (key, value, expires_at) VALUES ('bad', 'not json', 5)").run(),
    ).toThrow(/CHECK/);
  });

  it('keeps the data of version 3 (channels, search, groups, layouts)', () => {
    const db = at(3);
    insertChannel(db, 'front-door');
    db.prepare("INSERT INTO groups (id, name, updated_at) VALUES ('g1', 'Lobby', 0)").run();
    db.prepare("INSERT INTO group_members (group_id, channel_arn, position) VALUES ('g1', ?, 0)").run(ARN);
    migrate(db, MIGRATIONS.slice(0, 4), memoryLog(), ':memory:');
    expect(db.prepare('SELECT name FROM channels').pluck().all()).toEqual(['front-door']);
    expect(db.prepare('SELECT channel_arn FROM group_members').pluck().all()).toEqual([ARN]);
    expect(
      db.prepare("SELECT rowid FROM channels_fts WHERE channels_fts MATCH 'front'").pluck().all(),
    ).toHaveLength(1);
  });
});

describe('005 search prefixes', () => {
  it('indexes 1–6 character prefixes and re-indexes the channels of version 4', () => {
    const db = at(4);
    insertChannel(db, 'stockholm-floor-1-lobby');
    migrate(db, MIGRATIONS.slice(0, 5), memoryLog(), ':memory:');
    const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'channels_fts'").pluck().get();
    expect(sql).toContain("prefix = '1 2 3 4 5 6'");
    const search = (q: string) =>
      db.prepare('SELECT rowid FROM channels_fts WHERE channels_fts MATCH ?').pluck().all(q);
    for (const q of ['"s"*', '"stockh"*', '"stockholm"*', '"floor"* "1"*', '"hq"'])
      expect(search(q)).toHaveLength(1);
    db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
  });

  it('keeps the triggers: inserts, renames and deletes follow', () => {
    const db = at(5);
    insertChannel(db, 'front-door');
    db.prepare("UPDATE channels SET name = 'back-gate'").run();
    const search = (q: string) =>
      db.prepare('SELECT rowid FROM channels_fts WHERE channels_fts MATCH ?').pluck().all(q);
    expect(search('"front"*')).toEqual([]);
    expect(search('"back-g"*')).toHaveLength(1);
    db.prepare('DELETE FROM channels').run();
    expect(search('"back"*')).toEqual([]);
    db.prepare("INSERT INTO channels_fts (channels_fts) VALUES ('integrity-check')").run();
  });
});

describe('006 tags freshness', () => {
  it('adds when and at which Version tags were read; channels of version 5 keep their tags and read as never', () => {
    const db = at(5);
    insertChannel(db, 'front-door');
    migrate(db, MIGRATIONS.slice(0, 6), memoryLog(), ':memory:');
    expect(db.prepare('SELECT name, tags, tags_version, tags_read_at FROM channels').all()).toEqual([
      { name: 'front-door', tags: '{"site":"hq"}', tags_version: null, tags_read_at: null },
    ]);
    // The search index is untouched by the new columns.
    expect(
      db.prepare("SELECT rowid FROM channels_fts WHERE channels_fts MATCH 'hq'").pluck().all(),
    ).toHaveLength(1);
  });
});

describe('007 name order', () => {
  const arnOf = (name: string) => `arn:aws:kinesisvideo:us-west-2:111122223333:channel/${name}/1700000000000`;

  it('renumbers the channels of version 6 in (profile, name) order and re-indexes them under the new ids', () => {
    const db = at(6);
    for (const name of ['zulu', 'Alpha', 'mike', 'bravo'])
      insertChannel(db, name, arnOf(name), `{"n":"${name}"}`);
    expect(db.prepare('SELECT name FROM channels ORDER BY id').pluck().all()).toEqual([
      'zulu',
      'Alpha',
      'mike',
      'bravo',
    ]);
    migrate(db, MIGRATIONS.slice(0, 7), memoryLog(), ':memory:');
    expect(db.prepare('SELECT name FROM channels ORDER BY id').pluck().all()).toEqual([
      'Alpha',
      'bravo',
      'mike',
      'zulu',
    ]);
    const ids = db.prepare('SELECT id FROM channels ORDER BY id').pluck().all();
    expect(ids).toEqual([1, 2, 3, 4].map((i) => i * 2 ** 20));
    const match = (q: string) =>
      db
        .prepare(
          'SELECT c.name FROM channels_fts f JOIN channels c ON c.id = f.rowid WHERE channels_fts MATCH ?',
        )
        .pluck()
        .all(q);
    expect(match('"mike"')).toEqual(['mike']);
    expect(match('"n"* ')).toHaveLength(4);
    db.prepare("INSERT INTO channels_fts (channels_fts, rank) VALUES ('integrity-check', 1)").run();
  });

  it('the index follows a row whose id changes', () => {
    const db = at(7);
    insertChannel(db, 'front-door', arnOf('front-door'));
    db.prepare('UPDATE channels SET id = 42').run();
    expect(
      db.prepare("SELECT rowid FROM channels_fts WHERE channels_fts MATCH 'front'").pluck().all(),
    ).toEqual([42]);
    db.prepare("INSERT INTO channels_fts (channels_fts, rank) VALUES ('integrity-check', 1)").run();
  });
});
