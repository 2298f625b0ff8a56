import { channelEndpoint } from '../endpoints';
import { kvsErrors } from '../errors';
import { newVersion, type Channel, type KvsStore } from '../state/store';
import type { OpContext, Operation } from './context';
import {
  ARN,
  NAME,
  VERSION,
  epochSeconds,
  optEnum,
  pageByName,
  optInt,
  optList,
  optObj,
  optStr,
  reqEnum,
  reqStr,
  tagList,
  type Body,
} from './input';

/** Signaling-channel operations of the kinesisvideo control plane (kvs-reference.md §1.2). */

export function channelInfo(c: Channel): Body {
  return {
    ChannelName: c.name,
    ChannelARN: c.arn,
    ChannelType: c.type,
    ChannelStatus: c.status,
    CreationTime: epochSeconds(c.creationTime),
    SingleMasterConfiguration: { MessageTtlSeconds: c.messageTtlSeconds },
    Version: c.version,
  };
}

/** Looks a channel up by ChannelARN or ChannelName (exactly one of them may be given where both are allowed). */
export function findChannel(body: Body, ctx: OpContext, allowName: boolean): Channel {
  const arn = optStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: ARN });
  const name = allowName ? optStr(body, 'ChannelName', { min: 1, max: 256, pattern: NAME }) : undefined;
  if (arn === undefined && name === undefined) {
    throw kvsErrors.invalidArgument(
      allowName ? 'Either ChannelName or ChannelARN must be specified.' : 'ChannelARN must be specified.',
    );
  }
  if (arn !== undefined && name !== undefined) {
    throw kvsErrors.invalidArgument('Specify either ChannelName or ChannelARN, not both.');
  }
  const channel = arn !== undefined ? ctx.store.channelByArn(arn) : ctx.store.channelByName(name!);
  // Real service: a channel that is DELETING is "not found or not active" to Describe/GetEndpoint.
  if (!channel || channel.status === 'DELETING') throw kvsErrors.resourceNotFound();
  return channel;
}

const createSignalingChannel: Operation = (body, ctx) => {
  const name = reqStr(body, 'ChannelName', { min: 1, max: 256, pattern: NAME });
  const type = optEnum(body, 'ChannelType', ['SINGLE_MASTER', 'FULL_MESH'] as const) ?? 'SINGLE_MASTER';
  if (type === 'FULL_MESH') throw kvsErrors.invalidArgument('ChannelType FULL_MESH is not supported.');
  const smc = optObj(body, 'SingleMasterConfiguration');
  const ttl = smc ? optInt(smc, 'MessageTtlSeconds', 5, 120) : undefined;
  const tagsIn = optList(body, 'Tags', 0, 50);
  const tags = tagsIn ? tagList(tagsIn, 'Tags') : {};
  if (ctx.store.channelByName(name))
    throw kvsErrors.resourceInUse(`The signaling channel ${name} already exists.`);
  if (ctx.store.channelCount() >= ctx.limits.maxChannels) throw kvsErrors.accountChannelLimit();
  return { ChannelARN: addChannelRecord(ctx.store, name, ctx.now(), { ttl, tags, type }).arn };
};

/** Creates a channel record (also used for the simulated cameras' channels); the name must be free. */
export function addChannelRecord(
  store: KvsStore,
  name: string,
  now: number,
  extra: { ttl?: number | undefined; tags?: Record<string, string>; type?: Channel['type'] } = {},
): Channel {
  const channel: Channel = {
    name,
    arn: store.makeArn('channel', name),
    type: extra.type ?? 'SINGLE_MASTER',
    status: 'ACTIVE',
    creationTime: now,
    messageTtlSeconds: extra.ttl ?? 60,
    version: newVersion(),
    tags: extra.tags ?? {},
    storage: { status: 'DISABLED', streamArn: null },
  };
  store.addChannel(channel);
  return channel;
}

const describeSignalingChannel: Operation = (body, ctx) => ({
  ChannelInfo: channelInfo(findChannel(body, ctx, true)),
});

const listSignalingChannels: Operation = (body, ctx) => {
  const { page, nextToken } = pageByName(body, ctx.store.channels(), 'ChannelNameCondition', 500);
  const result: Body = { ChannelInfoList: page.map(channelInfo) };
  if (nextToken) result.NextToken = nextToken;
  return result;
};

function checkVersion(channel: Channel, version: string | undefined): void {
  if (version !== undefined && version !== channel.version) throw kvsErrors.versionMismatch();
}

const deleteSignalingChannel: Operation = (body, ctx) => {
  reqStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: ARN });
  const channel = findChannel(body, ctx, false);
  checkVersion(channel, optStr(body, 'CurrentVersion', { min: 1, max: 64, pattern: VERSION }));
  ctx.store.removeChannel(channel);
  return {};
};

const updateSignalingChannel: Operation = (body, ctx) => {
  reqStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: ARN });
  const version = reqStr(body, 'CurrentVersion', { min: 1, max: 64, pattern: VERSION });
  const smc = optObj(body, 'SingleMasterConfiguration');
  const ttl = smc ? optInt(smc, 'MessageTtlSeconds', 5, 120) : undefined;
  const channel = findChannel(body, ctx, false);
  checkVersion(channel, version);
  if (ttl !== undefined) channel.messageTtlSeconds = ttl;
  channel.version = newVersion();
  ctx.store.changed();
  return {};
};

const getSignalingChannelEndpoint: Operation = (body, ctx) => {
  reqStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: ARN });
  const cfg = optObj(body, 'SingleMasterChannelEndpointConfiguration') ?? {};
  const protocols = (optList(cfg, 'Protocols', 1, 5) ?? ['WSS', 'HTTPS']).map((p, i) => {
    if (p !== 'WSS' && p !== 'HTTPS' && p !== 'WEBRTC') {
      throw kvsErrors.invalidArgument(
        `1 validation error detected: Value at 'singleMasterChannelEndpointConfiguration.protocols.${i + 1}' failed to satisfy constraint: Member must satisfy enum value set: [WSS, HTTPS, WEBRTC]`,
      );
    }
    return p;
  });
  const role = optEnum(cfg, 'Role', ['MASTER', 'VIEWER'] as const) ?? 'MASTER';
  const channel = findChannel(body, ctx, false);
  if (protocols.includes('WEBRTC') && channel.storage.status !== 'ENABLED') {
    throw kvsErrors.invalidArgument(
      'The WEBRTC protocol can only be requested for a signaling channel with media storage configuration ENABLED.',
    );
  }
  const endpoints = [...new Set(protocols)].map((protocol) => ({
    Protocol: protocol,
    ResourceEndpoint: channelEndpoint(
      ctx.urls,
      protocol === 'WSS' ? (role === 'MASTER' ? 'm' : 'v') : protocol === 'HTTPS' ? 'r' : 'w',
      channel.arn,
    ),
  }));
  return { ResourceEndpointList: endpoints };
};

const describeMediaStorageConfiguration: Operation = (body, ctx) => {
  const channel = findChannel(body, ctx, true);
  return {
    MediaStorageConfiguration: { Status: channel.storage.status, StreamARN: channel.storage.streamArn },
  };
};

const updateMediaStorageConfiguration: Operation = (body, ctx) => {
  reqStr(body, 'ChannelARN', { min: 1, max: 1024, pattern: ARN });
  const cfg = optObj(body, 'MediaStorageConfiguration');
  if (!cfg)
    throw kvsErrors.invalidArgument(
      "1 validation error detected: Value at 'mediaStorageConfiguration' failed to satisfy constraint: Member must not be null",
    );
  const status = reqEnum(cfg, 'Status', ['ENABLED', 'DISABLED'] as const);
  const streamArn = optStr(cfg, 'StreamARN', { min: 1, max: 1024, pattern: ARN });
  const channel = findChannel(body, ctx, false);
  if (status === 'DISABLED') {
    channel.storage = { status: 'DISABLED', streamArn: null };
  } else {
    if (streamArn === undefined)
      throw kvsErrors.invalidArgument('StreamARN is required when Status is ENABLED.');
    const stream = ctx.store.streamByArn(streamArn);
    if (!stream || stream.status !== 'ACTIVE')
      throw kvsErrors.resourceNotFound('The requested stream is not found or not active.');
    if (stream.dataRetentionInHours <= 0) {
      throw kvsErrors.noDataRetention(
        'The stream has no data retention; set DataRetentionInHours > 0 to use it for media storage.',
      );
    }
    const other = ctx.store.channels().find((c) => c !== channel && c.storage.streamArn === streamArn);
    if (other)
      throw kvsErrors.resourceInUse(`The stream is already mapped to the signaling channel ${other.name}.`);
    const enabled = ctx.store
      .channels()
      .filter((c) => c !== channel && c.storage.status === 'ENABLED').length;
    if (enabled >= ctx.limits.maxStorageChannels) {
      throw kvsErrors.resourceInUse(
        `At most ${ctx.limits.maxStorageChannels} channels can have media storage ENABLED.`,
      );
    }
    channel.storage = { status: 'ENABLED', streamArn };
  }
  channel.version = newVersion();
  ctx.store.changed();
  ctx.store.emit('storageChanged', channel);
  return {};
};

export const channelOperations: Record<string, Operation> = {
  CreateSignalingChannel: createSignalingChannel,
  DescribeSignalingChannel: describeSignalingChannel,
  ListSignalingChannels: listSignalingChannels,
  DeleteSignalingChannel: deleteSignalingChannel,
  UpdateSignalingChannel: updateSignalingChannel,
  GetSignalingChannelEndpoint: getSignalingChannelEndpoint,
  DescribeMediaStorageConfiguration: describeMediaStorageConfiguration,
  UpdateMediaStorageConfiguration: updateMediaStorageConfiguration,
};
