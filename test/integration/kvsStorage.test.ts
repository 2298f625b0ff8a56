/**
 * Media storage through the kvs service against kvs-local (kvs-reference §1.2, §3, §6): enable/describe
 * with its conflict checks, JoinStorageSessionAsViewer with a stable ClientId, the §6.2 retry rules
 * (throttling retried, "maximum number of viewers" never), JoinStorageSession as master, disable.
 */
import { CreateStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsService } from '../../src-main/core/kvs/kvsService';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, controlClient, startTestKvs } from '../helpers/kvsLocal';
import { createChannel, delta, makeService, repliesOf } from './kvsServiceHarness';

let kvs: KvsLocal;
let kv: KinesisVideoClient;
let service: KvsService;
let channelArn = '';
let streamArn = '';
let otherStreamArn = '';
let noRetentionArn = '';

beforeAll(async () => {
  // One viewer per storage session makes the "maximum number of viewers" answer reachable with two tiles.
  kvs = await startTestKvs({ limits: { viewersPerStorageSession: 1, storageOfferDelayMs: 100 } });
  kv = controlClient(kvs);
  channelArn = await createChannel(kv, 'wf-store');
  const stream = (name: string, hours: number) =>
    kv
      .send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: hours }))
      .then((o) => o.StreamARN!);
  streamArn = await stream('wf-store-archive', 24);
  otherStreamArn = await stream('wf-store-other', 24);
  noRetentionArn = await stream('wf-store-none', 0);
  ({ service } = makeService(kvs));
});
afterAll(async () => {
  service.close();
  kv.destroy();
  await kvs.close();
});

describe('storage through the kvs service', () => {
  it('describes a never-configured channel as DISABLED and refuses to join its storage session', async () => {
    expect(await service.storage.describe({ channelArn })).toEqual({
      status: 'DISABLED',
      streamArn: null,
      streamName: null,
    });
    expect(await caught(service.storage.joinAsViewer({ channelArn, tileId: 't1' }))).toMatchObject({
      code: 'StorageNotEnabled',
    });
  });

  it('refuses a stream without retention (Conflict) and a missing stream (InvalidArgument)', async () => {
    const noRetention = await caught(
      service.storage.update({ channelArn, enabled: true, streamArn: noRetentionArn, confirmed: true }),
    );
    expect(noRetention).toMatchObject({ code: 'Conflict' });
    expect(noRetention.message).toMatch(/retention/);
    expect(
      await caught(service.storage.update({ channelArn, enabled: true, confirmed: true })),
    ).toMatchObject({
      code: 'InvalidArgument',
    });
  });

  it('enables storage, describes it with the stream name, and prepareViewer then returns the WEBRTC endpoint', async () => {
    expect(await service.storage.update({ channelArn, enabled: true, streamArn, confirmed: true })).toEqual({
      status: 'ENABLED',
      streamArn,
    });
    expect(await service.storage.describe({ channelArn })).toEqual({
      status: 'ENABLED',
      streamArn,
      streamName: 'wf-store-archive',
    });
    const prep = await service.prepareViewer({ channelArn, tileId: 't1' });
    expect(prep.storage).toEqual({ status: 'ENABLED', streamArn });
    expect(prep.endpoints.webrtc).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/w-[0-9a-f]{8}$/);
  });

  it('enabling onto the same stream is a no-op; switching to another stream while ENABLED is a Conflict', async () => {
    const before = await repliesOf(kvs, 'UpdateMediaStorageConfiguration');
    expect(await service.storage.update({ channelArn, enabled: true, streamArn, confirmed: true })).toEqual({
      status: 'ENABLED',
      streamArn,
    });
    expect(
      await caught(
        service.storage.update({ channelArn, enabled: true, streamArn: otherStreamArn, confirmed: true }),
      ),
    ).toMatchObject({ code: 'Conflict' });
    expect(delta(await repliesOf(kvs, 'UpdateMediaStorageConfiguration'), before)).toEqual({});
  });

  it('joins the storage session as a viewer with the tile ClientId; the same tile rejoining replaces itself', async () => {
    const before = await repliesOf(kvs, 'JoinStorageSessionAsViewer');
    await service.storage.joinAsViewer({ channelArn, tileId: 't1' });
    await service.storage.joinAsViewer({ channelArn, tileId: 't1' });
    expect(delta(await repliesOf(kvs, 'JoinStorageSessionAsViewer'), before)).toEqual({ 200: 2 });
    const sessions = await admin<Array<{ channelArn: string; status: unknown }>>(kvs, 'GET', '/storage');
    expect(JSON.stringify(sessions)).toContain('wf-testinst-t1');
  });

  it('does not retry "maximum number of viewers": one call, ClientLimitExceeded', async () => {
    const before = await repliesOf(kvs, 'JoinStorageSessionAsViewer');
    const err = await caught(service.storage.joinAsViewer({ channelArn, tileId: 't2' }));
    expect(err).toMatchObject({ code: 'ClientLimitExceeded' });
    expect(err.message).toMatch(/maximum number of viewers/);
    expect(delta(await repliesOf(kvs, 'JoinStorageSessionAsViewer'), before)).toEqual({ 400: 1 });
  });

  it('retries throttled joins (§6.2) and succeeds when the throttling passes', async () => {
    const before = await repliesOf(kvs, 'JoinStorageSessionAsViewer');
    await admin(kvs, 'POST', '/faults', {
      operation: 'JoinStorageSessionAsViewer',
      count: 2,
      error: 'ClientLimitExceededException',
    });
    await service.storage.joinAsViewer({ channelArn, tileId: 't1' });
    expect(delta(await repliesOf(kvs, 'JoinStorageSessionAsViewer'), before)).toEqual({ 400: 2, 200: 1 });
  });

  it('an injected "maximum number of viewers" is not retried either', async () => {
    const before = await repliesOf(kvs, 'JoinStorageSessionAsViewer');
    await admin(kvs, 'POST', '/faults', {
      operation: 'JoinStorageSessionAsViewer',
      count: 3,
      error: 'ClientLimitExceededException',
      message: 'The storage session has reached the maximum number of viewers connected to the session.',
    });
    try {
      expect(await caught(service.storage.joinAsViewer({ channelArn, tileId: 't1' }))).toMatchObject({
        code: 'ClientLimitExceeded',
      });
      expect(delta(await repliesOf(kvs, 'JoinStorageSessionAsViewer'), before)).toEqual({ 400: 1 });
    } finally {
      await admin(kvs, 'DELETE', '/faults');
    }
  });

  it('joins as master with JoinStorageSession on the MASTER role’s WEBRTC endpoint', async () => {
    const before = await repliesOf(kvs, 'JoinStorageSession');
    await service.storage.joinAsMaster({ channelArn });
    expect(delta(await repliesOf(kvs, 'JoinStorageSession'), before)).toEqual({ 200: 1 });
  });

  it('disables storage; prepareViewer no longer returns a WEBRTC endpoint and joins are refused', async () => {
    expect(await service.storage.update({ channelArn, enabled: false, confirmed: true })).toEqual({
      status: 'DISABLED',
      streamArn: null,
    });
    const prep = await service.prepareViewer({ channelArn, tileId: 't1' });
    expect(prep.storage.status).toBe('DISABLED');
    expect(prep.endpoints.webrtc).toBeNull();
    expect(await caught(service.storage.joinAsViewer({ channelArn, tileId: 't1' }))).toMatchObject({
      code: 'StorageNotEnabled',
    });
  });
});
