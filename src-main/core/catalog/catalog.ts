import type { Logger } from '../types';
import { exportWall, importWall } from './exchange';
import type { ExportDocument } from './model';
import { AuditRepo } from './repos/audit';
import { CacheRepo } from './repos/cache';
import { ChannelsRepo } from './repos/channels';
import { GroupsRepo } from './repos/groups';
import { LayoutsRepo } from './repos/layouts';
import { ProfilesRepo } from './repos/profiles';
import { SearchRepo, type SearchQuery, type SearchResult } from './repos/search';
import { SearchIndexTidy } from './searchIndex';
import { SettingsRepo } from './repos/settings';
import type { Sql, SqliteDb } from './sql';
import { startSync, type SyncOptions, type SyncResult } from './sync';

/** Whether the catalog was last closed cleanly ('closed'), is open or crashed ('open'), or never recorded. */
export function sessionState(db: SqliteDb): 'open' | 'closed' | null {
  // Read before migrations: a catalog that is not even at version 1 has no app_state yet.
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'app_state'").get();
  if (!exists) return null;
  const row = db.prepare<[], { value: string }>("SELECT value FROM app_state WHERE key = 'session'").get();
  return row ? (JSON.parse(row.value) as 'open' | 'closed') : null;
}

/** Records the session state (see `sessionState`). */
export function setSessionState(db: SqliteDb, state: 'open' | 'closed'): void {
  db.prepare(
    "INSERT INTO app_state (key, value) VALUES ('session', :value) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  ).run({ value: JSON.stringify(state) });
}

/**
 * The local catalog: everything the console browses and searches offline. One per process, opened by
 * `openCatalog`; repositories hold statements prepared once.
 */
export class Catalog {
  readonly profiles: ProfilesRepo;
  readonly channels: ChannelsRepo;
  readonly groups: GroupsRepo;
  readonly layouts: LayoutsRepo;
  readonly settings: SettingsRepo;
  readonly audit: AuditRepo;
  /** The persisted endpoint/ICE cache (`ExpiringCache`) for fast cold starts. */
  readonly cache: CacheRepo;
  /** Merges the search index after syncs (see SearchIndexTidy). */
  readonly searchIndex: SearchIndexTidy;
  private readonly searcher: SearchRepo;

  constructor(
    private readonly sql: Sql,
    /** The database file (or ':memory:'). */
    readonly file: string,
    /** The schema version it was opened at (after migrations). */
    readonly schemaVersion: number,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.profiles = new ProfilesRepo(sql, now);
    this.channels = new ChannelsRepo(sql);
    this.groups = new GroupsRepo(sql, now);
    this.layouts = new LayoutsRepo(sql, now);
    this.settings = new SettingsRepo(sql, log);
    this.audit = new AuditRepo(sql, now);
    this.cache = new CacheRepo(sql);
    this.searcher = new SearchRepo(sql);
    this.searchIndex = new SearchIndexTidy(sql, log);
    if (file !== ':memory:') setSessionState(sql.db, 'open');
  }

  /** Full-text search (or browse, with an empty query) over one profile's channels. */
  search(query: SearchQuery): SearchResult {
    return this.searcher.run(query);
  }

  /**
   * Syncs a profile's channels from the service (see `startSync`), then merges the search index in the
   * background (whatever the sync wrote, cancelled or not).
   */
  async sync(options: SyncOptions): Promise<SyncResult> {
    try {
      return await startSync(this.channels, options, { log: this.log, now: this.now });
    } finally {
      if (this.sql.db.open) void this.searchIndex.schedule();
    }
  }

  /** Groups and layouts as the versioned exchange document. */
  exportLayouts(): ExportDocument {
    return exportWall(this.groups, this.layouts, this.now());
  }

  /** Imports an exchange document (validated; one transaction). Throws CatalogError on a bad or newer one. */
  importLayouts(document: unknown): { groups: number; layouts: number } {
    return importWall(this.sql, this.groups, this.layouts, document);
  }

  /** The raw handle, for tests (EXPLAIN QUERY PLAN, integrity checks) and the bench. Not for features. */
  get db(): SqliteDb {
    return this.sql.db;
  }

  /**
   * Closes the database: marks the session closed cleanly (so the next start can skip the integrity check),
   * lets SQLite refresh its planner statistics, checkpoints the WAL. Idempotent.
   */
  close(): void {
    const { db } = this.sql;
    if (!db.open) return;
    this.searchIndex.stop();
    try {
      setSessionState(db, 'closed');
      db.pragma('optimize'); // bounded by the analysis_limit set at open
    } finally {
      db.close();
    }
  }
}
