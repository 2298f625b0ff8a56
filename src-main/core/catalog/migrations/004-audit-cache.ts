import type { Migration } from '../migrate';

/**
 * The append-only audit log and the persisted endpoint/ICE cache.
 *
 * Audit rows can be inserted, never changed or removed: the triggers abort any UPDATE or DELETE, so neither
 * a bug nor a later migration can quietly rewrite who talked to which camera. AUTOINCREMENT keeps ids from
 * ever being reused. The cache holds only what a cold start needs (endpoints, ICE servers) with an expiry.
 */
export const migration004: Migration = {
  version: 4,
  name: 'audit-cache',
  up(db) {
    db.exec(`
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('talk', 'storage', 'kiosk-unlock', 'publish')),
        profile_id TEXT,
        channel_arn TEXT,
        detail TEXT NOT NULL CHECK (json_valid(detail))
      ) STRICT;
      CREATE INDEX audit_by_channel ON audit (channel_arn, id);

      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
      END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
        SELECT RAISE(ABORT, 'the audit log is append-only');
      END;

      CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value)),
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX cache_by_expiry ON cache (expires_at);
    `);
  },
};
