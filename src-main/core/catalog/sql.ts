import type BetterSqlite3 from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../types';
import { classify } from './errors';

/** The raw better-sqlite3 handle. */
export type SqliteDb = BetterSqlite3.Database;

/** What a bound parameter can be (better-sqlite3 has no booleans: pass 0/1). */
export type SqlValue = string | number | bigint | Buffer | null;

/** Named parameters (`:name` in the SQL). */
export type Params = Record<string, SqlValue>;

type Args<P extends Params | void> = P extends Params ? [params: P] : [];

/**
 * A statement prepared once, whose every execution is timed (and whose SQLite corruption and I/O errors
 * become CatalogErrors naming the file): slow ones are logged with the statement's name
 * (never its parameters), as Signal's SQL layer does, so a missing index shows up in the field logs.
 */
export interface Prepared<P extends Params | void, R> {
  run(...args: Args<P>): BetterSqlite3.RunResult;
  get(...args: Args<P>): R | undefined;
  all(...args: Args<P>): R[];
  /** The underlying statement (for EXPLAIN QUERY PLAN tests and plucking). */
  readonly source: string;
}

/** The catalog's handle: prepares named statements and runs timed transactions. */
export class Sql {
  constructor(
    readonly db: SqliteDb,
    private readonly log: Logger,
    /** Statements and transactions slower than this are logged. */
    readonly slowMs: number,
    /** The database file, for error messages. */
    readonly file: string,
  ) {}

  /**
   * Prepares `source` once; `name` identifies it in slow-statement logs. With `pluck`, rows are the value of
   * their only column.
   */
  prepare<P extends Params | void = void, R = unknown>(
    name: string,
    source: string,
    options: { pluck?: boolean } = {},
  ): Prepared<P, R> {
    const stmt = this.db.prepare(source) as BetterSqlite3.Statement<unknown[], R>;
    if (options.pluck) stmt.pluck(true);
    const time = <T>(fn: () => T): T => {
      const start = performance.now();
      try {
        return fn();
      } catch (err) {
        throw classify(err, this.file);
      } finally {
        this.slow(name, performance.now() - start);
      }
    };
    return {
      source,
      run: (...args) => time(() => stmt.run(...args)),
      get: (...args) => time(() => stmt.get(...args)),
      all: (...args) => time(() => stmt.all(...args)),
    };
  }

  /** Runs `fn` in one transaction (BEGIN IMMEDIATE: writers queue on busy_timeout instead of failing late). */
  tx<T>(name: string, fn: () => T, slowMs = this.slowMs): T {
    const start = performance.now();
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      throw classify(err, this.file);
    } finally {
      this.slow(name, performance.now() - start, slowMs);
    }
  }

  private slow(name: string, ms: number, threshold = this.slowMs): void {
    if (ms > threshold) this.log.warn('catalog: slow statement', { statement: name, ms: Math.round(ms) });
  }
}
