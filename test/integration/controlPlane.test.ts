import {
  AccessDeniedException,
  ClientLimitExceededException,
  CreateSignalingChannelCommand,
  CreateStreamCommand,
  DeleteSignalingChannelCommand,
  DeleteStreamCommand,
  DescribeMappedResourceConfigurationCommand,
  DescribeMediaStorageConfigurationCommand,
  DescribeSignalingChannelCommand,
  DescribeStreamCommand,
  GetDataEndpointCommand,
  GetSignalingChannelEndpointCommand,
  InvalidArgumentException,
  ListSignalingChannelsCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  NoDataRetentionException,
  ResourceInUseException,
  ResourceNotFoundException,
  TagResourceCommand,
  TagsPerResourceExceededLimitException,
  UntagResourceCommand,
  UpdateMediaStorageConfigurationCommand,
  UpdateSignalingChannelCommand,
  VersionMismatchException,
  paginateListSignalingChannels,
  type KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, controlClient, startTestKvs } from '../helpers/kvsLocal';

let kvs: KvsLocal;
let kv: KinesisVideoClient;

beforeAll(async () => {
  kvs = await startTestKvs();
  kv = controlClient(kvs);
});
afterAll(async () => {
  kv.destroy();
  await kvs.close();
});

async function create(name: string, ttl?: number): Promise<string> {
  const out = await kv.send(
    new CreateSignalingChannelCommand({
      ChannelName: name,
      ...(ttl ? { SingleMasterConfiguration: { MessageTtlSeconds: ttl } } : {}),
    }),
  );
  return out.ChannelARN!;
}

describe('signaling channels through the unmodified SDK v3 client', () => {
  it('creates, describes, updates and deletes with versions', async () => {
    const arn = await create('front-door', 30);
    expect(arn).toMatch(/^arn:aws:kinesisvideo:us-west-2:111122223333:channel\/front-door\/\d+$/);
    const { ChannelInfo } = await kv.send(new DescribeSignalingChannelCommand({ ChannelName: 'front-door' }));
    expect(ChannelInfo).toMatchObject({
      ChannelName: 'front-door',
      ChannelARN: arn,
      ChannelType: 'SINGLE_MASTER',
      ChannelStatus: 'ACTIVE',
      SingleMasterConfiguration: { MessageTtlSeconds: 30 },
    });
    expect(ChannelInfo!.CreationTime).toBeInstanceOf(Date);
    expect(Math.abs(ChannelInfo!.CreationTime!.getTime() - Date.now())).toBeLessThan(60_000);

    const stale = await caught(
      kv.send(
        new UpdateSignalingChannelCommand({
          ChannelARN: arn,
          CurrentVersion: 'nope0',
          SingleMasterConfiguration: { MessageTtlSeconds: 90 },
        }),
      ),
    );
    expect(stale).toBeInstanceOf(VersionMismatchException);
    await kv.send(
      new UpdateSignalingChannelCommand({
        ChannelARN: arn,
        CurrentVersion: ChannelInfo!.Version!,
        SingleMasterConfiguration: { MessageTtlSeconds: 90 },
      }),
    );
    const after = await kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn }));
    expect(after.ChannelInfo!.SingleMasterConfiguration!.MessageTtlSeconds).toBe(90);
    expect(after.ChannelInfo!.Version).not.toBe(ChannelInfo!.Version);

    const oldVersion = await caught(
      kv.send(new DeleteSignalingChannelCommand({ ChannelARN: arn, CurrentVersion: ChannelInfo!.Version! })),
    );
    expect(oldVersion).toBeInstanceOf(VersionMismatchException);
    await kv.send(new DeleteSignalingChannelCommand({ ChannelARN: arn }));
    const gone = await caught(kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn })));
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
    expect(gone.$metadata?.httpStatusCode).toBe(404);
    expect(gone.message).toBe('The requested channel is not found or not active.');
  });

  it('refuses duplicates and invalid fields with the modelled exceptions', async () => {
    await create('dup-1');
    expect(await caught(create('dup-1'))).toBeInstanceOf(ResourceInUseException);
    const badName = await caught(create('has space'));
    expect(badName).toBeInstanceOf(InvalidArgumentException);
    expect(badName.$metadata?.httpStatusCode).toBe(400);
    expect(await caught(create('ttl-too-big', 500))).toBeInstanceOf(InvalidArgumentException);
    expect(
      await caught(kv.send(new DescribeSignalingChannelCommand({ ChannelARN: 'arn:nope' }))),
    ).toBeInstanceOf(InvalidArgumentException);
    expect(await caught(kv.send(new DescribeSignalingChannelCommand({})))).toBeInstanceOf(
      InvalidArgumentException,
    );
  });

  it('lists with pagination and BEGINS_WITH', async () => {
    for (let i = 0; i < 12; i++) await create(`lobby-${String(i).padStart(2, '0')}`);
    const first = await kv.send(
      new ListSignalingChannelsCommand({
        MaxResults: 5,
        ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'lobby-' },
      }),
    );
    expect(first.ChannelInfoList).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const names: string[] = [];
    for await (const page of paginateListSignalingChannels(
      { client: kv, pageSize: 5 },
      { ChannelNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'lobby-' } },
    )) {
      names.push(...(page.ChannelInfoList ?? []).map((c) => c.ChannelName!));
    }
    expect(names).toEqual(Array.from({ length: 12 }, (_, i) => `lobby-${String(i).padStart(2, '0')}`));
    expect(await caught(kv.send(new ListSignalingChannelsCommand({ NextToken: 'Zm9v' })))).toBeInstanceOf(
      InvalidArgumentException,
    );
  });

  it('returns per-protocol, per-role endpoints on the one listener', async () => {
    const arn = await create('endpoints-1');
    const viewer = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: arn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS', 'HTTPS'], Role: 'VIEWER' },
      }),
    );
    const byProto: Record<string, string | undefined> = Object.fromEntries(
      viewer.ResourceEndpointList!.map((e): [string, string | undefined] => [
        e.Protocol ?? '',
        e.ResourceEndpoint,
      ]),
    );
    expect(byProto.WSS).toMatch(new RegExp(`^${kvs.info.endpoint.replace('http', 'ws')}/v-[0-9a-f]{8}$`));
    expect(byProto.HTTPS).toMatch(new RegExp(`^${kvs.info.endpoint}/r-[0-9a-f]{8}$`));
    const master = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: arn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'MASTER' },
      }),
    );
    expect(master.ResourceEndpointList![0]!.ResourceEndpoint).toMatch(/\/m-[0-9a-f]{8}$/);
    const webrtc = await caught(
      kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: arn,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WEBRTC'], Role: 'VIEWER' },
        }),
      ),
    );
    expect(webrtc).toBeInstanceOf(InvalidArgumentException);
  });
});

describe('streams, media storage configuration and tags', () => {
  it('binds a channel to a stream with retention, and only then', async () => {
    const channelArn = await create('store-1');
    const fresh = await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: channelArn }));
    expect(fresh.MediaStorageConfiguration?.Status).toBe('DISABLED');
    expect(fresh.MediaStorageConfiguration?.StreamARN ?? null).toBeNull();

    const noRetention = (await kv.send(new CreateStreamCommand({ StreamName: 'store-1-zero' }))).StreamARN!;
    const err = await caught(
      kv.send(
        new UpdateMediaStorageConfigurationCommand({
          ChannelARN: channelArn,
          MediaStorageConfiguration: { Status: 'ENABLED', StreamARN: noRetention },
        }),
      ),
    );
    expect(err).toBeInstanceOf(NoDataRetentionException);

    const streamArn = (
      await kv.send(
        new CreateStreamCommand({
          StreamName: 'store-1-stream',
          DataRetentionInHours: 24,
          MediaType: 'video/h264',
        }),
      )
    ).StreamARN!;
    const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'store-1-stream' }));
    expect(StreamInfo).toMatchObject({
      StreamARN: streamArn,
      DataRetentionInHours: 24,
      Status: 'ACTIVE',
      MediaType: 'video/h264',
    });
    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN: channelArn,
        MediaStorageConfiguration: { Status: 'ENABLED', StreamARN: streamArn },
      }),
    );
    const enabled = await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelName: 'store-1' }));
    expect(enabled.MediaStorageConfiguration).toEqual({ Status: 'ENABLED', StreamARN: streamArn });
    const mapped = await kv.send(new DescribeMappedResourceConfigurationCommand({ StreamARN: streamArn }));
    expect(mapped.MappedResourceConfigurationList).toEqual([{ Type: 'SIGNALING_CHANNEL', ARN: channelArn }]);

    const eps = await kv.send(
      new GetSignalingChannelEndpointCommand({
        ChannelARN: channelArn,
        SingleMasterChannelEndpointConfiguration: { Protocols: ['WEBRTC', 'WSS', 'HTTPS'], Role: 'MASTER' },
      }),
    );
    expect(eps.ResourceEndpointList!.find((e) => e.Protocol === 'WEBRTC')!.ResourceEndpoint).toMatch(
      /\/w-[0-9a-f]{8}$/,
    );

    const other = await create('store-2');
    expect(
      await caught(
        kv.send(
          new UpdateMediaStorageConfigurationCommand({
            ChannelARN: other,
            MediaStorageConfiguration: { Status: 'ENABLED', StreamARN: streamArn },
          }),
        ),
      ),
    ).toBeInstanceOf(ResourceInUseException);
    expect(await caught(kv.send(new DeleteStreamCommand({ StreamARN: streamArn })))).toBeInstanceOf(
      ResourceInUseException,
    );

    await kv.send(
      new UpdateMediaStorageConfigurationCommand({
        ChannelARN: channelArn,
        MediaStorageConfiguration: { Status: 'DISABLED' },
      }),
    );
    const disabled = await kv.send(new DescribeMediaStorageConfigurationCommand({ ChannelARN: channelArn }));
    expect(disabled.MediaStorageConfiguration?.Status).toBe('DISABLED');
    await kv.send(new DeleteStreamCommand({ StreamARN: streamArn }));
    expect(await caught(kv.send(new DescribeStreamCommand({ StreamARN: streamArn })))).toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('lists streams and returns data endpoints', async () => {
    await kv.send(new CreateStreamCommand({ StreamName: 'lst-a', DataRetentionInHours: 1 }));
    await kv.send(new CreateStreamCommand({ StreamName: 'lst-b', DataRetentionInHours: 1 }));
    const list = await kv.send(
      new ListStreamsCommand({
        StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'lst-' },
      }),
    );
    expect(list.StreamInfoList!.map((s) => s.StreamName)).toEqual(['lst-a', 'lst-b']);
    const ep = await kv.send(
      new GetDataEndpointCommand({ StreamName: 'lst-a', APIName: 'GET_HLS_STREAMING_SESSION_URL' }),
    );
    expect(ep.DataEndpoint).toMatch(/\/b-[0-9a-f]{8}$/);
    expect(
      await caught(kv.send(new GetDataEndpointCommand({ StreamName: 'lst-a', APIName: 'NOPE' as never }))),
    ).toBeInstanceOf(InvalidArgumentException);
  });

  it('tags and untags, with the 50-tag limit', async () => {
    const arn = await create('tagged-1');
    await kv.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: 'site', Value: 'north' },
          { Key: 'floor', Value: '2' },
        ],
      }),
    );
    expect((await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual({
      site: 'north',
      floor: '2',
    });
    await kv.send(new UntagResourceCommand({ ResourceARN: arn, TagKeyList: ['floor'] }));
    expect((await kv.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual({
      site: 'north',
    });
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await caught(kv.send(new TagResourceCommand({ ResourceARN: arn, Tags: many })))).toBeInstanceOf(
      TagsPerResourceExceededLimitException,
    );
  });
});

describe('errors on the wire, faults and quotas', () => {
  it('puts the error name in x-amzn-ErrorType and the body, as §1.0 describes', async () => {
    const res = await fetch(`${kvs.info.endpoint}/describeSignalingChannel`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await res.json()).toMatchObject({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  it('fails the next N calls of an operation with a named error, then recovers', async () => {
    const arn = await create('faulty-1');
    await admin(kvs, 'POST', '/faults', {
      operation: 'DescribeSignalingChannel',
      count: 2,
      error: 'AccessDeniedException',
    });
    const first = await caught(kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn })));
    expect(first).toBeInstanceOf(AccessDeniedException);
    expect(await caught(kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn })))).toBeInstanceOf(
      AccessDeniedException,
    );
    await expect(kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn }))).resolves.toBeTruthy();

    await admin(kvs, 'POST', '/faults', { operation: 'DescribeSignalingChannel', count: 1, delayMs: 300 });
    const t0 = Date.now();
    await kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('throttles above the per-channel TPS quota with ClientLimitExceededException', async () => {
    const arn = await create('busy-1');
    await new Promise((r) => setTimeout(r, 1100)); // Let the channel's bucket refill after the other tests.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => kv.send(new DescribeSignalingChannelCommand({ ChannelARN: arn }))),
    );
    const throttled = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof ClientLimitExceededException,
    );
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(5);
    expect(throttled.length).toBe(3);
  });
});
