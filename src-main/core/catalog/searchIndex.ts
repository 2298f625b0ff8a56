import { performance } from 'node:perf_hooks';
import type { Logger } from '../types';
import type { Sql } from './sql';

/** Index pages merged per step: ~1 ms a step, ≤ 10 ms at worst (measured at 100,000 channels). */
const PAGES_PER_STEP = 16;

/**
 * Keeps the search index in one piece. Every write to FTS5 adds index segments and FTS5 merges them only in
 * part as it goes; a query reads every segment's doclists for each term, so after syncs a one-match search
 * of 100,000 channels took 0.45 ms instead of 0.02 ms, and a broad one several times its compact cost.
 *
 * After a sync wrote channels, the catalog merges the index back into one segment in small steps ('merge'
 * with a negative page count is FTS5's incremental form of 'optimize'), yielding to the event loop between
 * steps so the main process keeps answering IPC; ~0.4 s of work in all at 100,000 channels. A step that
 * changed nothing means the index is whole. Stopped by `close()`; an interrupted tidy is simply redone after
 * the next sync.
 */
export class SearchIndexTidy {
  private readonly merge;
  private readonly totalChanges;
  private running: Promise<TidyOutcome> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    sql: Sql,
    private readonly log: Logger,
  ) {
    this.merge = sql.prepare<{ pages: number }>(
      'search.tidy',
      "INSERT INTO channels_fts (channels_fts, rank) VALUES ('merge', :pages)",
    );
    this.totalChanges = sql.prepare<void, number>('search.totalChanges', 'SELECT total_changes()', {
      pluck: true,
    });
  }

  /** One step; true when there was nothing left to merge. */
  step(pages = PAGES_PER_STEP): boolean {
    const before = this.totalChanges.get()!;
    this.merge.run({ pages: -pages });
    return this.totalChanges.get()! - before < 2;
  }

  /** Merges in one go (no yielding): for a catalog nobody is using yet (a migration, the bench's build). */
  runNow(): void {
    while (!this.step(1_000));
  }

  /**
   * Merges in the background until the index is whole (or `stop()`); a request while one runs makes it go
   * round once more, so writes made meanwhile are merged too.
   */
  schedule(): Promise<TidyOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = this.loop().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** Stops a background merge after its current step (the catalog is closing). */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<TidyOutcome> {
    const started = performance.now();
    let steps = 0;
    let busyMs = 0;
    do {
      this.again = false;
      for (;;) {
        if (this.stopped) return { steps, busyMs, stopped: true };
        const t0 = performance.now();
        let done: boolean;
        try {
          done = this.step();
        } catch (err) {
          // Busy or failing storage: the next sync tries again; searching works either way.
          this.log.warn('catalog: search index tidy stopped', { error: String(err) });
          return { steps, busyMs, stopped: true };
        }
        busyMs += performance.now() - t0;
        steps++;
        if (done) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } while (this.again);
    if (steps > 1) {
      this.log.info('catalog: search index tidied', {
        steps,
        busyMs: Math.round(busyMs),
        ms: Math.round(performance.now() - started),
      });
    }
    return { steps, busyMs, stopped: false };
  }
}

export interface TidyOutcome {
  steps: number;
  /** Time spent merging (the rest was yielded to other work). */
  busyMs: number;
  stopped: boolean;
}
