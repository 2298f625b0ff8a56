import type { RemoteChannel, StorageConfig } from '../../types';
import type { ChannelSummary } from '../model';
import type { Sql } from '../sql';
import { NameKeys } from './nameKeys';

/** A channel row as stored. */
export interface ChannelRow {
  id: number;
  profile_id: string;
  arn: string;
  region: string;
  name: string;
  type: string;
  status: ChannelSummary['status'];
  version: string | null;
  created_at: number | null;
  message_ttl_seconds: number | null;
  tags: string;
  storage_status: ChannelSummary['storageStatus'];
  stream_arn: string | null;
  last_synced_at: number | null;
  last_seen_live_at: number | null;
  missing: 0 | 1;
  /** The channel Version its tags were read at (NULL: never read). */
  tags_version: string | null;
  tags_read_at: number | null;
}

/** The row as the IPC contract's `channelSummary` (exactly its fields, nothing more). */
export function toSummary(row: ChannelRow): ChannelSummary {
  return {
    arn: row.arn,
    name: row.name,
    profileId: row.profile_id,
    region: row.region,
    status: row.status,
    storageStatus: row.storage_status,
    streamArn: row.stream_arn,
    tags: JSON.parse(row.tags) as Record<string, string>,
    lastSyncedAt: row.last_synced_at,
    lastSeenLiveAt: row.last_seen_live_at,
    missing: row.missing === 1,
  };
}

/** One channel as a sync saw it: `storage` null = describe failed (stored as UNKNOWN); `tags` undefined = keep. */
export interface SyncedChannel {
  channel: RemoteChannel;
  storage: StorageConfig | null;
  tags?: Record<string, string>;
}

/** A channel whose tags a sync should read: new, changed since its tags were read, or read too long ago. */
export interface TagsToRead {
  arn: string;
  /** The Version the channel was listed at (the tags are stored against it). */
  version: string | null;
}

/** Tags read for one channel in the sync's tags phase. */
export interface ReadTags {
  arn: string;
  version: string | null;
  tags: Record<string, string>;
}

/** What applying one region changed. */
export interface ApplyCounts {
  seen: number;
  added: number;
  updated: number;
  /** Channels the catalog had for the region that this sync did not list (now flagged, not deleted). */
  markedMissing: number;
  storageUnknown: number;
}

/** The stream name inside a stream ARN (`arn:…:stream/<name>/<creation>`). */
export function streamNameOf(streamArn: string): string {
  const m = /:stream\/([^/]+)\//.exec(streamArn);
  return m?.[1] ?? streamArn;
}

type Key = { profileId: string; arn: string };

// Keys sorted, so the same tags always give the same text and an unchanged channel never re-enters the index.
function tagsJson(tags: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

/** Channels per profile and region; statements prepared once. */
export class ChannelsRepo {
  private readonly byArn;
  private readonly inRegion;
  private readonly namesInRegion;
  private readonly keys;
  private readonly upsert;
  private readonly flagMissing;
  private readonly upsertStream;
  private readonly seenLive;
  private readonly storage;
  private readonly countAll;
  private readonly recording;
  private readonly staleTags;
  private readonly putTags;

  constructor(private readonly sql: Sql) {
    this.byArn = sql.prepare<Key, ChannelRow>(
      'channels.get',
      'SELECT * FROM channels WHERE profile_id = :profileId AND arn = :arn',
    );
    this.inRegion = sql.prepare<{ profileId: string; region: string }, ChannelRow>(
      'channels.listRegion',
      'SELECT * FROM channels WHERE profile_id = :profileId AND region = :region ORDER BY name',
    );
    this.namesInRegion = sql.prepare<{ profileId: string; region: string }, { arn: string; name: string }>(
      'channels.namesInRegion',
      'SELECT arn, name FROM channels WHERE profile_id = :profileId AND region = :region',
    );
    this.keys = new NameKeys(sql);
    this.upsert = sql.prepare<{
      /** A placed id (new or renamed channel, see NameKeys), or null: the row keeps its id. */
      id: number | null;
      profileId: string;
      arn: string;
      region: string;
      name: string;
      type: string;
      status: string;
      version: string | null;
      createdAt: number | null;
      ttl: number | null;
      tags: string | null;
      storageStatus: string;
      streamArn: string | null;
      at: number;
    }>(
      'channels.upsert',
      // Tags (when given) are stored with the Version and time they were read; without them the channel keeps
      // its tags and their freshness, and the tags phase (sync.ts) decides whether to read them.
      `INSERT INTO channels (id, profile_id, arn, region, name, type, status, version, created_at,
         message_ttl_seconds, tags, storage_status, stream_arn, last_synced_at, missing, tags_version, tags_read_at)
       VALUES (:id, :profileId, :arn, :region, :name, :type, :status, :version, :createdAt,
         :ttl, coalesce(:tags, '{}'), :storageStatus, :streamArn, :at, 0,
         CASE WHEN :tags IS NULL THEN NULL ELSE :version END, CASE WHEN :tags IS NULL THEN NULL ELSE :at END)
       ON CONFLICT (profile_id, arn) DO UPDATE SET
         id = coalesce(:id, channels.id), region = excluded.region, name = excluded.name, type = excluded.type, status = excluded.status,
         version = excluded.version, created_at = excluded.created_at,
         message_ttl_seconds = excluded.message_ttl_seconds,
         tags = coalesce(:tags, channels.tags),
         tags_version = CASE WHEN :tags IS NULL THEN channels.tags_version ELSE excluded.tags_version END,
         tags_read_at = CASE WHEN :tags IS NULL THEN channels.tags_read_at ELSE excluded.tags_read_at END,
         storage_status = excluded.storage_status,
         stream_arn = CASE WHEN excluded.storage_status = 'UNKNOWN' THEN channels.stream_arn
                           ELSE excluded.stream_arn END,
         last_synced_at = excluded.last_synced_at, missing = 0`,
    );
    this.flagMissing = sql.prepare<Key>(
      'channels.markMissing',
      'UPDATE channels SET missing = 1 WHERE profile_id = :profileId AND arn = :arn AND missing = 0',
    );
    this.upsertStream = sql.prepare<{
      profileId: string;
      arn: string;
      region: string;
      name: string;
      at: number;
    }>(
      'streams.upsert',
      `INSERT INTO streams (profile_id, arn, region, name, last_synced_at)
       VALUES (:profileId, :arn, :region, :name, :at)
       ON CONFLICT (profile_id, arn) DO UPDATE SET name = excluded.name, last_synced_at = excluded.last_synced_at`,
    );
    this.seenLive = sql.prepare<Key & { at: number }>(
      'channels.markSeenLive',
      'UPDATE channels SET last_seen_live_at = :at WHERE profile_id = :profileId AND arn = :arn',
    );
    this.storage = sql.prepare<Key & { status: string; streamArn: string | null }>(
      'channels.setStorage',
      'UPDATE channels SET storage_status = :status, stream_arn = :streamArn WHERE profile_id = :profileId AND arn = :arn',
    );
    this.countAll = sql.prepare<{ profileId: string }, { n: number }>(
      'channels.count',
      'SELECT count(*) AS n FROM channels WHERE profile_id = :profileId',
    );
    this.recording = sql.prepare<{ profileId: string }, { name: string; stream_arn: string }>(
      'channels.recording',
      `SELECT name, stream_arn FROM channels
       WHERE profile_id = :profileId AND storage_status = 'ENABLED' AND stream_arn IS NOT NULL AND missing = 0`,
    );
    this.staleTags = sql.prepare<{ profileId: string; region: string; readBefore: number }, TagsToRead>(
      'channels.staleTags',
      `SELECT arn, version FROM channels
       WHERE profile_id = :profileId AND region = :region AND missing = 0
         AND (tags_read_at IS NULL OR tags_read_at < :readBefore OR tags_version IS NOT version)
       ORDER BY name`,
    );
    this.putTags = sql.prepare<Key & { version: string | null; tags: string; at: number }>(
      'channels.setTags',
      // Only onto the Version the tags were read for: a channel changed meanwhile keeps its stale mark.
      `UPDATE channels SET tags = :tags, tags_version = :version, tags_read_at = :at
       WHERE profile_id = :profileId AND arn = :arn AND version IS :version`,
    );
  }

  /** One channel of a profile, or undefined. */
  get(profileId: string, arn: string): ChannelSummary | undefined {
    const row = this.byArn.get({ profileId, arn });
    return row && toSummary(row);
  }

  /** Every channel of a profile in a region (missing ones included), by name. */
  listRegion(profileId: string, region: string): ChannelSummary[] {
    return this.inRegion.all({ profileId, region }).map(toSummary);
  }

  /** How many channels a profile has (missing ones included). */
  count(profileId: string): number {
    return this.countAll.get({ profileId })?.n ?? 0;
  }

  /** Stream ARN → the name of the channel recording into it, for a profile's storage-enabled channels. */
  streamUsers(profileId: string): Map<string, string> {
    return new Map(this.recording.all({ profileId }).map((r) => [r.stream_arn, r.name]));
  }

  /** Records that a tile showed live video from the channel (for "last seen live"). Returns false if unknown. */
  markSeenLive(profileId: string, arn: string, at: number): boolean {
    return this.seenLive.run({ profileId, arn, at }).changes > 0;
  }

  /** Records a storage configuration learnt outside a sync (after storage:update or storage:describe). */
  setStorage(profileId: string, arn: string, storage: StorageConfig): boolean {
    return (
      this.storage.run({ profileId, arn, status: storage.status, streamArn: storage.streamArn }).changes > 0
    );
  }

  /**
   * The region's listed channels whose tags should be read: never read, read at another Version, or read
   * before `readBefore` (epoch ms). Missing channels are left alone.
   */
  tagsToRead(profileId: string, region: string, readBefore: number): TagsToRead[] {
    return this.staleTags.all({ profileId, region, readBefore });
  }

  /**
   * Stores one batch of tags in ONE transaction: each channel's tags with the Version and time they were
   * read, so a crash between batches leaves every channel either with its new tags (and fresh mark) or its
   * old ones (still stale, read again by the next sync). Returns how many channels took them.
   */
  applyTags(profileId: string, read: readonly ReadTags[], at: number): number {
    return this.sql.tx('sync.tags', () => {
      let applied = 0;
      for (const { arn, version, tags } of read) {
        applied += this.putTags.run({ profileId, arn, version, tags: tagsJson(tags), at }).changes;
      }
      return applied;
    });
  }

  /**
   * Applies one region's sync in ONE transaction: upserts every channel seen, flags the unseen ones missing
   * (not deleted: layouts and groups keep pointing at them), and records the streams storage maps to.
   * Either all of it lands or none of it does. New (and renamed) channels get an id in name order first.
   */
  applyRegion(profileId: string, region: string, seen: readonly SyncedChannel[], at: number): ApplyCounts {
    return this.sql.tx(
      'sync.apply',
      () => {
        const before = new Map(this.namesInRegion.all({ profileId, region }).map((r) => [r.arn, r.name]));
        const listed = new Map<string, SyncedChannel>();
        for (const s of seen) if (!listed.has(s.channel.arn)) listed.set(s.channel.arn, s);
        const write = (s: SyncedChannel, id: number | null) => {
          const { channel: c, storage, tags } = s;
          this.upsert.run({
            id,
            profileId,
            arn: c.arn,
            region,
            name: c.name,
            type: c.type,
            status: c.status,
            version: c.version,
            createdAt: c.createdAt,
            ttl: c.messageTtlSeconds,
            tags: tags ? tagsJson(tags) : null,
            storageStatus: storage?.status ?? 'UNKNOWN',
            streamArn: storage?.streamArn ?? null,
            at,
          });
          if (storage?.streamArn) {
            const arn = storage.streamArn;
            this.upsertStream.run({ profileId, arn, region, name: streamNameOf(arn), at });
          }
        };
        const toPlace = [...listed.values()].filter((s) => before.get(s.channel.arn) !== s.channel.name);
        const placed = new Set<string>();
        this.keys.place(
          profileId,
          toPlace.map((s) => s.channel),
          (arn, id) => {
            placed.add(arn);
            write(listed.get(arn)!, id);
          },
        );
        let added = 0;
        let storageUnknown = 0;
        for (const s of listed.values()) {
          if (!placed.has(s.channel.arn)) write(s, null);
          if (!before.has(s.channel.arn)) added++;
          if (!s.storage) storageUnknown++;
        }
        let markedMissing = 0;
        for (const arn of before.keys()) {
          if (!listed.has(arn)) markedMissing += this.flagMissing.run({ profileId, arn }).changes;
        }
        return { seen: listed.size, added, updated: listed.size - added, markedMissing, storageUnknown };
      },
      // A 10,000-channel apply is expected to take longer than one statement; warn only when it is really slow.
      Math.max(this.sql.slowMs, 2_000),
    );
  }
}
