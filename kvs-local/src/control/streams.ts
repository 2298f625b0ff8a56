import { channelEndpoint } from '../endpoints';
import { kvsErrors } from '../errors';
import { newVersion, type Stream } from '../state/store';
import type { OpContext, Operation } from './context';
import {
  ARN,
  NAME,
  NEXT_TOKEN,
  VERSION,
  epochSeconds,
  pageByName,
  optInt,
  optObj,
  optStr,
  reqEnum,
  reqStr,
  tagMap,
  type Body,
} from './input';

/** Stream operations used by storage sessions (kvs-reference.md §1.2, §6.1). */

const MEDIA_TYPE = /^[\w\-.+]+\/[\w\-.+]+(,[\w\-.+]+\/[\w\-.+]+)*$/;
const API_NAMES = [
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
] as const;

function streamInfo(s: Stream): Body {
  const info: Body = {
    StreamName: s.name,
    StreamARN: s.arn,
    KmsKeyId: s.kmsKeyId,
    Version: s.version,
    Status: s.status,
    CreationTime: epochSeconds(s.creationTime),
    DataRetentionInHours: s.dataRetentionInHours,
  };
  if (s.deviceName !== undefined) info.DeviceName = s.deviceName;
  if (s.mediaType !== undefined) info.MediaType = s.mediaType;
  return info;
}

export function findStream(body: Body, ctx: OpContext, allowName = true): Stream {
  const arn = optStr(body, 'StreamARN', { min: 1, max: 1024, pattern: ARN });
  const name = allowName ? optStr(body, 'StreamName', { min: 1, max: 256, pattern: NAME }) : undefined;
  if (arn === undefined && name === undefined)
    throw kvsErrors.invalidArgument('Either StreamName or StreamARN must be specified.');
  if (arn !== undefined && name !== undefined)
    throw kvsErrors.invalidArgument('Specify either StreamName or StreamARN, not both.');
  const stream = arn !== undefined ? ctx.store.streamByArn(arn) : ctx.store.streamByName(name!);
  if (!stream || stream.status === 'DELETING')
    throw kvsErrors.resourceNotFound('The requested stream is not found or not active.');
  return stream;
}

const createStream: Operation = (body, ctx) => {
  const name = reqStr(body, 'StreamName', { min: 1, max: 256, pattern: NAME });
  const deviceName = optStr(body, 'DeviceName', { min: 1, max: 128, pattern: NAME });
  const mediaType = optStr(body, 'MediaType', { min: 1, max: 128, pattern: MEDIA_TYPE });
  const kmsKeyId = optStr(body, 'KmsKeyId', { min: 1, max: 2048 });
  const retention = optInt(body, 'DataRetentionInHours', 0, 87600) ?? 0;
  const tags = tagMap(body, 'Tags') ?? {};
  const storageCfg = optObj(body, 'StreamStorageConfiguration');
  const tier = storageCfg ? reqEnum(storageCfg, 'DefaultStorageTier', ['HOT', 'WARM'] as const) : 'HOT';
  if (ctx.store.streamByName(name)) throw kvsErrors.resourceInUse(`The stream ${name} already exists.`);
  const stream: Stream = {
    name,
    arn: ctx.store.makeArn('stream', name),
    kmsKeyId: kmsKeyId ?? `arn:aws:kms:${ctx.store.region}:${ctx.store.accountId}:alias/aws/kinesisvideo`,
    version: newVersion(),
    status: 'ACTIVE',
    creationTime: ctx.now(),
    dataRetentionInHours: retention,
    storageTier: tier,
    tags,
  };
  if (deviceName !== undefined) stream.deviceName = deviceName;
  if (mediaType !== undefined) stream.mediaType = mediaType;
  ctx.store.addStream(stream);
  return { StreamARN: stream.arn };
};

const describeStream: Operation = (body, ctx) => ({ StreamInfo: streamInfo(findStream(body, ctx)) });

const listStreams: Operation = (body, ctx) => {
  const { page, nextToken } = pageByName(body, ctx.store.streams(), 'StreamNameCondition', 10000);
  const result: Body = { StreamInfoList: page.map(streamInfo) };
  if (nextToken) result.NextToken = nextToken;
  return result;
};

const deleteStream: Operation = (body, ctx) => {
  reqStr(body, 'StreamARN', { min: 1, max: 1024, pattern: ARN });
  const stream = findStream(body, ctx, false);
  const version = optStr(body, 'CurrentVersion', { min: 1, max: 64, pattern: VERSION });
  if (version !== undefined && version !== stream.version) throw kvsErrors.versionMismatch();
  const mapped = ctx.store.channels().find((c) => c.storage.streamArn === stream.arn);
  if (mapped)
    throw kvsErrors.resourceInUse(
      `The stream is mapped to the signaling channel ${mapped.name}; disable media storage first.`,
    );
  ctx.store.removeStream(stream);
  return {};
};

const getDataEndpoint: Operation = (body, ctx) => {
  reqEnum(body, 'APIName', API_NAMES);
  const stream = findStream(body, ctx);
  return { DataEndpoint: channelEndpoint(ctx.urls, 'b', stream.arn) };
};

const describeMappedResourceConfiguration: Operation = (body, ctx) => {
  optInt(body, 'MaxResults', 1, 1);
  optStr(body, 'NextToken', { min: 0, max: 512, pattern: NEXT_TOKEN });
  const stream = findStream(body, ctx);
  const channel = ctx.store
    .channels()
    .find((c) => c.storage.streamArn === stream.arn && c.storage.status === 'ENABLED');
  // The Type value is not observed anywhere (kvs-reference.md §9); SIGNALING_CHANNEL is the documented resource kind.
  return {
    MappedResourceConfigurationList: channel ? [{ Type: 'SIGNALING_CHANNEL', ARN: channel.arn }] : [],
  };
};

// Tagging works on channels and streams alike.
function findResource(body: Body, ctx: OpContext) {
  const arn = reqStr(body, 'ResourceARN', { min: 1, max: 1024, pattern: ARN });
  const resource = ctx.store.resourceByArn(arn);
  if (!resource) throw kvsErrors.resourceNotFound('The requested resource is not found or not active.');
  return resource;
}

const tagResource: Operation = (body, ctx) => {
  const resource = findResource(body, ctx);
  const list = body.Tags;
  if (!Array.isArray(list) || list.length < 1 || list.length > 50) {
    throw kvsErrors.invalidArgument(
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length between 1 and 50",
    );
  }
  const incoming: Record<string, string> = {};
  list.forEach((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t))
      throw kvsErrors.invalidArgument(`Tags.${i + 1} must be a structure.`);
    const tag = t as Body;
    incoming[reqStr(tag, 'Key', { min: 1, max: 128 })] = optStr(tag, 'Value', { min: 0, max: 256 }) ?? '';
  });
  const merged = { ...resource.tags, ...incoming };
  if (Object.keys(merged).length > 50) throw kvsErrors.tagsLimit();
  resource.tags = merged;
  ctx.store.changed();
  return {};
};

const untagResource: Operation = (body, ctx) => {
  const resource = findResource(body, ctx);
  const keys = body.TagKeyList;
  if (
    !Array.isArray(keys) ||
    keys.length < 1 ||
    keys.length > 50 ||
    keys.some((k) => typeof k !== 'string' || k.length < 1 || k.length > 128)
  ) {
    throw kvsErrors.invalidArgument(
      "1 validation error detected: Value at 'tagKeyList' failed to satisfy constraint: Member must have length between 1 and 50",
    );
  }
  for (const k of keys as string[]) delete resource.tags[k];
  ctx.store.changed();
  return {};
};

const listTagsForResource: Operation = (body, ctx) => {
  optStr(body, 'NextToken', { min: 0, max: 512, pattern: NEXT_TOKEN });
  const resource = findResource(body, ctx);
  return { Tags: { ...resource.tags } };
};

export const streamOperations: Record<string, Operation> = {
  CreateStream: createStream,
  DescribeStream: describeStream,
  ListStreams: listStreams,
  DeleteStream: deleteStream,
  GetDataEndpoint: getDataEndpoint,
  DescribeMappedResourceConfiguration: describeMappedResourceConfiguration,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
