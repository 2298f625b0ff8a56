import type { ExpiringCache } from '../types';

/**
 * An in-memory ExpiringCache: for tests and for running without the catalog's persisted cache (the kvs
 * module then simply starts cold). Bounded: when full, expired entries go first, then the oldest.
 */
export class MemoryExpiringCache implements ExpiringCache {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  get<T>(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  put(key: string, value: unknown, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size <= this.maxEntries) return;
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  invalidate(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  /** Keys currently held (expired ones included until read), for tests and diagnostics. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
