import Database from 'better-sqlite3';
import { existsSync, renameSync, statSync } from 'node:fs';
import type { Logger } from '../types';
import { Catalog, sessionState } from './catalog';
import { CatalogError, classify, corruptMessage } from './errors';
import { migrate, refuseNewer, schemaVersion } from './migrate';
import { LATEST_VERSION, MIGRATIONS } from './migrations';
import { Sql, type SqliteDb } from './sql';

export interface OpenOptions {
  log: Logger;
  /** Clock for stored timestamps (tests pin it). */
  now?: () => number;
  /** Statements slower than this (ms) are logged. Default 50. */
  slowMs?: number;
  /**
   * When to run `PRAGMA quick_check` on an existing catalog, so a damaged file is caught at start (with the
   * way out) rather than in the middle of a search. 'auto' (default): when the last session did not close
   * cleanly, or the file is small enough (≤ 8 MiB) that the check costs a few ms; a 100,000-channel catalog
   * takes ~350 ms to check, too long for every cold start. Damage found later still surfaces as
   * CatalogError('corrupt') from the statement that hit it.
   */
  quickCheck?: 'always' | 'auto' | 'never';
  /** How long a write waits for another connection's lock (ms). Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the catalog at `file` (or ':memory:'): WAL, foreign keys, synchronous=NORMAL
 * (in WAL mode a power cut can lose the last commits but cannot corrupt the file), then the migrations, one
 * transaction each.
 *
 * Throws CatalogError: 'corrupt' (not a database, or fails quick_check), 'unreadable', 'busy', or
 * 'newer-version' — each with a message naming the file. For 'corrupt', 'newer-version' and 'unreadable'
 * the way out is `quarantineAndRecreate`.
 */
export function openCatalog(file: string, options: OpenOptions): Catalog {
  const { log } = options;
  const now = options.now ?? Date.now;
  const timeout = options.busyTimeoutMs ?? 5_000;
  if (file !== ':memory:' && existsSync(file)) probe(file, options.quickCheck ?? 'auto', timeout);
  let db: SqliteDb;
  try {
    db = new Database(file, { timeout });
  } catch (err) {
    throw classify(err, file);
  }
  try {
    const found = schemaVersion(db);
    refuseNewer(found, LATEST_VERSION, file);
    if (file !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal')
        log.warn('catalog: WAL unavailable, using rollback journal', { mode: String(mode) });
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Up to 64 MiB of page cache (allocated as used): a 100,000-channel catalog with its FTS index fits, and
    // broad searches, which touch rows all over the table, stop paying for page reads.
    db.pragma('cache_size = -65536');
    const fresh = db.pragma('user_version', { simple: true }) === 0;
    const version = migrate(db, MIGRATIONS, log, file);
    // Planner statistics for a long-lived connection (SQLite's advice since 3.46), bounded so a big catalog
    // does not slow the start: analysis_limit samples rows instead of reading every one. Not on a brand-new
    // catalog: statistics of empty tables made its first big sync write the search index ~6× slower.
    db.pragma('analysis_limit = 400');
    if (!fresh) db.pragma('optimize = 0x10002');
    const sql = new Sql(db, log, options.slowMs ?? 50, file);
    const catalog = new Catalog(sql, file, version, log, now);
    catalog.cache.purgeExpired(now());
    return catalog;
  } catch (err) {
    db.close();
    throw classify(err, file);
  }
}

/**
 * Looks at an existing file through a read-only connection first: the header, the schema version and (per
 * policy) quick_check. A read-only connection neither checkpoints nor deletes the -wal when it closes, so a
 * damaged or newer catalog is refused exactly as it was found, and quarantine keeps its whole state.
 */
function probe(file: string, policy: 'always' | 'auto' | 'never', timeout: number): void {
  let db: SqliteDb;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout });
  } catch (err) {
    throw classify(err, file);
  }
  try {
    const found = schemaVersion(db);
    refuseNewer(found, LATEST_VERSION, file);
    if (found > 0 && shouldCheck(db, file, policy)) quickCheck(db, file);
  } catch (err) {
    throw classify(err, file);
  } finally {
    db.close();
  }
}

/** Below this size a quick_check is cheap enough to run at every start. */
const ALWAYS_CHECK_BYTES = 8 * 1024 * 1024;

function shouldCheck(db: SqliteDb, file: string, mode: 'always' | 'auto' | 'never'): boolean {
  if (mode !== 'auto' || file === ':memory:') return mode === 'always';
  if (sessionState(db) !== 'closed') return true;
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  return size(file) + size(`${file}-wal`) <= ALWAYS_CHECK_BYTES;
}

function quickCheck(db: SqliteDb, file: string): void {
  const rows = db.pragma('quick_check(1)', { simple: false }) as { quick_check: string }[];
  const first = rows[0]?.quick_check ?? 'no answer';
  if (first !== 'ok') {
    throw new CatalogError('corrupt', corruptMessage(file, `quick_check: ${first}`), file);
  }
}

/**
 * The way out of a 'corrupt' (or 'newer-version') catalog: renames `file` and its -wal/-shm to
 * `<file>.corrupt-<timestamp>[-wal|-shm]` — kept together, so the set can still be opened for recovery —
 * and opens a fresh catalog in its place. The -wal moves first: a fresh database must never replay the old
 * one's log.
 */
export function quarantineAndRecreate(
  file: string,
  options: OpenOptions,
): { catalog: Catalog; movedTo: string } {
  if (file === ':memory:') throw new Error('an in-memory catalog has no file to move aside');
  const now = options.now ?? Date.now;
  const stamp = new Date(now()).toISOString().replace(/[:.]/g, '-');
  let movedTo = `${file}.corrupt-${stamp}`;
  for (let n = 1; [movedTo, `${movedTo}-wal`, `${movedTo}-shm`].some((f) => existsSync(f)); n++) {
    movedTo = `${file}.corrupt-${stamp}-${n}`;
  }
  try {
    for (const suffix of ['-wal', '-shm', '-journal', '']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
    }
  } catch (err) {
    throw new CatalogError(
      'unreadable',
      `Could not move the catalog ${file} aside (${err instanceof Error ? err.message : String(err)}). ` +
        'Check that its folder is writable.',
      file,
      { cause: err },
    );
  }
  options.log.warn('catalog: moved a damaged catalog aside and started fresh', { file, movedTo });
  return { catalog: openCatalog(file, options), movedTo };
}
