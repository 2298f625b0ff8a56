/**
 * The catalog side of the `core` bench: builds a 100k-channel catalog file from the synthetic fleet, then
 * times `Catalog.search` over the as-you-type query mix, and a LIKE '%token%' scan over the same queries as
 * the baseline a catalog without FTS would pay.
 */
import { openCatalog, type Catalog, type SearchQuery, type SyncedChannel } from '../../src-main/core/catalog';
import type { SqliteDb } from '../../src-main/core/catalog/sql';
import { FLEET_REGIONS, makeFleet, type MixQuery, type QueryKind } from './fleet';
import { round, Samples } from './measure';

export const ACCOUNT = '111122223333';
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A query counts as broad when it matches more than this many channels (selective otherwise). */
export const BROAD_OVER = 1_000;

export function channelArnOf(region: string, name: string): string {
  return `arn:aws:kinesisvideo:${region}:${ACCOUNT}:channel/${name}/1700000000000`;
}

/**
 * Writes `count` fleet channels for `profileId` into the catalog at `file` (one applyRegion per region, as a
 * sync would), merges the search index as the console does after a sync, flags ~1% missing, and closes it (PRAGMA optimize leaves planner statistics, as after a real
 * session). Returns how long the applies took (each region is one transaction, as a first sync's).
 */
export function buildCatalog(
  file: string,
  profileId: string,
  count: number,
): {
  applyMs: number;
  tidyMs: number;
  regions: Array<{ region: string; channels: number; applyMs: number }>;
} {
  const catalog = openCatalog(file, { log: quiet, quickCheck: 'never' });
  try {
    const fleet = makeFleet(count, 1);
    let start = 0;
    const regions: Array<{ region: string; channels: number; applyMs: number }> = [];
    const t0 = performance.now();
    FLEET_REGIONS.forEach(({ region, share }, i) => {
      const end = i === FLEET_REGIONS.length - 1 ? fleet.length : start + Math.round(share * count);
      const seen: SyncedChannel[] = fleet.slice(start, end).map((c) => ({
        channel: {
          arn: channelArnOf(region, c.name),
          name: c.name,
          status: c.status,
          type: 'SINGLE_MASTER',
          createdAt: 1_700_000_000_000,
          version: 'v1',
          messageTtlSeconds: 60,
        },
        storage:
          c.storage === 'UNKNOWN'
            ? null
            : {
                status: c.storage,
                streamArn:
                  c.storage === 'ENABLED'
                    ? `arn:aws:kinesisvideo:${region}:${ACCOUNT}:stream/${c.name}-rec/1700000000000`
                    : null,
              },
        tags: c.tags,
      }));
      const r0 = performance.now();
      catalog.channels.applyRegion(profileId, region, seen, Date.now());
      regions.push({ region, channels: seen.length, applyMs: performance.now() - r0 });
      start = end;
    });
    const applyMs = performance.now() - t0;
    // What the console does in the background after a sync: merge the search index into one segment.
    const tidy0 = performance.now();
    catalog.searchIndex.runNow();
    const tidyMs = performance.now() - tidy0;
    // Channels deleted in the account since the last sync (no index change: missing is not indexed text).
    catalog.db.prepare('UPDATE channels SET missing = 1 WHERE id % 97 = 0').run();
    return { applyMs, tidyMs, regions };
  } finally {
    catalog.close();
  }
}

export interface QueryTiming {
  query: MixQuery;
  total: number;
  /** The catalog stopped counting (total is a lower bound). */
  capped: boolean;
  samples: number[];
}

/** Broad: more than BROAD_OVER matches, or so many the catalog stopped counting. */
export function isBroad(t: QueryTiming): boolean {
  return t.capped || t.total > BROAD_OVER;
}

export interface SearchRun {
  all: Samples;
  broad: Samples;
  selective: Samples;
  byKind: Map<QueryKind, Samples>;
  filtered: Samples;
  perQuery: QueryTiming[];
}

/** One warm-up pass, then `passes` timed passes over `queries` through `Catalog.search`. */
export function timeSearches(
  catalog: Catalog,
  profileId: string,
  queries: readonly MixQuery[],
  passes: number,
): SearchRun {
  const run = (q: MixQuery) => catalog.search({ profileId, ...q.query } satisfies SearchQuery);
  const perQuery = queries.map((q): QueryTiming => {
    const r = run(q);
    return { query: q, total: r.total, capped: r.totalIsLowerBound === true, samples: [] };
  });
  const cap = queries.length * passes;
  const out: SearchRun = {
    all: new Samples(cap),
    broad: new Samples(cap),
    selective: new Samples(cap),
    filtered: new Samples(cap),
    byKind: new Map(),
    perQuery,
  };
  for (let p = 0; p < passes; p++) {
    for (const t of perQuery) {
      const t0 = performance.now();
      run(t.query);
      const ms = performance.now() - t0;
      t.samples.push(ms);
      out.all.add(ms);
      (isBroad(t) ? out.broad : out.selective).add(ms);
      if (t.query.filtered) out.filtered.add(ms);
      let kind = out.byKind.get(t.query.kind);
      if (!kind) out.byKind.set(t.query.kind, (kind = new Samples(cap)));
      kind.add(ms);
    }
  }
  return out;
}

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
/** Full names have up to 7 tokens. */
const MAX_LIKE_TERMS = 8;

/**
 * The baseline: what the catalog would do without FTS — every token must appear as a substring of the name
 * or the tags JSON (LIKE '%t%', a full scan of the profile), first page by name plus the total. One
 * statement per token count, prepared once.
 */
export class LikeBaseline {
  private readonly statements: Array<ReturnType<SqliteDb['prepare']>>;

  constructor(db: SqliteDb) {
    this.statements = Array.from({ length: MAX_LIKE_TERMS }, (_, i) => {
      const terms = Array.from(
        { length: i + 1 },
        (_, t) => `AND (c.name LIKE :t${t} ESCAPE '\\' OR c.tags LIKE :t${t} ESCAPE '\\')`,
      ).join(' ');
      return db.prepare(`
        SELECT c.*, count(*) OVER () AS total FROM channels c
        WHERE c.profile_id = :profileId AND c.missing = 0
          AND (:region IS NULL OR c.region = :region)
          AND (:status IS NULL OR c.status = :status)
          AND (:storage IS NULL OR c.storage_status = :storage)
          ${terms}
        ORDER BY c.name LIMIT :limit`);
    });
  }

  run(profileId: string, q: MixQuery['query']): number {
    const tokens = (q.query.normalize('NFKC').match(TOKEN) ?? []).slice(0, MAX_LIKE_TERMS);
    if (tokens.length === 0) return 0;
    const params: Record<string, string | number | null> = {
      profileId,
      region: q.region ?? null,
      status: q.status ?? null,
      storage: q.storage ?? null,
      limit: q.limit ?? 100,
    };
    tokens.forEach((t, i) => (params[`t${i}`] = `%${t.replace(/[\\%_]/g, '\\$&')}%`));
    const rows = this.statements[tokens.length - 1]!.all(params) as Array<{ total: number }>;
    return rows[0]?.total ?? 0;
  }
}

/** Times the LIKE baseline and, for the same queries, the FTS search again (same run, same cache state). */
export function timeBaseline(
  catalog: Catalog,
  profileId: string,
  queries: readonly MixQuery[],
): { like: Samples; fts: Samples } {
  const baseline = new LikeBaseline(catalog.db);
  const like = new Samples(queries.length);
  const fts = new Samples(queries.length);
  for (const q of queries) baseline.run(profileId, q.query); // warm-up: page cache
  for (const q of queries) {
    let t0 = performance.now();
    baseline.run(profileId, q.query);
    like.add(performance.now() - t0);
    t0 = performance.now();
    catalog.search({ profileId, ...q.query });
    fts.add(performance.now() - t0);
  }
  return { like, fts };
}

/** p50/p95/p99/max (ms; samples in another unit are multiplied by `toMs`) of a Samples, for the JSON. */
export function latencyJson(s: Samples, digits = 2, toMs = 1): Record<string, number | null> {
  const v = s.summary();
  return {
    count: v.count,
    p50_ms: round(v.p50 * toMs, digits),
    p95_ms: round(v.p95 * toMs, digits),
    p99_ms: round(v.p99 * toMs, digits),
    max_ms: round(v.max * toMs, digits),
  };
}

/** The slowest queries by median, with their match counts (what to look at when p95 moves). */
export function slowest(run: SearchRun, n: number): Array<Record<string, unknown>> {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const seen = new Set<string>();
  return run.perQuery
    .map((t) => ({ t, ms: median(t.samples) }))
    .sort((a, b) => b.ms - a.ms)
    .filter(({ t }) => {
      const key = JSON.stringify(t.query.query);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, n)
    .map(({ t, ms }) => ({
      query: t.query.query.query,
      kind: t.query.kind,
      filter: t.query.filtered ? { ...t.query.query, query: undefined, limit: undefined } : null,
      matches: t.capped ? `${t.total}+` : t.total,
      median_ms: round(ms, 2),
    }));
}
