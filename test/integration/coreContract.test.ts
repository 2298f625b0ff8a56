/**
 * Every contract channel called through the router as the renderer would, against kvs-local: profiles,
 * catalog sync with progress, search, groups/layouts/settings, viewer preparation and signed connect URLs
 * that kvs-local accepts, storage, audit, throttling and expired credentials.
 */
import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, controlClient, eventually, startTestKvs } from '../helpers/kvsLocal';
import { startTestCore, type TestCore } from '../helpers/core';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
let t: TestCore;
const arns: string[] = [];

beforeAll(async () => {
  kvs = await startTestKvs({ temporaryCredentials: true, limits: { controlTpsScale: 20 } });
  kv = controlClient(kvs);
  for (let i = 0; i < 1000; i++) {
    const name = `site-${i < 500 ? 'north' : 'south'}-cam-${String(i).padStart(4, '0')}`;
    arns.push(
      (
        await kv.send(
          new CreateSignalingChannelCommand({
            ChannelName: name,
            Tags: [{ Key: 'floor', Value: String(i % 7) }],
          }),
        )
      ).ChannelARN!,
    );
  }
  t = startTestCore(kvs);
}, 120_000);
afterAll(async () => {
  await t.close();
  kv.destroy();
  await kvs.close();
});

describe('profiles', () => {
  it('lists the Local demo and selects it with its identity (names only, never a key)', async () => {
    const { profiles, activeProfileId } = await t.ok('profiles:list', {});
    expect(activeProfileId).toBeNull();
    expect(profiles.find((p) => p.id === 'local-demo')).toMatchObject({
      kind: 'local-demo',
      region: 'us-west-2',
    });
    const { identity } = await t.ok('profiles:select', { profileId: 'local-demo' });
    expect(identity.accountId).toBe('111122223333');
    expect((await t.ok('app:info', {})).demo).toBe(true);
  });
});

describe('catalog', () => {
  it('syncs 1,000 channels with progress events, then searches them offline', async () => {
    const { syncId } = await t.ok('catalog:sync', {});
    await eventually(
      () =>
        t.events.some(
          (e) =>
            e.name === 'catalog:syncProgress' &&
            (e.payload as { done: boolean; syncId: string }).done &&
            (e.payload as { syncId: string }).syncId === syncId,
        ),
      60_000,
    );
    const progress = t.events
      .filter((e) => e.name === 'catalog:syncProgress')
      .map((e) => e.payload as { pages: number; channels: number; done: boolean });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatchObject({ done: true, channels: 1000 });
    expect(t.events.some((e) => e.name === 'catalog:changed')).toBe(true);

    const all = await t.ok('catalog:search', { query: '' });
    expect(all.total).toBe(1000);
    const north = await t.ok('catalog:search', { query: 'north', limit: 500 });
    expect(north.total).toBe(500);
    const prefix = await t.ok('catalog:search', { query: 'site-south-cam-09' });
    expect(prefix.channels.length).toBeGreaterThan(0);
    expect(prefix.channels.every((c) => c.name.startsWith('site-south-cam-09'))).toBe(true);
    expect(prefix.total).toBe(100);
    const hostile = await t.call('catalog:search', { query: '"front AND * -door' });
    expect(hostile.ok).toBe(true);
    const one = await t.ok('catalog:channel', { channelArn: arns[3]! });
    expect(one.channel).toMatchObject({
      name: 'site-north-cam-0003',
      storageStatus: 'DISABLED',
      tags: { floor: '3' },
      missing: false,
    });
  });

  it('keeps groups, layouts and settings, and exports/imports them as a versioned document', async () => {
    await t.ok('groups:save', { group: { id: 'g-lobby', name: 'Lobby', channelArns: arns.slice(0, 3) } });
    await t.ok('layouts:save', {
      layout: {
        id: 'l-1',
        name: 'Morning',
        grid: { kind: 'grid', rows: 2, cols: 2 },
        tiles: [{ index: 0, channelArn: arns[0]! }],
      },
    });
    const inGroup = await t.ok('catalog:search', { query: '', groupId: 'g-lobby' });
    expect(inGroup.total).toBe(3);
    const { settings } = await t.ok('settings:set', { patch: { showStats: true } });
    expect(settings.showStats).toBe(true);
    const { document } = await t.ok('layouts:export', {});
    expect(document).toMatchObject({ format: 'watchfloor.layouts', version: 1 });
    await t.ok('layouts:delete', { id: 'l-1' });
    expect((await t.ok('layouts:import', { document })).layouts).toBe(1);
    expect((await t.ok('layouts:list', {})).layouts.map((l) => l.name)).toEqual(['Morning']);
    const future = await t.call('layouts:import', { document: { ...document, version: 2 as 1 } });
    expect(future).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
  });
});

describe('viewer preparation and signing', () => {
  it('prepares a viewer and signs a connect URL that kvs-local accepts', async () => {
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[0]!, tileId: 'tile-1' });
    expect(prep.endpoints.wss).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v-[0-9a-f]{8}$/);
    expect(prep.clientId).toMatch(/^wf-[0-9a-f]{8}-tile-1$/);
    expect(prep.iceServers.length).toBeGreaterThan(0);
    const again = await t.ok('kvs:prepareViewer', { channelArn: arns[0]!, tileId: 'tile-1' });
    expect(again.clientId).toBe(prep.clientId); // stable per tile
    const { url } = await t.ok('kvs:signConnectUrl', {
      channelArn: arns[0]!,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[0]!, 'X-Amz-ClientId': prep.clientId },
    });
    expect(url).toContain('X-Amz-Expires=299');
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    expect((await t.ok('catalog:channel', { channelArn: arns[0]! })).channel.lastSeenLiveAt).not.toBeNull();
  });

  it("refuses to sign a foreign endpoint or another tile's ClientId", async () => {
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[1]!, tileId: 'tile-2' });
    const foreign = await t.call('kvs:signConnectUrl', {
      channelArn: arns[1]!,
      tileId: 'tile-2',
      endpoint: 'wss://attacker.example/v-12345678',
      queryParams: { 'X-Amz-ChannelARN': arns[1]!, 'X-Amz-ClientId': prep.clientId },
    });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    const otherTile = await t.call('kvs:signConnectUrl', {
      channelArn: arns[1]!,
      tileId: 'tile-2',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[1]!, 'X-Amz-ClientId': 'wf-00000000-tile-9' },
    });
    expect(otherTile).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
  });

  it('says which region the Local demo serves instead of blaming the credentials', async () => {
    const before = t.events.filter((e) => e.name === 'credentials:expired').length;
    const other = await t.call('kvs:prepareViewer', {
      channelArn: 'arn:aws:kinesisvideo:eu-west-1:111122223333:channel/elsewhere/1',
      tileId: 'tile-r',
    });
    expect(other).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    expect((other as { error: { message: string } }).error.message).toContain('serves us-west-2 only');
    expect(t.events.filter((e) => e.name === 'credentials:expired').length).toBe(before);
  });

  it('retries throttling and surfaces it as Throttled only when it does not stop', async () => {
    await admin(kvs, 'POST', '/faults', {
      operation: 'GetSignalingChannelEndpoint',
      count: 2,
      error: 'ClientLimitExceededException',
    });
    await expect(t.ok('kvs:prepareViewer', { channelArn: arns[5]!, tileId: 'tile-5' })).resolves.toBeTruthy();
    await admin(kvs, 'POST', '/faults', {
      operation: 'GetSignalingChannelEndpoint',
      count: 50,
      error: 'ClientLimitExceededException',
    });
    const storm = await t.call('kvs:prepareViewer', { channelArn: arns[6]!, tileId: 'tile-6' });
    expect(storm).toMatchObject({ ok: false, error: { code: 'Throttled', retryable: true } });
    await admin(kvs, 'DELETE', '/faults');
  }, 60_000);
});

describe('storage and audit', () => {
  it('enables storage with confirmation and audit, describes it, and joins a viewer', async () => {
    const { StreamARN } = await kv.send(
      new CreateStreamCommand({ StreamName: 'archive-0', DataRetentionInHours: 2 }),
    );
    const updated = await t.ok('storage:update', {
      channelArn: arns[0]!,
      enabled: true,
      streamArn: StreamARN!,
      confirmed: true,
    });
    expect(updated).toEqual({ status: 'ENABLED', streamArn: StreamARN });
    expect(await t.ok('storage:describe', { channelArn: arns[0]! })).toMatchObject({
      status: 'ENABLED',
      streamName: 'archive-0',
    });
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[0]!, tileId: 'tile-s' });
    expect(prep.endpoints.webrtc).toMatch(/\/w-[0-9a-f]{8}$/);
    await expect(t.ok('storage:joinAsViewer', { channelArn: arns[0]!, tileId: 'tile-s' })).resolves.toEqual(
      {},
    );
    const unconfirmed = await t.call('storage:update', {
      channelArn: arns[0]!,
      enabled: false,
      confirmed: false as true,
    });
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    await t.ok('audit:talk', { channelArn: arns[0]!, tileId: 'tile-s', startedAt: 1000, endedAt: 2500 });
    const { entries } = await t.ok('audit:list', {});
    expect(entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['storage', 'talk']));
    expect(entries.find((e) => e.kind === 'talk')?.detail).toMatchObject({ durationMs: 1500 });
  });
});

describe('streams for media storage', () => {
  it('lists the streams that can record a channel, with the channel already using each', async () => {
    await kv.send(new CreateStreamCommand({ StreamName: 'list-b', DataRetentionInHours: 24 }));
    await kv.send(new CreateStreamCommand({ StreamName: 'list-a', DataRetentionInHours: 48 }));
    // Keeps nothing: UpdateMediaStorageConfiguration would refuse it (NoDataRetention), so it is not offered.
    await kv.send(new CreateStreamCommand({ StreamName: 'list-none', DataRetentionInHours: 0 }));
    const { streams, truncated } = await t.ok('storage:listStreams', { channelArn: arns[1]! });
    expect(truncated).toBe(false);
    const names = streams.map((s) => s.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['list-a', 'list-b']));
    expect(names).not.toContain('list-none');
    const listA = streams.find((s) => s.name === 'list-a');
    expect(listA).toMatchObject({ retentionHours: 48, usedBy: null });
    expect(listA?.arn).toMatch(/:stream\/list-a\/\d+$/);
    // archive-0 records channel 0 (the storage test above enabled it), as the catalog knows.
    expect(streams.find((s) => s.name === 'archive-0')?.usedBy).toBe('site-north-cam-0000');
  });

  it('creates a stream for a channel, audits it, and says when the name is taken', async () => {
    const created = await t.ok('storage:createStream', {
      channelArn: arns[2]!,
      name: 'cam-2-rec',
      retentionHours: 168,
    });
    expect(created).toMatchObject({ name: 'cam-2-rec', retentionHours: 168, usedBy: null });
    const { streams } = await t.ok('storage:listStreams', { channelArn: arns[2]! });
    expect(streams.find((s) => s.name === 'cam-2-rec')?.arn).toBe(created.arn);
    const updated = await t.ok('storage:update', {
      channelArn: arns[2]!,
      enabled: true,
      streamArn: created.arn,
      confirmed: true,
    });
    expect(updated.status).toBe('ENABLED');
    const again = await t.call('storage:createStream', {
      channelArn: arns[2]!,
      name: 'cam-2-rec',
      retentionHours: 24,
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    expect(again.ok ? '' : again.error.message).toContain('already exists');
    const bad = await t.call('storage:createStream', {
      channelArn: arns[2]!,
      name: 'no spaces',
      retentionHours: 0,
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    const { entries } = await t.ok('audit:list', {});
    const createdEntry = entries.find((e) => e.kind === 'storage' && e.detail.action === 'createStream');
    expect(createdEntry?.detail).toMatchObject({ streamArn: created.arn, retentionHours: 168 });
    await t.ok('storage:update', { channelArn: arns[2]!, enabled: false, confirmed: true });
  });
});

describe('expired credentials', () => {
  it('reaches the renderer as a credentials:expired event with what to do', async () => {
    const rotated = await admin<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>(
      kvs,
      'POST',
      '/credentials/rotate',
    );
    const failed = await t.call('kvs:prepareViewer', { channelArn: arns[9]!, tileId: 'tile-x' });
    expect(failed).toMatchObject({ ok: false, error: { code: 'CredentialsExpired' } });
    const event = t.events.find((e) => e.name === 'credentials:expired');
    expect(event?.payload).toMatchObject({ profileId: 'local-demo' });
    // The demo profile reads kvs-local's connection info each time: once it has the new credentials (a
    // restarted kvs-local prints them), selecting the profile again recovers.
    Object.assign(kvs.info, rotated);
    await t.ok('profiles:select', { profileId: 'local-demo' });
    await expect(t.ok('kvs:prepareViewer', { channelArn: arns[9]!, tileId: 'tile-x' })).resolves.toBeTruthy();
  });
});
