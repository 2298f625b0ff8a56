import {
  CreateStreamCommand,
  DeleteSignalingChannelCommand,
  DescribeMediaStorageConfigurationCommand,
  ListSignalingChannelsCommand,
  ListTagsForResourceCommand,
  UpdateMediaStorageConfigurationCommand,
  type ChannelInfo,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addChannelRecord } from '../../kvs-local/src/control/channels';
import type { KvsLocal } from '../../kvs-local/src/server';
import { openCatalog, type Catalog } from '../../src-main/core/catalog';
import type { ChannelSource, RemoteChannel } from '../../src-main/core/types';
import { controlClient, startTestKvs } from '../helpers/kvsLocal';

/**
 * A ChannelSource over the unmodified SDK v3 client, as the kvs module will provide one (without its retries):
 * the catalog's sync is checked against real pagination tokens, JSON shapes and errors on the wire.
 */
function sdkSource(kv: KinesisVideoClient): ChannelSource {
  const toRemote = (c: ChannelInfo): RemoteChannel => ({
    arn: c.ChannelARN!,
    name: c.ChannelName!,
    status: c.ChannelStatus as RemoteChannel['status'],
    type: c.ChannelType ?? 'SINGLE_MASTER',
    createdAt: c.CreationTime ? c.CreationTime.getTime() : null,
    version: c.Version ?? null,
    messageTtlSeconds: c.SingleMasterConfiguration?.MessageTtlSeconds ?? null,
  });
  return {
    async listPage(_region, nextToken, abortSignal) {
      const out = await kv.send(new ListSignalingChannelsCommand({ MaxResults: 500, NextToken: nextToken }), {
        abortSignal,
      });
      const channels = (out.ChannelInfoList ?? []).map(toRemote);
      return out.NextToken ? { channels, nextToken: out.NextToken } : { channels };
    },
    async describeStorage(arn, abortSignal) {
      const out = await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: arn }), {
        abortSignal,
      });
      const cfg = out.MediaStorageConfiguration;
      return {
        status: cfg?.Status === 'ENABLED' ? 'ENABLED' : 'DISABLED',
        streamArn: cfg?.StreamARN ?? null,
      };
    },
    async listTags(arn, abortSignal) {
      return (
        (await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }), { abortSignal })).Tags ?? {}
      );
    },
  };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe('catalog sync against kvs-local through the SDK v3 client', () => {
  let kvs: KvsLocal;
  let kv: KinesisVideoClient;
  let catalog: Catalog;

  beforeAll(async () => {
    kvs = await startTestKvs({ limits: { controlTpsScale: 0 } });
    kv = controlClient(kvs);
    for (let i = 0; i < 1100; i++) {
      const name = `cam-${String(i).padStart(4, '0')}`;
      addChannelRecord(kvs.store, name, Date.now(), { tags: i % 100 === 0 ? { site: 'north-yard' } : {} });
    }
  });
  afterAll(async () => {
    kv.destroy();
    await kvs.close();
  });
  beforeEach(() => {
    catalog = openCatalog(':memory:', { log: quiet });
  });
  afterEach(() => catalog.close());

  it('lists every page, describes storage, reads tags, and marks a deleted channel missing on the next sync', async () => {
    const target = kvs.store.channelByName('cam-0042')!;
    const { StreamARN } = await kv.send(
      new CreateStreamCommand({ StreamName: 'cam-0042-rec', DataRetentionInHours: 24 }),
    );
    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN: target.arn,
        MediaStorageConfiguration: { Status: 'ENABLED', StreamARN },
      }),
    );
    const pages: number[] = [];
    const tagsRead: number[] = [];
    const r = await catalog.sync({
      profileId: 'demo',
      regions: [kvs.info.region],
      source: sdkSource(kv),
      // Listing pages apart from the tags phase, which reports its own progress after the storage is applied.
      onProgress: (p) => p.done || (p.phase ? tagsRead.push(p.channels) : pages.push(p.channels)),
    });
    expect(r.regions[0]).toMatchObject({
      ok: true,
      pages: 3,
      counts: { seen: 1100, added: 1100, storageUnknown: 0 },
    });
    expect(pages).toEqual([500, 1000, 1100]);
    expect(tagsRead).toEqual([0, 500, 1000, 1100]);
    expect(catalog.channels.get('demo', target.arn)).toMatchObject({
      name: 'cam-0042',
      storageStatus: 'ENABLED',
      streamArn: StreamARN,
    });
    const tagged = catalog.search({ profileId: 'demo', query: 'north yard' });
    expect(tagged.total).toBe(11);
    expect(tagged.channels[0]!.tags).toEqual({ site: 'north-yard' });

    const gone = kvs.store.channelByName('cam-0007')!;
    await kv.send(new DeleteSignalingChannelCommand({ ChannelARN: gone.arn }));
    const again = await catalog.sync({
      profileId: 'demo',
      regions: [kvs.info.region],
      source: sdkSource(kv),
    });
    expect(again.regions[0]).toMatchObject({ ok: true, counts: { seen: 1099, added: 0, markedMissing: 1 } });
    expect(catalog.channels.get('demo', gone.arn)!.missing).toBe(true);
    expect(catalog.search({ profileId: 'demo', query: 'cam 0007' }).total).toBe(0);
    expect(catalog.search({ profileId: 'demo', query: 'cam 0007', includeMissing: true }).total).toBe(1);
  });

  it('cancelling mid-sync over real sockets applies nothing', async () => {
    const abort = new AbortController();
    const source = sdkSource(kv);
    const counting: ChannelSource = {
      ...source,
      listPage: async (region, token, signal) => {
        const page = await source.listPage(region, token, signal);
        if (token) abort.abort();
        return page;
      },
    };
    const r = await catalog.sync({
      profileId: 'demo',
      regions: [kvs.info.region],
      source: counting,
      signal: abort.signal,
    });
    expect(r.cancelled).toBe(true);
    expect(catalog.channels.count('demo')).toBe(0);
  });
});

describe('catalog sync when the service throttles', () => {
  it('records UNKNOWN for the describes that were throttled and still applies the region', async () => {
    // The service's own quotas: DescribeMediaStorageConfiguration 50 TPS per account; no retries here.
    const kvs = await startTestKvs();
    const kv = controlClient(kvs);
    const catalog = openCatalog(':memory:', { log: quiet });
    try {
      for (let i = 0; i < 150; i++) addChannelRecord(kvs.store, `t-${i}`, Date.now());
      const r = await catalog.sync({
        profileId: 'demo',
        regions: [kvs.info.region],
        source: sdkSource(kv),
        concurrency: 16,
      });
      expect(r.regions[0]!.ok).toBe(true);
      const counts = r.regions[0]!.ok ? r.regions[0]!.counts : undefined;
      expect(counts?.seen).toBe(150);
      expect(counts?.storageUnknown).toBeGreaterThan(0);
      expect(catalog.search({ profileId: 'demo', query: '', storage: 'UNKNOWN' }).total).toBe(
        counts?.storageUnknown,
      );
    } finally {
      catalog.close();
      kv.destroy();
      await kvs.close();
    }
  });
});
