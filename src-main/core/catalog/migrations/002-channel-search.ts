import type { Migration } from '../migrate';

/**
 * FTS5 over channel names and tags, as an external-content table kept in step by triggers.
 *
 * unicode61 splits on everything that is not a letter or digit, so `front-door_2.cam` yields front, door,
 * 2, cam; the `tags` column indexes the JSON text, whose quotes, colons and braces are separators too, so
 * keys and values both become tokens. Prefix indexes of 1–3 characters keep as-you-type queries off the
 * full-term scan. The update trigger fires only when an indexed column really changed, so a re-sync of an
 * unchanged catalog does not rewrite the index.
 */
export const migration002: Migration = {
  version: 2,
  name: 'channel-search',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE channels_fts USING fts5 (
        name, tags,
        content = 'channels', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
      );

      CREATE TRIGGER channels_fts_insert AFTER INSERT ON channels BEGIN
        INSERT INTO channels_fts (rowid, name, tags) VALUES (new.id, new.name, new.tags);
      END;
      CREATE TRIGGER channels_fts_delete AFTER DELETE ON channels BEGIN
        INSERT INTO channels_fts (channels_fts, rowid, name, tags) VALUES ('delete', old.id, old.name, old.tags);
      END;
      CREATE TRIGGER channels_fts_update AFTER UPDATE OF name, tags ON channels
      WHEN old.name IS NOT new.name OR old.tags IS NOT new.tags BEGIN
        INSERT INTO channels_fts (channels_fts, rowid, name, tags) VALUES ('delete', old.id, old.name, old.tags);
        INSERT INTO channels_fts (rowid, name, tags) VALUES (new.id, new.name, new.tags);
      END;

      -- Channels stored before this migration.
      INSERT INTO channels_fts (channels_fts) VALUES ('rebuild');
    `);
  },
};
