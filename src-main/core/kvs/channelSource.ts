import {
  ListSignalingChannelsCommand,
  ListTagsForResourceCommand,
  type ChannelInfo,
} from '@aws-sdk/client-kinesis-video';
import type { IpcFailure } from '../../../src-shared/ipc/errors';
import type { ChannelSource, RemoteChannel, StorageConfig } from '../types';
import type { KvsClientFactory } from './clients';
import { toIpcFailure } from './errors';
import { SYNC_RETRY, callKvs, type CallDeps } from './retry';
import { channelRegion, type ProfileScope } from './scope';
import type { StorageCalls } from './storage';

/**
 * The catalog sync's view of KVS (types.ts ChannelSource): ListSignalingChannels pages, the storage
 * configuration and tags of one channel. Background work, so throttling (50 TPS per account for these
 * operations, kvs-reference §5) is waited out with the longer SYNC_RETRY backoff.
 */

/** The documented default page size for channels (§1.1); the model allows up to 10 000. */
export const LIST_PAGE_SIZE = 500;
/** Tags are ≤ 50 per resource (§1.1), so more than a few pages means a broken NextToken loop. */
const MAX_TAG_PAGES = 10;

const STATUSES = new Set<RemoteChannel['status']>(['CREATING', 'ACTIVE', 'UPDATING', 'DELETING']);

/** ChannelInfo → RemoteChannel; entries without an ARN or name are dropped (nothing to key them by). */
export function toRemoteChannel(info: ChannelInfo): RemoteChannel | null {
  if (!info.ChannelARN || !info.ChannelName) return null;
  const status = STATUSES.has(info.ChannelStatus as RemoteChannel['status'])
    ? (info.ChannelStatus as RemoteChannel['status'])
    : 'ACTIVE';
  return {
    arn: info.ChannelARN,
    name: info.ChannelName,
    status,
    type: info.ChannelType ?? 'SINGLE_MASTER',
    createdAt: info.CreationTime ? info.CreationTime.getTime() : null,
    version: info.Version ?? null,
    messageTtlSeconds: info.SingleMasterConfiguration?.MessageTtlSeconds ?? null,
  };
}

/** What KvsChannelSource needs from the service. */
export interface ChannelSourceDeps {
  /** The active profile now (the sync follows a profile switch like everything else). */
  scope(): ProfileScope;
  clients: KvsClientFactory;
  call: CallDeps;
  storage: StorageCalls;
  timeoutMs: number;
  /** Told about every failure (the service drops its clients when credentials were refused). */
  onFailure?(failure: IpcFailure): void;
}

/** ChannelSource over the SDK clients of the active profile. */
export class KvsChannelSource implements ChannelSource {
  constructor(private readonly deps: ChannelSourceDeps) {}

  listPage(
    region: string,
    nextToken: string | undefined,
    signal: AbortSignal,
  ): Promise<{ channels: RemoteChannel[]; nextToken?: string }> {
    return this.observed(this.page(region, nextToken, signal));
  }

  describeStorage(channelArn: string, signal: AbortSignal): Promise<StorageConfig> {
    return this.observed(this.deps.storage.describe(this.deps.scope(), channelArn, signal, SYNC_RETRY, true));
  }

  listTags(channelArn: string, signal: AbortSignal): Promise<Record<string, string>> {
    return this.observed(this.tags(channelArn, signal));
  }

  private async observed<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      const failure = toIpcFailure(err);
      this.deps.onFailure?.(failure);
      throw failure;
    }
  }

  private async page(
    region: string,
    nextToken: string | undefined,
    signal: AbortSignal,
  ): Promise<{ channels: RemoteChannel[]; nextToken?: string }> {
    const scope = this.deps.scope();
    const client = this.deps.clients.control(scope.profile, region);
    const out = await callKvs(
      this.deps.call,
      {
        operation: 'ListSignalingChannels',
        profileId: scope.profile.id,
        timeoutMs: this.deps.timeoutMs,
        retry: SYNC_RETRY,
        signal,
      },
      (abortSignal) =>
        client.send(
          new ListSignalingChannelsCommand({
            MaxResults: LIST_PAGE_SIZE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
          { abortSignal },
        ),
    );
    const channels = (out.ChannelInfoList ?? [])
      .map(toRemoteChannel)
      .filter((c): c is RemoteChannel => c !== null);
    // §1.2: the paginator stops on a missing or empty NextToken.
    return out.NextToken ? { channels, nextToken: out.NextToken } : { channels };
  }

  private async tags(channelArn: string, signal: AbortSignal): Promise<Record<string, string>> {
    const scope = this.deps.scope();
    const region = channelRegion(channelArn);
    // The bulk client (one call per channel): no per-call options, see clients.ts.
    const bulk = this.deps.clients.bulkControl?.(scope.profile, region);
    const client = bulk ?? this.deps.clients.control(scope.profile, region);
    // A Map, not `{}`: a tag key is service data and could be `__proto__`.
    const tags = new Map<string, string>();
    let token: string | undefined;
    for (let page = 0; page < MAX_TAG_PAGES; page++) {
      const out = await callKvs(
        this.deps.call,
        {
          operation: 'ListTagsForResource',
          channelArn,
          profileId: scope.profile.id,
          timeoutMs: this.deps.timeoutMs,
          retry: SYNC_RETRY,
          signal,
        },
        (abortSignal) => {
          const command = new ListTagsForResourceCommand({
            ResourceARN: channelArn,
            ...(token ? { NextToken: token } : {}),
          });
          return bulk ? bulk.send(command) : client.send(command, { abortSignal });
        },
      );
      for (const [k, v] of Object.entries(out.Tags ?? {})) tags.set(k, v);
      token = out.NextToken || undefined;
      if (!token) break;
    }
    return Object.fromEntries(tags);
  }
}
