import { randomUUID } from 'node:crypto';
import { IpcFailure } from '../../src-shared/ipc/errors';
import type { Catalog } from './catalog';
import type { EventSink } from './ipc';
import { toIpcFailure } from './kvs';
import type { ActiveProfile, ChannelSource, Logger } from './types';

/**
 * Catalog syncs run in the background: `start` returns an id at once, progress arrives as
 * `catalog:syncProgress`, `cancel` aborts (nothing half-applied: the catalog applies a region's channels in
 * one transaction and its tags in batches that are each consistent). One sync per profile at a time; asking
 * again returns the running one's id. `catalog:changed` follows each region's channels (before its tags are
 * read: progress then says `phase: 'tags'`) and the end of the sync.
 */
export class SyncJobs {
  private readonly running = new Map<
    string,
    { profileId: string; controller: AbortController; done: Promise<void> }
  >();

  constructor(
    private readonly catalog: Catalog,
    private readonly source: () => ChannelSource,
    private readonly events: EventSink,
    private readonly log: Logger,
  ) {}

  start(profile: ActiveProfile, regions: readonly string[]): string {
    for (const [id, job] of this.running) if (job.profileId === profile.id) return id;
    const syncId = randomUUID();
    const controller = new AbortController();
    const done = this.run(syncId, profile.id, regions, controller.signal).finally(() =>
      this.running.delete(syncId),
    );
    this.running.set(syncId, { profileId: profile.id, controller, done });
    return syncId;
  }

  cancel(syncId: string): boolean {
    const job = this.running.get(syncId);
    if (!job) return false;
    job.controller.abort();
    return true;
  }

  /** Waits for every running sync (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()].map((j) => j.done));
  }

  async close(): Promise<void> {
    for (const job of this.running.values()) job.controller.abort();
    await this.settle();
  }

  private async run(
    syncId: string,
    profileId: string,
    regions: readonly string[],
    signal: AbortSignal,
  ): Promise<void> {
    try {
      const result = await this.catalog.sync({
        profileId,
        regions,
        source: this.source(),
        signal,
        onApplied: () => this.events.emit('catalog:changed', { reason: 'sync' }),
        onProgress: (p) => {
          const error = p.error === undefined ? undefined : toIpcFailure(p.error).toIpc();
          this.events.emit('catalog:syncProgress', {
            syncId,
            region: p.region,
            pages: p.pages,
            channels: p.channels,
            done: p.done,
            ...(error ? { error } : {}),
            ...(p.phase ? { phase: p.phase } : {}),
            ...(p.total !== undefined ? { total: p.total } : {}),
          });
        },
      });
      if (result.cancelled) {
        this.events.emit('catalog:syncProgress', {
          syncId,
          region: regions[0] ?? 'us-east-1',
          pages: 0,
          channels: 0,
          done: true,
          error: new IpcFailure(
            'Cancelled',
            'The sync was cancelled; the catalog keeps what it had.',
          ).toIpc(),
        });
      }
      this.events.emit('catalog:changed', { reason: 'sync' });
    } catch (err) {
      this.log.error('catalog: sync failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
