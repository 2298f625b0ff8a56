import type { Logger } from '../types';
import { CatalogError } from './errors';
import type { SqliteDb } from './sql';

/**
 * One schema step. `up` runs inside a transaction together with the `user_version` bump, so a crash leaves
 * the database at the previous version or the next one, never in between.
 *
 * Migrations run with foreign_keys=ON (it cannot change inside a transaction); a future migration that must
 * rebuild a referenced table has to copy its rows rather than drop the table.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: SqliteDb): void;
}

/** Reads the schema version (`PRAGMA user_version`). */
export function schemaVersion(db: SqliteDb): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Throws CatalogError('newer-version') when `current` is past what this build knows. */
export function refuseNewer(current: number, latest: number, file: string): void {
  if (current <= latest) return;
  throw new CatalogError(
    'newer-version',
    `The catalog ${file} was written by a newer Watchfloor (schema version ${current}; this build knows up to ${latest}). ` +
      'Update Watchfloor to open it, or start with a fresh catalog (the current file is kept aside).',
    file,
  );
}

/**
 * Brings `db` up to the last of `migrations` (which must be numbered 1, 2, 3…), one transaction each.
 * Refuses a database whose version is newer than this build knows: writing to it would corrupt it for the
 * build that created it.
 */
export function migrate(db: SqliteDb, migrations: readonly Migration[], log: Logger, file: string): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const current = schemaVersion(db);
  refuseNewer(current, migrations.length, file);
  for (const m of migrations.slice(current)) {
    const started = Date.now();
    db.transaction(() => {
      m.up(db);
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) throw new Error(`migration ${m.version} (${m.name}) broke foreign keys`);
      // PRAGMA takes no bound parameters; the version is a checked integer from our own list.
      if (!Number.isSafeInteger(m.version)) throw new Error('migration version must be an integer');
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    log.info('catalog: migrated', { version: m.version, name: m.name, ms: Date.now() - started });
  }
  return schemaVersion(db);
}
