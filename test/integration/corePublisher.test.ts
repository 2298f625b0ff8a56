/**
 * "Publish from this station" through the router: MASTER endpoints only for storage-enabled channels, a
 * signed ConnectAsMaster URL that kvs-local accepts, refusals of foreign endpoints and viewer-shaped
 * queries, the kiosk policy, and the audit of a publishing run.
 */
import {
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { controlClient, startTestKvs } from '../helpers/kvsLocal';
import { startTestCore, type TestCore } from '../helpers/core';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
let t: TestCore;
let kiosk: TestCore;
let stored = '';
let plain = '';

beforeAll(async () => {
  kvs = await startTestKvs();
  kv = controlClient(kvs);
  stored = (await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'lobby-publish' }))).ChannelARN!;
  plain = (await kv.send(new CreateSignalingChannelCommand({ ChannelName: 'lobby-plain' }))).ChannelARN!;
  t = startTestCore(kvs);
  kiosk = startTestCore(kvs, { kiosk: true });
  await t.ok('profiles:select', { profileId: 'local-demo' });
  await kiosk.ok('profiles:select', { profileId: 'local-demo' });
  const { StreamARN } = await kv.send(
    new CreateStreamCommand({ StreamName: 'lobby-archive', DataRetentionInHours: 1 }),
  );
  await t.ok('storage:update', { channelArn: stored, enabled: true, streamArn: StreamARN!, confirmed: true });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await kiosk?.close();
  kv?.destroy();
  await kvs?.close();
});

describe('publishing from this station', () => {
  it('prepares the MASTER endpoints and signs a ConnectAsMaster URL that kvs-local accepts', async () => {
    const prep = await t.ok('kvs:preparePublisher', { channelArn: stored });
    expect(prep.endpoints.wss).toMatch(/\/m-[0-9a-f]{8}$/);
    expect(prep.endpoints.webrtc).toMatch(/\/w-[0-9a-f]{8}$/);
    expect(prep.storage.status).toBe('ENABLED');
    const { url } = await t.ok('kvs:signMasterUrl', {
      channelArn: stored,
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': stored },
    });
    expect(url).toContain('X-Amz-Expires=299');
    expect(url).not.toContain('X-Amz-ClientId');
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    await expect(t.ok('storage:joinAsMaster', { channelArn: stored })).resolves.toEqual({});
  });

  it('refuses a channel without storage, a foreign endpoint, the VIEWER endpoint and a ClientId', async () => {
    expect(await t.call('kvs:preparePublisher', { channelArn: plain })).toMatchObject({
      ok: false,
      error: { code: 'StorageNotEnabled' },
    });
    const prep = await t.ok('kvs:preparePublisher', { channelArn: stored });
    const viewer = await t.ok('kvs:prepareViewer', { channelArn: stored, tileId: 'tile-p' });
    for (const [endpoint, queryParams] of [
      ['wss://attacker.example/m-12345678', { 'X-Amz-ChannelARN': stored }],
      [viewer.endpoints.wss, { 'X-Amz-ChannelARN': stored }],
      [prep.endpoints.wss, { 'X-Amz-ChannelARN': stored, 'X-Amz-ClientId': 'x' }],
      [prep.endpoints.wss, { 'X-Amz-ChannelARN': plain }],
    ] as const) {
      const refused = await t.call('kvs:signMasterUrl', { channelArn: stored, endpoint, queryParams });
      expect(refused).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    }
    // Never prepared for that channel: nothing resolved, nothing signed.
    const unprepared = await t.call('kvs:signMasterUrl', {
      channelArn: plain,
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': plain },
    });
    expect(unprepared).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
  });

  it('is turned off on a kiosk station (and so is creating streams; listing them is not)', async () => {
    await expect(kiosk.ok('storage:listStreams', { channelArn: plain })).resolves.toMatchObject({
      truncated: false,
    });
    for (const reply of [
      await kiosk.call('storage:createStream', { channelArn: plain, name: 'kiosk-rec', retentionHours: 24 }),
      await kiosk.call('kvs:preparePublisher', { channelArn: stored }),
      await kiosk.call('storage:joinAsMaster', { channelArn: stored }),
      await kiosk.call('kvs:signMasterUrl', {
        channelArn: stored,
        endpoint: 'wss://x.example/m-1',
        queryParams: { 'X-Amz-ChannelARN': stored },
      }),
    ]) {
      expect(reply).toMatchObject({ ok: false, error: { code: 'AccessDenied' } });
      expect((reply as { error: { message: string } }).error.message).toContain('kiosk');
    }
  });

  it('writes the end of a publishing run to the audit log', async () => {
    await t.ok('audit:publish', {
      channelArn: stored,
      startedAt: 1_000,
      endedAt: 61_000,
      outcome: 'taken-over',
      message: 'Another device took over this channel.',
    });
    const { entries } = await t.ok('audit:list', {});
    const ended = entries.find((e) => e.kind === 'publish' && e.detail.action === 'end');
    expect(ended?.detail).toMatchObject({ outcome: 'taken-over', durationMs: 60_000 });
    expect(
      await t.call('audit:publish', { channelArn: stored, startedAt: 5, endedAt: 1, outcome: 'stopped' }),
    ).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
  });
});
