import type { Migration } from '../migrate';

/**
 * Prefix indexes for 1–6 characters (002 had 1–3). A typed word longer than the longest prefix index is a
 * prefix query FTS5 answers by merging the doclists of every term that starts with it — all of them, on
 * every search — and bm25 walks each term's doclist again for its IDF. At 100,000 channels a common word
 * (`floor`, in 85% of the names) cost ~2 ms per appearance that way, so a pasted full name with one match
 * took ~10 ms; with 4–6 character prefixes indexed it reads like a term (~0.3 ms). Costs: the index grows
 * ~45% (≈ 22 → 31 MB at 100k channels) and indexing a new channel ~30% more.
 *
 * Same external-content table, tokenizer and triggers as 002; rebuilt from `channels`.
 */
export const migration005: Migration = {
  version: 5,
  name: 'search-prefixes',
  up(db) {
    db.exec(`
      DROP TRIGGER channels_fts_insert;
      DROP TRIGGER channels_fts_delete;
      DROP TRIGGER channels_fts_update;
      DROP TABLE channels_fts;

      CREATE VIRTUAL TABLE channels_fts USING fts5 (
        name, tags,
        content = 'channels', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3 4 5 6'
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

      INSERT INTO channels_fts (channels_fts) VALUES ('rebuild');
    `);
  },
};
