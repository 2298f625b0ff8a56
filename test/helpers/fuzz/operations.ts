import type { Rng } from './prng';
import { b64json, randomAlnum } from './values';

/** What the valid bodies refer to: one kvs-local instance's fixtures. */
export interface HttpFixtures {
  channelArn: string;
  channelName: string;
  /** Version of `channelArn` at start (UpdateSignalingChannel with it succeeds once). */
  channelVersion: string;
  streamArn: string;
  streamName: string;
  /** Channels and streams the fuzzer may delete. */
  victimChannelArns: string[];
  victimStreamArns: string[];
  /**
   * A channel (MessageTtlSeconds 5) whose master answers every offer at once, for SendAlexaOfferToMaster:
   * a valid call waits for the master's answer (up to the TTL), so it needs a master that answers.
   */
  alexaChannelArn: string;
  /** Well-formed ARNs of nothing. */
  unknownChannelArn: string;
  unknownStreamArn: string;
  /** 8-hex endpoint id of `channelArn` (the `r-`/`w-` path prefix). */
  endpointHex: string;
}

export type RouteKind = 'root' | 'r' | 'w';

export interface OperationSpec {
  name: string;
  kind: RouteKind;
  path: string;
  /** A body the operation accepts (it may still fail on state: not found, version mismatch, in use…). */
  base(rng: Rng, f: HttpFixtures): Record<string, unknown>;
}

const API_NAMES = ['PUT_MEDIA', 'GET_MEDIA', 'LIST_FRAGMENTS', 'GET_CLIP', 'GET_IMAGES'];

/** Every route kvs-local's router knows (its ROUTES table; the test checks the two stay in step). */
export const OPERATIONS: readonly OperationSpec[] = [
  {
    name: 'CreateSignalingChannel',
    kind: 'root',
    path: '/createSignalingChannel',
    base: (r) => ({
      ChannelName: `fz-${randomAlnum(r, r.range(3, 10))}`,
      ChannelType: 'SINGLE_MASTER',
      SingleMasterConfiguration: { MessageTtlSeconds: r.range(5, 120) },
      Tags: [{ Key: 'k', Value: 'v' }],
    }),
  },
  {
    name: 'DescribeSignalingChannel',
    kind: 'root',
    path: '/describeSignalingChannel',
    base: (r, f) =>
      r.chance(0.3)
        ? { ChannelName: f.channelName }
        : { ChannelARN: r.pick([f.channelArn, f.unknownChannelArn]) },
  },
  {
    name: 'ListSignalingChannels',
    kind: 'root',
    path: '/listSignalingChannels',
    base: (r) => ({
      MaxResults: r.range(1, 10),
      ChannelNameCondition: {
        ComparisonOperator: 'BEGINS_WITH',
        ComparisonValue: r.pick(['fz', 'fuzz', 'f']),
      },
      ...(r.chance(0.3) ? { NextToken: Buffer.from('v1:fz-m').toString('base64') } : {}),
    }),
  },
  {
    name: 'DeleteSignalingChannel',
    kind: 'root',
    path: '/deleteSignalingChannel',
    base: (r, f) => ({
      ChannelARN: r.pick([...f.victimChannelArns, f.unknownChannelArn]),
      ...(r.chance(0.3) ? { CurrentVersion: 'abc123' } : {}),
    }),
  },
  {
    name: 'UpdateSignalingChannel',
    kind: 'root',
    path: '/updateSignalingChannel',
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      CurrentVersion: r.chance(0.5) ? f.channelVersion : 'abc123',
      SingleMasterConfiguration: { MessageTtlSeconds: r.range(5, 120) },
    }),
  },
  {
    name: 'GetSignalingChannelEndpoint',
    kind: 'root',
    path: '/getSignalingChannelEndpoint',
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      SingleMasterChannelEndpointConfiguration: {
        Protocols: r.pick([['WSS', 'HTTPS'], ['WSS'], ['HTTPS'], ['WEBRTC'], ['HTTPS', 'WSS', 'WSS']]),
        Role: r.pick(['MASTER', 'VIEWER']),
      },
    }),
  },
  {
    name: 'DescribeMediaStorageConfiguration',
    kind: 'root',
    path: '/describeMediaStorageConfiguration',
    base: (r, f) => (r.chance(0.5) ? { ChannelARN: f.channelArn } : { ChannelName: f.channelName }),
  },
  {
    name: 'UpdateMediaStorageConfiguration',
    kind: 'root',
    path: '/updateMediaStorageConfiguration',
    // Never a stream with retention: the fuzzer must not start real storage sessions (ffmpeg, WebRTC).
    base: (r, f) => ({
      ChannelARN: f.channelArn,
      MediaStorageConfiguration: r.pick([
        { Status: 'DISABLED' },
        { Status: 'ENABLED', StreamARN: f.streamArn },
        { Status: 'ENABLED', StreamARN: f.unknownStreamArn },
      ]),
    }),
  },
  {
    name: 'DescribeMappedResourceConfiguration',
    kind: 'root',
    path: '/describeMappedResourceConfiguration',
    base: (r, f) =>
      r.chance(0.5) ? { StreamARN: f.streamArn, MaxResults: 1 } : { StreamName: f.streamName },
  },
  {
    name: 'TagResource',
    kind: 'root',
    path: '/TagResource',
    base: (r, f) => ({
      ResourceARN: r.pick([f.channelArn, f.streamArn]),
      Tags: [{ Key: randomAlnum(r, r.range(1, 6)), Value: randomAlnum(r, r.range(0, 6)) }],
    }),
  },
  {
    name: 'UntagResource',
    kind: 'root',
    path: '/UntagResource',
    base: (r, f) => ({ ResourceARN: r.pick([f.channelArn, f.streamArn]), TagKeyList: [randomAlnum(r, 2)] }),
  },
  {
    name: 'ListTagsForResource',
    kind: 'root',
    path: '/ListTagsForResource',
    base: (r, f) => ({ ResourceARN: r.pick([f.channelArn, f.streamArn, f.unknownStreamArn]) }),
  },
  {
    name: 'CreateStream',
    kind: 'root',
    path: '/createStream',
    base: (r) => ({
      StreamName: `fzs-${randomAlnum(r, r.range(3, 10))}`,
      DataRetentionInHours: 0,
      MediaType: 'video/h264',
      DeviceName: 'fuzz-device',
      Tags: { a: 'b' },
    }),
  },
  {
    name: 'DescribeStream',
    kind: 'root',
    path: '/describeStream',
    base: (r, f) => (r.chance(0.5) ? { StreamName: f.streamName } : { StreamARN: f.streamArn }),
  },
  {
    name: 'ListStreams',
    kind: 'root',
    path: '/listStreams',
    base: (r) => ({
      MaxResults: r.range(1, 5),
      StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'fz' },
    }),
  },
  {
    name: 'DeleteStream',
    kind: 'root',
    path: '/deleteStream',
    base: (r, f) => ({ StreamARN: r.pick([...f.victimStreamArns, f.unknownStreamArn]) }),
  },
  {
    name: 'GetDataEndpoint',
    kind: 'root',
    path: '/getDataEndpoint',
    base: (r, f) => ({ APIName: r.pick(API_NAMES), StreamARN: f.streamArn }),
  },
  {
    name: 'GetIceServerConfig',
    kind: 'r',
    path: '/v1/get-ice-server-config',
    base: (r, f) => ({
      ChannelARN: r.chance(0.9) ? f.channelArn : f.unknownChannelArn,
      ...(r.chance(0.5) ? { ClientId: 'fuzz-client', Service: 'TURN' } : {}),
    }),
  },
  {
    name: 'SendAlexaOfferToMaster',
    kind: 'r',
    path: '/v1/send-alexa-offer-to-master',
    base: (r, f) => ({
      ChannelARN: f.alexaChannelArn,
      SenderClientId: `alexa-${randomAlnum(r, 10)}`,
      MessagePayload: b64json({ type: 'offer', sdp: 'v=0\r\n' }),
    }),
  },
  {
    name: 'JoinStorageSession',
    kind: 'w',
    path: '/joinStorageSession',
    base: (_r, f) => ({ channelArn: f.channelArn }),
  },
  {
    name: 'JoinStorageSessionAsViewer',
    kind: 'w',
    path: '/joinStorageSessionAsViewer',
    base: (_r, f) => ({ channelArn: f.channelArn, clientId: 'fuzz-viewer' }),
  },
];
