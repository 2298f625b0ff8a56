import type { Migration } from '../migrate';

/**
 * Profiles, sealed secrets, settings, app state, channels and streams.
 *
 * Channels get an INTEGER PRIMARY KEY beside their natural key (profile_id, arn): the FTS index (002) is an
 * external-content table keyed by rowid, and only an INTEGER PRIMARY KEY rowid is stable across VACUUM.
 * Channels do not reference `profiles`: shared-config and SSO profiles live in ~/.aws/config, not here, and
 * their channels must still be browsable offline. `profiles.remove` deletes a profile's channels itself.
 */
export const migration001: Migration = {
  version: 1,
  name: 'core',
  up(db) {
    db.exec(`
      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('local-demo', 'shared-config', 'sso', 'process', 'keys')),
        region TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- Only ever ciphertext produced by a SecretBox (Electron safeStorage in the app): the credentials module
      -- seals before it writes and unseals after it reads. STRICT keeps 'sealed' BLOB-only, so a key passed as
      -- a string is refused instead of stored in clear.
      CREATE TABLE secrets (
        profile_id TEXT PRIMARY KEY REFERENCES profiles (id) ON DELETE CASCADE,
        backend TEXT NOT NULL,
        sealed BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;

      -- Internal state that is not an operator setting (e.g. the active profile).
      CREATE TABLE app_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value))
      ) STRICT;

      CREATE TABLE channels (
        id INTEGER PRIMARY KEY,
        profile_id TEXT NOT NULL,
        arn TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL COLLATE NOCASE,
        type TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('CREATING', 'ACTIVE', 'UPDATING', 'DELETING')),
        version TEXT,
        created_at INTEGER,
        message_ttl_seconds INTEGER,
        tags TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(tags)),
        storage_status TEXT NOT NULL DEFAULT 'UNKNOWN' CHECK (storage_status IN ('ENABLED', 'DISABLED', 'UNKNOWN')),
        stream_arn TEXT,
        last_synced_at INTEGER,
        last_seen_live_at INTEGER,
        missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
        UNIQUE (profile_id, arn)
      ) STRICT;
      -- Browse a profile by name (NOCASE, as the column). The filter columns ride along so that counting and
      -- skipping (OFFSET) read only the index, not 100,000 rows.
      CREATE INDEX channels_by_name ON channels (profile_id, name, missing, status, storage_status, region);
      -- A region's channels by name; with arn it also covers the sync's "what do we have here" read.
      CREATE INDEX channels_by_region ON channels (profile_id, region, name, arn);

      CREATE TABLE streams (
        id INTEGER PRIMARY KEY,
        profile_id TEXT NOT NULL,
        arn TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        last_synced_at INTEGER NOT NULL,
        UNIQUE (profile_id, arn)
      ) STRICT;
    `);
  },
};
