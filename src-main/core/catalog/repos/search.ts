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
  /** All matches, not just this page — or, with `totalIsLowerBound`, as many as were counted. */
  total: number;
  /** Present (true) only when counting stopped early: there are at least `total` matches, likely more. */
  totalIsLowerBound?: boolean;
}

/**
 * How a text query is answered, by its number of FTS matches (all profiles, before filters):
 * - at most `rankMax`: channels whose name holds every typed word first, then those matched through their
 *   tags, each part by name (every match is joined and sorted: ~0.3 µs each);
 * - more: by name, read straight off the FTS index (channel ids are in name order, see nameKeys.ts), so a
 *   page costs its own rows — plus those the filters drop — not the match count;
 * - the total is exact up to `totalCap` matches (counting is ~0.2 µs per match); beyond, only the first
 *   `totalCap` + 1 matches are counted and the total is a lower bound (`totalIsLowerBound`).
 */
export interface SearchLimits {
  rankMax: number;
  totalCap: number;
}

export const SEARCH_LIMITS: SearchLimits = { rankMax: 1_000, totalCap: 5_000 };

/** Longest query we turn into FTS terms; more terms only narrow what 12 already found. */
const MAX_TERMS = 12;

/** What the operator typed, cut into the tokens the index holds (see ftsMatch); null when none. */
function searchTokens(input: string): string[] | null {
  const tokens = input.normalize('NFKC').match(/[\p{L}\p{N}\p{M}]+/gu);
  return tokens ? tokens.slice(0, MAX_TERMS) : null;
}

/**
 * Turns what the operator typed into an FTS5 MATCH expression that cannot be a syntax error: the text is cut
 * into the same tokens the index holds (letters, digits and marks; everything else separates, as unicode61
 * does), each token becomes a quoted prefix term, and terms are ANDed. So `fro` finds `front-door`, and
 * `"`, `*`, `AND`, `-`, `NEAR(` are just text. Returns null when nothing searchable is left.
 */
export function ftsMatch(input: string): string | null {
  const tokens = searchTokens(input);
  return tokens && matchOf(tokens);
}

function matchOf(tokens: readonly string[]): string {
  return tokens.map((t) => `"${t.replaceAll('"', '""')}"*`).join(' ');
}

/** The same terms, all in the channel's name. */
function nameMatchOf(match: string): string {
  return `{name} : (${match})`;
}

// The optional filters are written as `(:x IS NULL OR col = :x)` so each statement is static SQL with bound
// parameters only; the driving index (FTS, (profile_id, name), or the group's members) is what varies, and
// that is chosen by picking one of the statements below.
const FILTERS = `
  c.profile_id = :profileId
  AND (:region IS NULL OR c.region = :region)
  AND (:status IS NULL OR c.status = :status)
  AND (:storage IS NULL OR c.storage_status = :storage)
  AND (:includeMissing = 1 OR c.missing = 0)`;

const IN_GROUP = `(:groupId IS NULL OR EXISTS (
  SELECT 1 FROM group_members gm WHERE gm.group_id = :groupId AND gm.channel_arn = c.arn))`;

/**
 * The first :scan FTS matches (all profiles, before filters): how many (`hits`), and how many of them pass
 * the filters (`n`). Decides how the page is read, and gives the total: exact while hits < :scan.
 */
export const COUNT_SQL = `
  SELECT count(*) AS hits, count(c.id) AS n
  FROM (SELECT rowid AS id FROM channels_fts WHERE channels_fts MATCH :match LIMIT :scan) AS hit
  LEFT JOIN channels c ON c.id = hit.id AND ${FILTERS} AND ${IN_GROUP}`;

/**
 * A small match set, relevance first: channels whose NAME matches every term (:nameMatch, the same terms
 * limited to the name column) before channels that needed their tags, each part by name (id order). FTS5's
 * bm25 was used here before: it reads every term's whole doclist for its IDF, ~2 ms at 100,000 channels even
 * when one channel matches, and told operators nothing a "name first" rule does not.
 */
export const RANKED_SQL = `
  SELECT c.* FROM channels_fts f JOIN channels c ON c.id = f.rowid
  WHERE channels_fts MATCH :match AND ${FILTERS} AND ${IN_GROUP}
  ORDER BY c.id NOT IN (SELECT rowid FROM channels_fts WHERE channels_fts MATCH :nameMatch), f.rowid
  LIMIT :limit OFFSET :offset`;

/**
 * A text query's page by name: the matches are read from the FTS index in rowid order, which is name order
 * (ids are allocated so, see nameKeys.ts): no sort, and the walk stops at the page's end. The planner must
 * consume ORDER BY f.rowid in the FTS scan (asserted in the query-plan tests).
 */
export const BY_NAME_SQL = `
  SELECT c.* FROM channels_fts f JOIN channels c ON c.id = f.rowid
  WHERE channels_fts MATCH :match AND ${FILTERS}
  ORDER BY f.rowid
  LIMIT :limit OFFSET :offset`;

/** Browse a profile by name: walks (profile_id, name), so a page costs its size, not the catalog's. */
export const BROWSE_SQL = `
  SELECT c.* FROM channels c
  WHERE ${FILTERS}
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

export const BROWSE_COUNT_SQL = `SELECT count(*) AS n FROM channels c WHERE ${FILTERS}`;

/** Names starting with one character: [:lo, :hi) in NOCASE order, a range of (profile_id, name). */
export const PREFIX_SQL = `
  SELECT c.* FROM channels c
  WHERE ${FILTERS} AND c.name >= :lo AND c.name < :hi
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

export const PREFIX_COUNT_SQL = `
  SELECT count(*) AS n FROM channels c WHERE ${FILTERS} AND c.name >= :lo AND c.name < :hi`;

/**
 * Browse one group: driven by the group's members (at most 1,000), not by the whole catalog. CROSS JOIN is
 * SQLite's documented way to pin the loop order; without statistics the planner would walk the profile.
 * :lo/:hi narrow it to names starting with one character (null: all).
 */
export const GROUP_SQL = `
  SELECT c.*, count(*) OVER () AS total
  FROM group_members gm CROSS JOIN channels c ON c.profile_id = :profileId AND c.arn = gm.channel_arn
  WHERE gm.group_id = :groupId AND ${FILTERS}
    AND (:lo IS NULL OR (c.name >= :lo AND c.name < :hi))
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

/** A broad query within one group: the group's members by name, kept if in the FTS match set. */
export const GROUP_TEXT_SQL = `
  SELECT c.*, count(*) OVER () AS total
  FROM group_members gm CROSS JOIN channels c ON c.profile_id = :profileId AND c.arn = gm.channel_arn
  WHERE gm.group_id = :groupId AND ${FILTERS}
    AND c.id IN (SELECT rowid FROM channels_fts WHERE channels_fts MATCH :match)
  ORDER BY c.name
  LIMIT :limit OFFSET :offset`;

type Filters = {
  profileId: string;
  region: string | null;
  status: string | null;
  storage: string | null;
  includeMissing: number;
};
type Page = { limit: number; offset: number };
type Bound = Filters & Page & { groupId: string | null };
type Range = { lo: string | null; hi: string | null };
type Counted = ChannelRow & { total: number };

/**
 * Search and browse over the catalog, offline. Which statement answers depends on the text:
 * - none: browse by name (or the group's members);
 * - one letter or digit: names starting with it (the first keystroke would otherwise match nearly every
 *   channel through some name or tag word, ranked by nothing useful);
 * - at most `rankMax` FTS matches: name matches first, then tag matches, exact total;
 * - more (broad): by name, off the index; the total is exact up to `totalCap` FTS matches and a lower bound beyond
 *   (`totalIsLowerBound`); within a group it is exact, the group being small.
 */
export class SearchRepo {
  private readonly count;
  private readonly ranked;
  private readonly byName;
  private readonly browse;
  private readonly browseCount;
  private readonly prefix;
  private readonly prefixCount;
  private readonly group;
  private readonly groupText;

  constructor(
    sql: Sql,
    private readonly limits: SearchLimits = SEARCH_LIMITS,
  ) {
    this.count = sql.prepare<
      Filters & { groupId: string | null; match: string; scan: number },
      { hits: number; n: number }
    >('search.count', COUNT_SQL);
    this.ranked = sql.prepare<Bound & { match: string; nameMatch: string }, ChannelRow>(
      'search.ranked',
      RANKED_SQL,
    );
    this.byName = sql.prepare<Filters & Page & { match: string }, ChannelRow>('search.byName', BY_NAME_SQL);
    this.browse = sql.prepare<Filters & Page, ChannelRow>('search.browse', BROWSE_SQL);
    this.browseCount = sql.prepare<Filters, { n: number }>('search.browseCount', BROWSE_COUNT_SQL);
    this.prefix = sql.prepare<Filters & Page & Range, ChannelRow>('search.prefix', PREFIX_SQL);
    this.prefixCount = sql.prepare<Filters & Range, { n: number }>('search.prefixCount', PREFIX_COUNT_SQL);
    this.group = sql.prepare<Bound & Range, Counted>('search.group', GROUP_SQL);
    this.groupText = sql.prepare<Bound & { match: string }, Counted>('search.groupText', GROUP_TEXT_SQL);
  }

  /** One page of matches and the total (see the class comment for the order). */
  run(q: SearchQuery): SearchResult {
    const filters: Filters = {
      profileId: q.profileId,
      region: q.region ?? null,
      status: q.status ?? null,
      storage: q.storage ?? null,
      includeMissing: q.includeMissing ? 1 : 0,
    };
    const page: Page = { limit: clamp(q.limit ?? 100, 1, 500), offset: clamp(q.offset ?? 0, 0, 1_000_000) };
    const groupId = q.groupId ?? null;
    const bound: Bound = { ...filters, ...page, groupId };
    const tokens = searchTokens(q.query);
    // One letter or digit: NOCASE folds ASCII only, so the range is taken from the lower-case character.
    const initial = tokens?.length === 1 && [...tokens[0]!].length === 1 ? tokens[0]!.toLowerCase() : null;
    const range: Range = initial
      ? { lo: initial, hi: String.fromCodePoint(initial.codePointAt(0)! + 1) }
      : { lo: null, hi: null };

    if (groupId !== null && (tokens === null || initial !== null)) {
      return counted(bound, (b) => this.group.all({ ...b, ...range }));
    }
    if (tokens === null) {
      return { channels: this.browse.all(bound).map(toSummary), total: this.browseCount.get(filters)!.n };
    }
    if (initial !== null) {
      const channels = this.prefix.all({ ...bound, ...range }).map(toSummary);
      return { channels, total: this.prefixCount.get({ ...filters, ...range })!.n };
    }
    const match = matchOf(tokens);
    const { rankMax, totalCap } = this.limits;
    const { hits, n } = this.count.get({ ...filters, groupId, match, scan: totalCap + 1 })!;
    if (hits <= rankMax) {
      const rows = this.ranked.all({ ...bound, match, nameMatch: nameMatchOf(match) });
      return { channels: rows.map(toSummary), total: n };
    }
    if (groupId !== null) return counted(bound, (b) => this.groupText.all({ ...b, match }));
    const rows = this.byName.all({ ...filters, ...page, match });
    const channels = rows.map(toSummary);
    if (hits <= totalCap) return { channels, total: n };
    // Counted among the first totalCap + 1 matches only; what the page shows is at least as many.
    return { channels, total: Math.max(n, page.offset + rows.length), totalIsLowerBound: true };
  }
}

/** A page from a statement whose rows carry the window count; a page past the end asks for the first row. */
function counted(bound: Bound, page: (b: Bound) => Counted[]): SearchResult {
  const rows = page(bound);
  const total =
    rows[0]?.total ?? (bound.offset > 0 ? (page({ ...bound, offset: 0, limit: 1 })[0]?.total ?? 0) : 0);
  return { channels: rows.map(toSummary), total };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.trunc(n)));
}
