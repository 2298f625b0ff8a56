/**
 * The kvs service (src-main/core/kvs) against kvs-local: prepareViewer, the presigner and its refusals,
 * connect pacing, throttling retries, a deleted channel, a profile switch, and the catalog's ChannelSource.
 */
import { GetSignalingChannelEndpointCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsService } from '../../src-main/core/kvs/kvsService';
import type { MemoryExpiringCache } from '../../src-main/core/kvs/memoryCache';
import { CONTROL_RETRY } from '../../src-main/core/kvs/retry';
import { channelPrefix, scopeOf } from '../../src-main/core/kvs/scope';
import type { ActiveProfile } from '../../src-main/core/types';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, controlClient, startTestKvs } from '../helpers/kvsLocal';
import { createChannel, delta, localProfile, makeService, openSocket, repliesOf } from './kvsServiceHarness';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
let service: KvsService;
let cache: MemoryExpiringCache;
let profile: { current: ActiveProfile };
let chA = '';
let chB = '';
const sockets: Array<{ close(): void }> = [];

beforeAll(async () => {
  kvs = await startTestKvs();
  kv = controlClient(kvs);
  chA = await createChannel(kv, 'wf-alpha');
  chB = await createChannel(kv, 'wf-bravo');
  ({ service, cache, profile } = makeService(kvs));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  service.close();
  kv.destroy();
  await kvs.close();
});

const viewerQuery = (arn: string, clientId: string) => ({
  'X-Amz-ChannelARN': arn,
  'X-Amz-ClientId': clientId,
});

describe('prepareViewer', () => {
  it('returns the VIEWER endpoints, ICE servers (no public STUN on kvs-local), storage status and a stable ClientId', async () => {
    const prep = await service.prepareViewer({ channelArn: chA, tileId: 'tile-1' });
    expect(prep.clientId).toBe('wf-testinst-tile-1');
    expect(prep.region).toBe(kvs.info.region);
    expect(prep.endpoints.wss).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v-[0-9a-f]{8}$/);
    expect(prep.endpoints.https).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/r-[0-9a-f]{8}$/);
    expect(prep.endpoints.webrtc).toBeNull();
    expect(prep.storage).toEqual({ status: 'DISABLED', streamArn: null });
    expect(prep.iceServers).toHaveLength(2);
    for (const s of prep.iceServers) {
      expect(s.urls).toHaveLength(3);
      expect(s.urls.every((u) => /^turns?:/.test(u))).toBe(true);
      expect(s.username).toMatch(/^\d+:/);
      expect(s.credential).toBeTruthy();
    }
    expect(prep.iceServers.flatMap((s) => s.urls).some((u) => u.startsWith('stun:'))).toBe(false);
  });

  it('serves a second tile of the same channel from the caches (no further endpoint or ICE calls)', async () => {
    const before = {
      ep: await repliesOf(kvs, 'GetSignalingChannelEndpoint'),
      ice: await repliesOf(kvs, 'GetIceServerConfig'),
    };
    const prep = await service.prepareViewer({ channelArn: chA, tileId: 'tile-2' });
    expect(prep.clientId).toBe('wf-testinst-tile-2');
    expect(delta(await repliesOf(kvs, 'GetSignalingChannelEndpoint'), before.ep)).toEqual({});
    expect(delta(await repliesOf(kvs, 'GetIceServerConfig'), before.ice)).toEqual({});
  });

  it('a persisted endpoint that no longer answers is resolved afresh once, and the fresh one is cached', async () => {
    const ch = await createChannel(kv, 'wf-stale');
    const scope = scopeOf(profile.current);
    const key = `${channelPrefix(scope, ch)}ep:VIEWER`;
    // As a previous run could have left it: a host that refuses connections.
    cache.put(
      key,
      { wss: 'ws://127.0.0.1:9/v-00000000', https: 'http://127.0.0.1:9/r-00000000', webrtc: null },
      Date.now() + 3_600_000,
    );
    const prep = await service.prepareViewer({ channelArn: ch, tileId: 'tile-1' });
    expect(prep.endpoints.https).toMatch(new RegExp(`^${kvs.info.endpoint}/r-[0-9a-f]{8}$`));
    expect(prep.iceServers).toHaveLength(2);
    expect(cache.get<{ wss: string }>(key, Date.now())?.wss).toBe(prep.endpoints.wss);
  });

  it('ten tiles opening one cold channel at once share one endpoint and one ICE call', async () => {
    const ch = await createChannel(kv, 'wf-wall');
    const before = await repliesOf(kvs, 'GetSignalingChannelEndpoint');
    const preps = await Promise.all(
      Array.from({ length: 10 }, (_, i) => service.prepareViewer({ channelArn: ch, tileId: `wall-${i}` })),
    );
    expect(new Set(preps.map((p) => p.clientId)).size).toBe(10);
    expect(delta(await repliesOf(kvs, 'GetSignalingChannelEndpoint'), before)).toEqual({ 200: 1 });
  });
});

describe('signConnectUrl', () => {
  it('signs a URL that kvs-local accepts as ConnectAsViewer with the tile ClientId', async () => {
    const prep = await service.prepareViewer({ channelArn: chA, tileId: 'tile-1' });
    const { url } = await service.signConnectUrl({
      channelArn: chA,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: viewerQuery(chA, prep.clientId),
    });
    expect(url).toContain('X-Amz-Expires=299');
    expect(url).not.toContain(kvs.info.secretAccessKey);
    const r = await openSocket(url);
    expect(r.ok).toBe(true);
    if (r.ok) sockets.push(r.ws);
    const conns = await admin<Array<{ clientId?: string; role: string }>>(kvs, 'GET', '/connections');
    expect(conns).toContainEqual(expect.objectContaining({ role: 'VIEWER', clientId: 'wf-testinst-tile-1' }));
  });

  it('the official SignalingClient opens through a RequestSigner backed by signConnectUrl', async () => {
    const prep = await service.prepareViewer({ channelArn: chA, tileId: 'sdk-tile' });
    const client = new SignalingClient({
      channelARN: chA,
      channelEndpoint: prep.endpoints.wss,
      region: prep.region,
      role: Role.VIEWER,
      clientId: prep.clientId,
      // What the renderer's IPC-backed signer does: forward (endpoint, queryParams, date) to main.
      requestSigner: {
        getSignedURL: (endpoint, queryParams, date) =>
          service
            .signConnectUrl({
              channelArn: chA,
              tileId: 'sdk-tile',
              endpoint,
              queryParams: { ...queryParams },
              ...(date ? { signingDate: date.getTime() } : {}),
            })
            .then((r) => r.url),
      },
    });
    const opened = new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error('signaling error')));
    });
    client.open();
    try {
      await opened;
      const conns = await admin<Array<{ clientId?: string }>>(kvs, 'GET', '/connections');
      expect(conns.map((c) => c.clientId)).toContain(prep.clientId);
    } finally {
      client.close();
    }
  });

  it('refuses a foreign host, another channel’s endpoint, the MASTER endpoint and a wrong ClientId', async () => {
    const a = await service.prepareViewer({ channelArn: chA, tileId: 'tile-1' });
    const b = await service.prepareViewer({ channelArn: chB, tileId: 'tile-9' });
    const master = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: chA,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'MASTER' },
      }),
    );
    const masterWss = master.ResourceEndpointList![0]!.ResourceEndpoint!;
    expect(masterWss).toMatch(/\/m-[0-9a-f]{8}$/);
    const foreignHost = a.endpoints.wss.replace('127.0.0.1', 'localhost');
    const attempts: Array<[string, Parameters<KvsService['signConnectUrl']>[0]]> = [
      [
        'foreign host',
        {
          channelArn: chA,
          tileId: 'tile-1',
          endpoint: foreignHost,
          queryParams: viewerQuery(chA, a.clientId),
        },
      ],
      [
        'channel B endpoint',
        {
          channelArn: chA,
          tileId: 'tile-1',
          endpoint: b.endpoints.wss,
          queryParams: viewerQuery(chA, a.clientId),
        },
      ],
      [
        'MASTER endpoint',
        { channelArn: chA, tileId: 'tile-1', endpoint: masterWss, queryParams: viewerQuery(chA, a.clientId) },
      ],
      [
        'wrong ClientId',
        {
          channelArn: chA,
          tileId: 'tile-1',
          endpoint: a.endpoints.wss,
          queryParams: viewerQuery(chA, 'someone-else'),
        },
      ],
      [
        'another tile’s ClientId',
        {
          channelArn: chA,
          tileId: 'tile-1',
          endpoint: a.endpoints.wss,
          queryParams: viewerQuery(chA, b.clientId),
        },
      ],
      [
        'MASTER-style query',
        {
          channelArn: chA,
          tileId: 'tile-1',
          endpoint: a.endpoints.wss,
          queryParams: { 'X-Amz-ChannelARN': chA },
        },
      ],
    ];
    for (const [label, req] of attempts) {
      const err = await caught(service.signConnectUrl(req));
      expect(err, label).toMatchObject({ code: 'InvalidArgument' });
    }
  });

  it('after a connect failure the endpoints are resolved again (one call) before the next URL is signed', async () => {
    const prep = await service.prepareViewer({ channelArn: chA, tileId: 'tile-3' });
    const epKey = `${channelPrefix(scopeOf(profile.current), chA)}ep:VIEWER`;
    const iceKey = `${channelPrefix(scopeOf(profile.current), chA)}ice`;
    expect(cache.keys()).toEqual(expect.arrayContaining([epKey, iceKey]));
    service.connectFailed({ channelArn: chA, tileId: 'tile-3' });
    expect(cache.keys()).not.toContain(epKey);
    expect(cache.keys()).toContain(iceKey);

    const before = await repliesOf(kvs, 'GetSignalingChannelEndpoint');
    const { url } = await service.signConnectUrl({
      channelArn: chA,
      tileId: 'tile-3',
      endpoint: prep.endpoints.wss,
      queryParams: viewerQuery(chA, prep.clientId),
    });
    expect(delta(await repliesOf(kvs, 'GetSignalingChannelEndpoint'), before)).toEqual({ 200: 1 });
    expect(cache.keys()).toContain(epKey);
    const r = await openSocket(url);
    expect(r.ok).toBe(true);
    if (r.ok) sockets.push(r.ws);
  });

  it('paces connect attempts to 3 per second per channel, so kvs-local never throttles the upgrades', async () => {
    const prep = await service.prepareViewer({ channelArn: chB, tileId: 'pace-0' });
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const tileId = `pace-${i}`;
        const clientId = service.clientIds.forTile(tileId);
        const { url } = await service.signConnectUrl({
          channelArn: chB,
          tileId,
          endpoint: prep.endpoints.wss,
          queryParams: viewerQuery(chB, clientId),
        });
        const signedAt = Date.now() - t0;
        const r = await openSocket(url);
        if (r.ok) sockets.push(r.ws);
        return { signedAt, ok: r.ok, status: r.ok ? 101 : r.status };
      }),
    );
    expect(results.map((r) => r.status)).toEqual(Array(7).fill(101));
    const times = results.map((r) => r.signedAt).sort((x, y) => x - y);
    // 3 + 3 + 1: the seventh attempt cannot start before two windows have passed.
    expect(times[6]!).toBeGreaterThanOrEqual(2_000);
    for (let i = 3; i < times.length; i++) expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(1_000);
  });
});

describe('throttling and missing channels', () => {
  it('retries throttled GetSignalingChannelEndpoint calls and succeeds when the throttling passes', async () => {
    const ch = await createChannel(kv, 'wf-throttle-1');
    const before = await repliesOf(kvs, 'GetSignalingChannelEndpoint');
    await admin(kvs, 'POST', '/faults', {
      operation: 'GetSignalingChannelEndpoint',
      count: 3,
      error: 'ClientLimitExceededException',
    });
    const prep = await service.prepareViewer({ channelArn: ch, tileId: 'tile-1' });
    expect(prep.endpoints.wss).toMatch(/\/v-/);
    expect(delta(await repliesOf(kvs, 'GetSignalingChannelEndpoint'), before)).toEqual({ 400: 3, 200: 1 });
  });

  it('surfaces Throttled only after the retries run out', async () => {
    const ch = await createChannel(kv, 'wf-throttle-2');
    const before = await repliesOf(kvs, 'GetSignalingChannelEndpoint');
    await admin(kvs, 'POST', '/faults', {
      operation: 'GetSignalingChannelEndpoint',
      count: 50,
      error: 'ClientLimitExceededException',
    });
    try {
      const err = await caught(service.prepareViewer({ channelArn: ch, tileId: 'tile-1' }));
      expect(err).toMatchObject({ code: 'Throttled' });
      expect(delta(await repliesOf(kvs, 'GetSignalingChannelEndpoint'), before)).toEqual({
        400: CONTROL_RETRY.maxRetries + 1,
      });
    } finally {
      await admin(kvs, 'DELETE', '/faults');
    }
  });

  it('a deleted channel answers ChannelNotFound and its cached endpoints are dropped', async () => {
    const ch = await createChannel(kv, 'wf-doomed');
    const prep = await service.prepareViewer({ channelArn: ch, tileId: 'tile-1' });
    const prefix = channelPrefix(scopeOf(profile.current), ch);
    expect(cache.keys().filter((k) => k.startsWith(prefix)).length).toBeGreaterThan(0);
    const { url } = await service.signConnectUrl({
      channelArn: ch,
      tileId: 'tile-1',
      endpoint: prep.endpoints.wss,
      queryParams: viewerQuery(ch, prep.clientId),
    });

    await admin(kvs, 'DELETE', '/channels/wf-doomed');
    const refused = await openSocket(url);
    expect(refused).toEqual({ ok: false, status: 404 });
    service.connectFailed({ channelArn: ch, tileId: 'tile-1', status: 404 });
    expect(cache.keys().filter((k) => k.startsWith(prefix))).toEqual([]);

    expect(await caught(service.prepareViewer({ channelArn: ch, tileId: 'tile-1' }))).toMatchObject({
      code: 'ChannelNotFound',
    });
    expect(
      await caught(
        service.signConnectUrl({
          channelArn: ch,
          tileId: 'tile-1',
          endpoint: prep.endpoints.wss,
          queryParams: viewerQuery(ch, prep.clientId),
        }),
      ),
    ).toMatchObject({ code: 'ChannelNotFound' });
    expect(cache.keys().filter((k) => k.startsWith(prefix))).toEqual([]);
  });
});

describe('profile switch', () => {
  it('drops everything cached for the previous profile and keys new entries by the new one', async () => {
    await service.prepareViewer({ channelArn: chA, tileId: 'tile-1' });
    const first = scopeOf(profile.current).prefix;
    expect(first).toBe(`kvs:local-demo:${encodeURIComponent(kvs.info.endpoint)}:`);
    expect(cache.keys().some((k) => k.startsWith(first))).toBe(true);
    const previous = profile.current;
    profile.current = localProfile(kvs, 'second');
    try {
      await service.prepareViewer({ channelArn: chA, tileId: 'tile-1' });
      expect(cache.keys().some((k) => k.startsWith(first))).toBe(false);
      expect(cache.keys().some((k) => k.startsWith('kvs:second:'))).toBe(true);
    } finally {
      profile.current = previous;
    }
  });
});

describe('ChannelSource for the catalog sync', () => {
  it('lists channels, their storage configuration and tags', async () => {
    const source = service.channelSource;
    const page = await source.listPage(kvs.info.region, undefined, new AbortController().signal);
    const alpha = page.channels.find((c) => c.arn === chA);
    expect(alpha).toMatchObject({ name: 'wf-alpha', status: 'ACTIVE', type: 'SINGLE_MASTER' });
    expect(alpha?.createdAt).toEqual(expect.any(Number));
    expect(alpha?.messageTtlSeconds).toBe(60);
    expect(page.nextToken).toBeUndefined();
    expect(await source.describeStorage(chA, new AbortController().signal)).toEqual({
      status: 'DISABLED',
      streamArn: null,
    });
    expect(await source.listTags!(chA, new AbortController().signal)).toEqual({ site: 'north' });
  });
});
