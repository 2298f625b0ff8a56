import type { ExpiringCache } from '../../types';
import type { Sql } from '../sql';

/**
 * The persisted endpoint/ICE cache: what a cold start can reuse instead of asking the service again.
 * Values are JSON; an entry past `expiresAt` reads as absent (and is purged at open).
 */
export class CacheRepo implements ExpiringCache {
  private readonly one;
  private readonly upsert;
  private readonly dropPrefix;
  private readonly dropExpired;

  constructor(sql: Sql) {
    this.one = sql.prepare<{ key: string; now: number }, string>(
      'cache.get',
      'SELECT value FROM cache WHERE key = :key AND expires_at > :now',
      { pluck: true },
    );
    this.upsert = sql.prepare<{ key: string; value: string; expiresAt: number }>(
      'cache.put',
      `INSERT INTO cache (key, value, expires_at) VALUES (:key, :value, :expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    );
    // substr/length compare characters exactly, so no character in a prefix (%, _, *, ?) has a meaning.
    this.dropPrefix = sql.prepare<{ prefix: string }>(
      'cache.invalidate',
      'DELETE FROM cache WHERE substr(key, 1, length(:prefix)) = :prefix',
    );
    this.dropExpired = sql.prepare<{ now: number }>(
      'cache.purge',
      'DELETE FROM cache WHERE expires_at <= :now',
    );
  }

  get<T>(key: string, now: number): T | undefined {
    const value = this.one.get({ key, now });
    return value === undefined ? undefined : (JSON.parse(value) as T);
  }

  put(key: string, value: unknown, expiresAt: number): void {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`cache value for ${key} is not JSON-serialisable`);
    this.upsert.run({ key, value: json, expiresAt });
  }

  invalidate(prefix: string): void {
    this.dropPrefix.run({ prefix });
  }

  /** Deletes expired entries; returns how many. */
  purgeExpired(now: number): number {
    return this.dropExpired.run({ now }).changes;
  }
}
