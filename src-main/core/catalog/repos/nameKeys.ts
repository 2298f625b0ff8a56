import type { Sql } from '../sql';

/**
 * Channel ids are allocated in name order: within a profile, `ORDER BY id` is `ORDER BY name` (NOCASE, as the
 * column; channels with the same name in any order). The FTS index is keyed by id, so a text query's matches
 * come off the index already sorted by name, and a page of a broad query ("floor 0": 47,000 matches of
 * 100,000) stops after its 100 rows instead of gathering and sorting every match (see search.ts).
 *
 * New ids go in the gap between the names they sort between, spread evenly over it; the first ids of an empty
 * catalog, and channels sorting after everything, are `KEY_STEP` apart (2^20: with 2^53 safe integers that is
 * room for 2^33 of them). When a gap has no integer left — twenty channels added one sync after another at the
 * same spot — a small window of neighbouring rows is spread out again first ("relabelling": only the window's
 * rows move, each id change carried into the FTS index by its trigger), doubling the window until the
 * neighbours' ids leave at least `MIN_SPACING` per row. So an insert costs two index lookups, and now and then
 * a few dozen row moves. Profiles share the id space: rows of another profile may sit between two of this
 * profile's ids, which changes nothing (search always filters by profile).
 */
export const KEY_STEP = 2 ** 20;
/** A relabelled window leaves at least this many integers per row, so the next relabel is far away. */
export const MIN_SPACING = 2 ** 10;
/** First window of a relabel: this many rows on each side of the full gap. */
const FIRST_WINDOW = 8;

/** A channel to be given an id: new to the catalog, or renamed (its id must move to its new name's place). */
export interface ToPlace {
  arn: string;
  name: string;
}

export class NameKeys {
  private readonly clearPlacing;
  private readonly addPlacing;
  private readonly placing;
  private readonly idOf;
  private readonly firstOfProfile;
  private readonly after;
  private readonly before;
  private readonly lastId;
  private readonly leftOf;
  private readonly rightOf;
  private readonly move;

  constructor(sql: Sql) {
    // A temp table, so SQLite sorts the new names with the column's own collation (NOCASE) and finds each
    // one's predecessor through (profile_id, name) — no second implementation of the order in JS.
    sql.db.exec(
      'CREATE TEMP TABLE IF NOT EXISTS placing (arn TEXT PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE) STRICT',
    );
    this.clearPlacing = sql.prepare('keys.clear', 'DELETE FROM temp.placing');
    this.addPlacing = sql.prepare<{ arn: string; name: string }>(
      'keys.add',
      'INSERT OR REPLACE INTO temp.placing (arn, name) VALUES (:arn, :name)',
    );
    // Each new name with the channel it will follow (by arn: ids may move while the batch is placed).
    this.placing = sql.prepare<{ profileId: string }, { arn: string; pred: string | null }>(
      'keys.placing',
      `SELECT p.arn,
         (SELECT c.arn FROM channels c WHERE c.profile_id = :profileId AND c.name <= p.name
          ORDER BY c.name DESC LIMIT 1) AS pred
       FROM temp.placing p ORDER BY p.name, p.arn`,
    );
    this.idOf = sql.prepare<{ profileId: string; arn: string }, number>(
      'keys.idOf',
      'SELECT id FROM channels WHERE profile_id = :profileId AND arn = :arn',
      { pluck: true },
    );
    this.firstOfProfile = sql.prepare<{ profileId: string }, number>(
      'keys.first',
      'SELECT id FROM channels WHERE profile_id = :profileId ORDER BY name LIMIT 1',
      { pluck: true },
    );
    this.after = sql.prepare<{ id: number }, number>(
      'keys.after',
      'SELECT id FROM channels WHERE id > :id ORDER BY id LIMIT 1',
      { pluck: true },
    );
    this.before = sql.prepare<{ id: number }, number>(
      'keys.before',
      'SELECT id FROM channels WHERE id < :id ORDER BY id DESC LIMIT 1',
      { pluck: true },
    );
    this.lastId = sql.prepare<void, number | null>('keys.last', 'SELECT max(id) FROM channels', {
      pluck: true,
    });
    this.leftOf = sql.prepare<{ id: number; n: number }, number>(
      'keys.leftOf',
      'SELECT id FROM channels WHERE id <= :id ORDER BY id DESC LIMIT :n',
      { pluck: true },
    );
    this.rightOf = sql.prepare<{ id: number; n: number }, number>(
      'keys.rightOf',
      'SELECT id FROM channels WHERE id >= :id ORDER BY id LIMIT :n',
      { pluck: true },
    );
    this.move = sql.prepare<{ from: number; to: number }>(
      'keys.move',
      'UPDATE channels SET id = :to WHERE id = :from',
    );
  }

  /**
   * Gives each of `channels` (of `profileId`) an id in its name's place among the profile's rows and hands
   * it to `write`, which must store the row before the next one is placed (a later gap may move earlier
   * rows). Runs inside the caller's transaction. Renamed channels may be included: their current row is just
   * a neighbour until `write` gives it the new id.
   */
  place(profileId: string, channels: readonly ToPlace[], write: (arn: string, id: number) => void): void {
    if (channels.length === 0) return;
    this.clearPlacing.run();
    for (const c of channels) this.addPlacing.run({ arn: c.arn, name: c.name });
    const ordered = this.placing.all({ profileId });
    this.clearPlacing.run();
    // Consecutive new names after the same channel share one gap, spread evenly over it.
    for (let i = 0; i < ordered.length;) {
      const predArn = ordered[i]!.pred;
      let j = i + 1;
      while (j < ordered.length && ordered[j]!.pred === predArn) j++;
      const pred = predArn === null ? null : (this.idOf.get({ profileId, arn: predArn }) ?? null);
      const slots = this.openGap(profileId, pred, j - i);
      for (let k = i; k < j; k++) write(ordered[k]!.arn, slots[k - i]!);
      i = j;
    }
  }

  /** `count` free ids, ascending, right after `pred` (null: before the profile's first row). */
  private openGap(profileId: string, pred: number | null, count: number): number[] {
    let lo: number;
    let hi: number | undefined;
    if (pred === null) {
      hi = this.firstOfProfile.get({ profileId });
      lo = hi === undefined ? (this.lastId.get() ?? 0) : (this.before.get({ id: hi }) ?? 0);
    } else {
      lo = pred;
      hi = this.after.get({ id: pred });
    }
    if (hi === undefined) return spread(lo, Number.POSITIVE_INFINITY, count);
    if (Math.floor((hi - lo) / (count + 1)) >= 1) return spread(lo, hi, count);
    return this.relabel(lo, hi, count);
  }

  /**
   * Moves the rows around the full gap (lo, hi) apart, keeping their order, so that `count` new ids fit
   * between lo's row and hi's row; returns those ids. The window grows (doubling) until the ids outside it
   * leave MIN_SPACING per row, or it holds the whole table (then everything is spread KEY_STEP apart).
   */
  private relabel(lo: number, hi: number, count: number): number[] {
    for (let side = FIRST_WINDOW; ; side *= 2) {
      const left = this.leftOf.all({ id: lo, n: side }).reverse();
      const right = this.rightOf.all({ id: hi, n: side });
      const last = right[right.length - 1]!;
      // Nothing on the left when the gap opens the table (lo = 0).
      const floor = left.length > 0 ? (this.before.get({ id: left[0]! }) ?? 0) : 0;
      const ceiling = this.after.get({ id: last }) ?? Number.POSITIVE_INFINITY;
      const rows = left.length + count + right.length;
      const wholeTable = floor === 0 && ceiling === Number.POSITIVE_INFINITY;
      const spacing = Math.min(KEY_STEP, Math.floor((ceiling - floor) / (rows + 1)));
      if (spacing < MIN_SPACING && !wholeTable) continue;
      const target = spread(floor, ceiling, rows);
      const moves = [...left, ...right].map((from, i) => ({
        from,
        to: target[i < left.length ? i : i + count]!,
      }));
      // In order, so no row takes an id another row still holds: rows moving down from the lowest up, then
      // rows moving up from the highest down.
      for (const m of moves) if (m.to < m.from) this.move.run(m);
      for (const m of moves.reverse()) if (m.to > m.from) this.move.run(m);
      return target.slice(left.length, left.length + count);
    }
  }
}

/** `count` ids evenly spread in the open interval (lo, hi), at most KEY_STEP apart (hi: Infinity = open end). */
function spread(lo: number, hi: number, count: number): number[] {
  const spacing = Math.min(KEY_STEP, Math.floor((hi - lo) / (count + 1)));
  return Array.from({ length: count }, (_, i) => lo + spacing * (i + 1));
}
