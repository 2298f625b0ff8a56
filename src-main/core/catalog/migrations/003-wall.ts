import type { Migration } from '../migrate';

/**
 * Camera groups and wall layouts.
 *
 * Members and tiles hold channel ARNs, not channel rows: a layout imported before the first sync, or one whose
 * camera went missing, must keep its tiles. `position` keeps the operator's order; (group_id, position) serves
 * the ordered member list and the primary key serves "is this channel in the group".
 */
export const migration003: Migration = {
  version: 3,
  name: 'wall',
  up(db) {
    db.exec(`
      CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE group_members (
        group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        channel_arn TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (group_id, channel_arn)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX group_members_order ON group_members (group_id, position);
      CREATE INDEX group_members_by_channel ON group_members (channel_arn);

      CREATE TABLE layouts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        grid TEXT NOT NULL CHECK (json_valid(grid)),
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE layout_tiles (
        layout_id TEXT NOT NULL REFERENCES layouts (id) ON DELETE CASCADE,
        tile_index INTEGER NOT NULL CHECK (tile_index BETWEEN 0 AND 63),
        channel_arn TEXT,
        PRIMARY KEY (layout_id, tile_index)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX layout_tiles_by_channel ON layout_tiles (channel_arn);
    `);
  },
};
