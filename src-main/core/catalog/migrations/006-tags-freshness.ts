import type { Migration } from '../migrate';

/**
 * When a channel's tags were last read, and at which channel Version, so a sync reads ListTagsForResource
 * only for channels that are new, changed (another Version) or whose tags are older than the sync's
 * `tagsMaxAgeMs` (TagResource does not change a channel's Version, so age bounds how stale tags can be).
 * NULL = never read: every channel of an older catalog has its tags read again once.
 */
export const migration006: Migration = {
  version: 6,
  name: 'tags-freshness',
  up(db) {
    db.exec(`
      ALTER TABLE channels ADD COLUMN tags_version TEXT;
      ALTER TABLE channels ADD COLUMN tags_read_at INTEGER;
    `);
  },
};
