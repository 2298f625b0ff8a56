import type { Migration } from '../migrate';
import { KEY_STEP } from '../repos/nameKeys';

/**
 * Channel ids in name order (see repos/nameKeys.ts): every channel is renumbered in (profile, name) order,
 * KEY_STEP apart, and the search index is rebuilt under the new ids. From here on the sync places each new
 * channel's id between its neighbours by name, and the FTS update trigger also follows an id change (a
 * renamed channel, or a row moved to make room).
 *
 * The renumbering goes through negative ids so no row ever takes an id another still holds; the triggers are
 * off meanwhile and the index is rebuilt once at the end, in one segment (~3.5 s in all at 100,000 channels,
 * ~0.3 s at 10,000).
 */
export const migration007: Migration = {
  version: 7,
  name: 'name-order',
  up(db) {
    db.exec(`
      DROP TRIGGER channels_fts_insert;
      DROP TRIGGER channels_fts_delete;
      DROP TRIGGER channels_fts_update;

      CREATE TEMP TABLE renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL) STRICT;
      INSERT INTO temp.renumber (old, new)
        SELECT id, ${KEY_STEP} * row_number() OVER (ORDER BY profile_id, name, id) FROM channels;
      UPDATE channels SET id = -(SELECT new FROM temp.renumber WHERE old = channels.id);
      UPDATE channels SET id = -id;
      DROP TABLE temp.renumber;

      CREATE TRIGGER channels_fts_insert AFTER INSERT ON channels BEGIN
        INSERT INTO channels_fts (rowid, name, tags) VALUES (new.id, new.name, new.tags);
      END;
      CREATE TRIGGER channels_fts_delete AFTER DELETE ON channels BEGIN
        INSERT INTO channels_fts (channels_fts, rowid, name, tags) VALUES ('delete', old.id, old.name, old.tags);
      END;
      CREATE TRIGGER channels_fts_update AFTER UPDATE OF id, name, tags ON channels
      WHEN old.id IS NOT new.id OR old.name IS NOT new.name OR old.tags IS NOT new.tags BEGIN
        INSERT INTO channels_fts (channels_fts, rowid, name, tags) VALUES ('delete', old.id, old.name, old.tags);
        INSERT INTO channels_fts (rowid, name, tags) VALUES (new.id, new.name, new.tags);
      END;

      INSERT INTO channels_fts (channels_fts) VALUES ('rebuild');
      INSERT INTO channels_fts (channels_fts) VALUES ('optimize');
    `);
  },
};
