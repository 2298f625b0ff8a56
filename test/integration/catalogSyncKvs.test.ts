import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChannelRecord } from '../../kvs-local/src/control/channels';
import type { KvsLocal } from '../../kvs-local/src/server';
import { IpcFailure } from '../../src-shared/ipc/errors';
import { openCatalog, type SyncProgress } from '../../src-main/core/catalog';
import type { KvsService } from '../../src-main/core/kvs/kvsService';
import { startTestCore } from '../helpers/core';
import { admin, startTestKvs } from '../helpers/kvsLocal';
import { makeService, repliesOf, silentLog } from './kvsServiceHarness';

/**
 * The catalog sync through the core's own KvsChannelSource — the bulk SDK client (cacheMiddleware, the
 * BufferedHttpHandler, retry.ts racing the per-call timeout and the caller's signal) — against kvs-local.
 */
describe('catalog sync with KvsChannelSource against kvs-local', () => {
  let kvs: KvsLocal;
  let service: KvsService;
  const retries: unknown[] = [];

  beforeAll(async () => {
    kvs = await startTestKvs({ limits: { controlTpsScale: 0 } });
    for (let i = 0; i < 1100; i++) {
      const name = `bulk-${String(i).padStart(4, '0')}`;
      addChannelRecord(kvs.store, name, Date.now(), { tags: { site: i % 2 ? 'north' : 'south' } });
    }
    service = makeService(kvs, {
      options: { controlTimeoutMs: 1_000 },
      log: { ...silentLog, warn: (message, fields) => retries.push({ message, ...fields }) },
    }).service;
  });
  afterAll(async () => {
    service.close();
    await kvs.close();
  });

  it('reads storage and tags on the first sync and no tags on an unchanged re-sync', async () => {
    const catalog = openCatalog(':memory:', { log: silentLog });
    try {
      const tagsBefore = (await repliesOf(kvs, 'ListTagsForResource'))[200] ?? 0;
      const progress: SyncProgress[] = [];
      const first = await catalog.sync({
        profileId: 'local-demo',
        regions: [kvs.info.region],
        source: service.channelSource,
        onProgress: (p) => progress.push(p),
      });
      expect(first.regions[0]).toMatchObject({
        ok: true,
        counts: { seen: 1100, added: 1100, storageUnknown: 0 },
        tags: { due: 1100, read: 1100, failed: 0, complete: true },
      });
      expect(progress.filter((p) => p.phase === 'tags').map((p) => p.channels)).toEqual([0, 500, 1000, 1100]);
      expect(catalog.search({ profileId: 'local-demo', query: 'north' }).total).toBe(550);
      expect((await repliesOf(kvs, 'ListTagsForResource'))[200]).toBe(tagsBefore + 1100);

      const again = await catalog.sync({
        profileId: 'local-demo',
        regions: [kvs.info.region],
        source: service.channelSource,
      });
      expect(again.regions[0]).toMatchObject({ ok: true, counts: { seen: 1100 }, tags: { due: 0 } });
      expect((await repliesOf(kvs, 'ListTagsForResource'))[200]).toBe(tagsBefore + 1100);
    } finally {
      catalog.close();
    }
  });

  it('maps the bulk client’s errors like the others (a deleted channel is ChannelNotFound)', async () => {
    const gone = addChannelRecord(kvs.store, 'bulk-gone', Date.now());
    await admin(kvs, 'DELETE', `/channels/${gone.name}`);
    const err = await service.channelSource.describeStorage(gone.arn, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IpcFailure);
    expect(err).toMatchObject({ code: 'ChannelNotFound' });
  });

  it('a call that gets no answer fails as Offline after the per-call timeout, and the sync goes on', async () => {
    const [arn] = kvs.store.channels().map((c) => c.arn);
    // Longer than the 1 s per-call timeout: the call is abandoned, then retried (SYNC_RETRY) and answered.
    await admin(kvs, 'POST', '/faults', { operation: 'ListTagsForResource', count: 1, delayMs: 1_500 });
    retries.length = 0;
    const tags = await service.channelSource.listTags!(arn!, new AbortController().signal);
    expect(tags).toHaveProperty('site');
    expect(retries).toEqual([
      expect.objectContaining({ operation: 'ListTagsForResource', code: 'Offline', retry: 1 }),
    ]);
  });

  it('cancelling in the tags phase over real sockets returns promptly and keeps the channels', async () => {
    const catalog = openCatalog(':memory:', { log: silentLog });
    try {
      const abort = new AbortController();
      // Slow tags so the cancel lands while calls are in flight.
      await admin(kvs, 'POST', '/faults', { operation: 'ListTagsForResource', count: 50, delayMs: 200 });
      let cancelledAt = 0;
      const r = await catalog.sync({
        profileId: 'local-demo',
        regions: [kvs.info.region],
        source: service.channelSource,
        signal: abort.signal,
        onProgress: (p) => {
          if (p.phase === 'tags' && p.channels === 0) {
            setTimeout(() => {
              cancelledAt = Date.now();
              abort.abort();
            }, 50);
          }
        },
      });
      expect(Date.now() - cancelledAt).toBeLessThan(150);
      expect(r.cancelled).toBe(true);
      expect(r.regions[0]).toMatchObject({ ok: true, counts: { seen: 1100 }, tags: { complete: false } });
      expect(catalog.channels.count('local-demo')).toBe(1100);
      expect(catalog.search({ profileId: 'local-demo', query: 'north' }).total).toBe(0);
    } finally {
      await admin(kvs, 'DELETE', '/faults');
      catalog.close();
    }
  });

  it('through IPC: the region is announced in its tags phase (with a total) before it is done', async () => {
    const t = startTestCore(kvs);
    try {
      await t.ok('profiles:select', { profileId: 'local-demo' });
      const { syncId } = await t.ok('catalog:sync', {});
      await t.core.syncs.settle();
      const seen = t.events
        .filter((e) => e.name === 'catalog:changed' || e.name === 'catalog:syncProgress')
        .map((e) => {
          if (e.name === 'catalog:changed') return 'changed';
          const p = e.payload as {
            syncId: string;
            phase?: string;
            total?: number;
            done: boolean;
            channels: number;
          };
          expect(p.syncId).toBe(syncId);
          return p.done ? `done ${p.channels}` : p.phase ? `${p.phase} ${p.channels}/${p.total}` : 'list';
        });
      const channels = kvs.store.channels().length;
      // Listing pages, then the channels are applied (changed), then the tags in batches, then done.
      expect(seen.filter((x) => x !== 'list')).toEqual([
        'changed',
        `tags 0/${channels}`,
        ...Array.from({ length: Math.floor(channels / 500) }, (_, i) => `tags ${(i + 1) * 500}/${channels}`),
        ...(channels % 500 ? [`tags ${channels}/${channels}`] : []),
        `done ${channels}`,
        'changed',
      ]);
      expect(seen[0]).toBe('list');
    } finally {
      await t.close();
    }
  });
});
