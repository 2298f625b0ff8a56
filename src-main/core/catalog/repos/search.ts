import type { ChannelStatus, ChannelSummary, StorageStatus } from '../model';
import type { Sql } from '../sql';
import { toSummary, type ChannelRow } from './channels';

/** A catalog query: the `catalog:search` request plus the profile (and optionally region) it runs in. */
export interface SearchQuery {
  profileId: string;
  /** Free text; empty = browse everything by name. */
  query: string;
  region?: string;
  status?: ChannelStatus;
  storage?: StorageStatus;
  groupId?: string;
  includeMissing?: boolean;
  limit?: number;
  offset?: number;
}

export interface SearchResult {
  channels: ChannelSummary[];
  /** All matches, not just this page. */
  total: number;
}

/** Longest query we turn into FTS terms; more terms only narrow what 12 already found. */
const MAX_TERMS = 12;

/**
 * Turns what the operator typed into an FTS5 MATCH expression that cannot be a syntax error: the text is cut
 * into the same tokens the index holds (letters, digits and marks; everything else separates, as unicode61
 * does), each token becomes a quoted prefix term, and terms are ANDed. So `fro` finds `front-door`, and
 * `"`, `*`, `AND`, `-`, `NEAR(` are just text. Returns null when nothing searchable is left.
 */
export function ftsMatch(input: string): string | null {
  const tokens = input.normalize('NFKC').match(/[\p{L}\p{N}\p{M}]+/gu);
  if (!tokens) return null;
  return tokens
    .slice(0, MAX_TERMS)
    .map((t) => `"${t.replaceAll('"', '""')}"*`)
    .join(' ');
}

// The optional filters are written as `(:x IS NULL OR col = :x)` so each statement is static SQL with bound
// parameters only; the driving index (FTS, (profile_id, name), or the group's members) is what varies, and
// that is chosen by picking one of three statements.
const FILTERS = `
  c.profile_id = :profileId
  AND (:region IS NULL OR c.region = :region)
  AND (:status IS NULL OR c.status = :status)
  AND (:storage IS NULL OR c.storage_status = :storage)
  AND (:includeMissing = 1 OR c.missing = 0)`;

/**
 * Full-text search, ranked by bm25 (a name hit weighs 10× a tag hit), then by name. The ranking and the
 * count run over narrow (id, name, score) tuples and only the page's rows are read whole, which halves the
 * cost of broad queries. bm25 sits in the innermost select because FTS5 only answers it next to its MATCH.
 */
export const SEARCH_SQL = `
  SELECT c.*, page.total FROM (
    SELECT c.id, c.name, hit.score, count(*) OVER () AS total
    FROM (SELECT rowid AS id, bm25(channels_fts, 10.0, 1.0) AS score
          FROM channels_fts WHERE channels_fts MATCH :match) AS hit
    JOIN channels c ON c.id = hit.id
    WHERE ${FILTERS}
      AND (:groupId IS NULL OR EXISTS (
        SELECT 1 FROM group_members gm WHERE gm.group_id = :groupId AND gm.channel_arn = c.arn))
    ORDER BY hit.score, c.name
    LIMIT :limit OFFSET :offset) AS page
  JOIN channels c ON c.id = page.id
  ORDER BY page.score, page.name`;

/** Browse a profile by name: walks (profile_id, name), so a page costs its size, not the catalog's. */
export const BROWSE_SQL = `
  SELECT c.* FROM channels c
  WHERE ${FILTERS}
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

export const BROWSE_COUNT_SQL = `SELECT count(*) AS n FROM channels c WHERE ${FILTERS}`;

/**
 * Browse one group: driven by the group's members (at most 1,000), not by the whole catalog. CROSS JOIN is
 * SQLite's documented way to pin the loop order; without statistics the planner would walk the profile.
 */
export const GROUP_SQL = `
  SELECT c.*, count(*) OVER () AS total
  FROM group_members gm CROSS JOIN channels c ON c.profile_id = :profileId AND c.arn = gm.channel_arn
  WHERE gm.group_id = :groupId AND ${FILTERS}
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

type Bound = {
  profileId: string;
  region: string | null;
  status: string | null;
  storage: string | null;
  includeMissing: number;
  groupId: string | null;
  limit: number;
  offset: number;
};

type Filters = Omit<Bound, 'groupId' | 'limit' | 'offset'>;

/** Search and browse over the catalog, offline. */
export class SearchRepo {
  private readonly search;
  private readonly browse;
  private readonly browseCount;
  private readonly group;

  constructor(sql: Sql) {
    this.search = sql.prepare<Bound & { match: string }, ChannelRow & { total: number }>(
      'search.fts',
      SEARCH_SQL,
    );
    this.browse = sql.prepare<Bound, ChannelRow>('search.browse', BROWSE_SQL);
    this.browseCount = sql.prepare<Filters, { n: number }>('search.browseCount', BROWSE_COUNT_SQL);
    this.group = sql.prepare<Bound, ChannelRow & { total: number }>('search.group', GROUP_SQL);
  }

  /** One page of matches and the total; ordered by relevance then name, or by name when there is no text. */
  run(q: SearchQuery): SearchResult {
    const filters: Filters = {
      profileId: q.profileId,
      region: q.region ?? null,
      status: q.status ?? null,
      storage: q.storage ?? null,
      includeMissing: q.includeMissing ? 1 : 0,
    };
    const bound: Bound = {
      ...filters,
      groupId: q.groupId ?? null,
      limit: clamp(q.limit ?? 100, 1, 500),
      offset: clamp(q.offset ?? 0, 0, 1_000_000),
    };
    const match = ftsMatch(q.query);
    if (match === null && bound.groupId === null) {
      const rows = this.browse.all(bound);
      const total = this.browseCount.get(filters)?.n ?? 0;
      return { channels: rows.map(toSummary), total };
    }
    const page = (b: Bound) => (match === null ? this.group.all(b) : this.search.all({ ...b, match }));
    const rows = page(bound);
    // The window count rides on the rows; a page past the end has none, so ask for the first row then.
    const total =
      rows[0]?.total ?? (bound.offset > 0 ? (page({ ...bound, offset: 0, limit: 1 })[0]?.total ?? 0) : 0);
    return { channels: rows.map(toSummary), total };
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.trunc(n)));
}
