import {
  DescribeMediaStorageConfigurationCommand,
  UpdateMediaStorageConfigurationCommand,
} from '@aws-sdk/client-kinesis-video';
import {
  JoinStorageSessionAsViewerCommand,
  JoinStorageSessionCommand,
} from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import { STORAGE_CHANNEL_ARN_PATTERN, parseArn } from '../../../src-shared/kvs/validate';
import type { StorageConfig } from '../types';
import type { KvsClientFactory } from './clients';
import { SingleFlight } from './flight';
import { CONTROL_RETRY, STORAGE_RETRY, callKvs, type CallDeps, type RetryPolicy } from './retry';
import { channelPrefix, channelRegion, type ProfileScope } from './scope';

/**
 * Media storage (kvs-reference §1.2, §3, §6): Describe/UpdateMediaStorageConfiguration on the control plane,
 * JoinStorageSession[AsViewer] on the channel's WEBRTC endpoint with the JS sample's retry rules (§6.2:
 * 6 s per call, ≤5 retries with min(rand·200^(n−1), 10 s), only throttling/network/5xx — never "maximum
 * number of viewers").
 */

/** What StorageCalls needs: clients, call runner, timeouts and the status TTL. */
export interface StorageDeps {
  clients: KvsClientFactory;
  call: CallDeps;
  /** Per-call timeout of the control-plane calls. */
  controlTimeoutMs: number;
  /** Per-call timeout of the Join calls (§6.2: 6 s). */
  joinTimeoutMs: number;
  /** How long a described status is reused by prepareViewer (Describe is 5 TPS per channel, §5). */
  statusTtlMs: number;
}

const MAX_STATUS_ENTRIES = 4_096;

/** The storage model's stricter ARN pattern (§3): checked here so the refusal names the reason. */
function assertStorageArn(channelArn: string): void {
  if (!STORAGE_CHANNEL_ARN_PATTERN.test(channelArn)) {
    throw new IpcFailure('InvalidArgument', "Storage sessions need a channel ARN in an 'aws' partition.");
  }
}

/** The failure of a storage-session call on a channel whose media storage is not ENABLED. */
export function storageNotEnabled(): IpcFailure {
  return new IpcFailure(
    'StorageNotEnabled',
    'Media storage is not enabled on this channel. Enable it (with a stream) before joining its storage session.',
  );
}

function toConfig(status: string | undefined, streamArn: string | null | undefined): StorageConfig {
  return { status: status === 'ENABLED' ? 'ENABLED' : 'DISABLED', streamArn: streamArn ?? null };
}

/** The storage calls of one app, with a short-lived per-channel status cache. */
export class StorageCalls {
  private readonly statuses = new Map<string, { value: StorageConfig; expiresAt: number }>();
  private readonly flights = new SingleFlight<StorageConfig>();

  constructor(private readonly deps: StorageDeps) {}

  /**
   * DescribeMediaStorageConfiguration, always asked afresh; refreshes the status cache. `bulk` (the catalog
   * sync) uses the factory's bulk client when it has one: no per-call options, abandoned rather than
   * aborted on cancel (clients.ts `bulkControl`).
   */
  async describe(
    scope: ProfileScope,
    channelArn: string,
    signal?: AbortSignal,
    retry: RetryPolicy = CONTROL_RETRY,
    bulk = false,
  ): Promise<StorageConfig> {
    const region = channelRegion(channelArn);
    const bulkClient = bulk ? this.deps.clients.bulkControl?.(scope.profile, region) : undefined;
    const client = bulkClient ?? this.deps.clients.control(scope.profile, region);
    const out = await callKvs(
      this.deps.call,
      {
        operation: 'DescribeMediaStorageConfiguration',
        channelArn,
        profileId: scope.profile.id,
        timeoutMs: this.deps.controlTimeoutMs,
        retry,
        signal,
      },
      (abortSignal) => {
        const command = new DescribeMediaStorageConfigurationCommand({ ChannelARN: channelArn });
        return bulkClient ? bulkClient.send(command) : client.send(command, { abortSignal });
      },
    );
    // §1.2: a never-configured channel answers DISABLED with a JSON null StreamARN.
    const config = toConfig(out.MediaStorageConfiguration?.Status, out.MediaStorageConfiguration?.StreamARN);
    this.remember(scope, channelArn, config);
    return config;
  }

  /** The storage status, reused for `statusTtlMs` and shared by concurrent callers (a wall opening). */
  async status(scope: ProfileScope, channelArn: string, signal?: AbortSignal): Promise<StorageConfig> {
    const key = StorageCalls.key(scope, channelArn);
    const hit = this.statuses.get(key);
    if (hit && hit.expiresAt > this.deps.call.clock.now()) return hit.value;
    return this.flights.run(key, () => this.describe(scope, channelArn), signal);
  }

  /**
   * Enables (with a stream) or disables media storage, after checking the current state: enabling
   * onto the stream already configured is a no-op; switching an ENABLED channel to another stream is a
   * Conflict (disable first, so the operator sees the recording stop); the stream must be in the
   * channel's account and region (§6.1).
   */
  async update(
    scope: ProfileScope,
    channelArn: string,
    change: { enabled: boolean; streamArn?: string | undefined },
    signal?: AbortSignal,
  ): Promise<StorageConfig> {
    if (change.enabled) {
      if (!change.streamArn) {
        throw new IpcFailure(
          'InvalidArgument',
          'Choose the stream to record into before enabling media storage.',
        );
      }
      const channel = parseArn(channelArn);
      const stream = parseArn(change.streamArn);
      if (!channel || stream?.resourceType !== 'stream') {
        throw new IpcFailure('InvalidArgument', 'streamArn is not a Kinesis Video stream ARN.');
      }
      if (stream.region !== channel.region || stream.accountId !== channel.accountId) {
        throw new IpcFailure(
          'InvalidArgument',
          `The stream must be in the channel's account and region (${channel.accountId}, ${channel.region}).`,
        );
      }
    }
    const current = await this.describe(scope, channelArn, signal);
    if (change.enabled) {
      if (current.status === 'ENABLED' && current.streamArn === change.streamArn) return current;
      if (current.status === 'ENABLED') {
        const name = current.streamArn
          ? (parseArn(current.streamArn)?.name ?? current.streamArn)
          : 'another stream';
        throw new IpcFailure(
          'Conflict',
          `Media storage is already enabled into '${name}'. Disable it first, then enable it with the new stream.`,
        );
      }
    } else if (current.status === 'DISABLED') {
      return current;
    }
    const next: StorageConfig = change.enabled
      ? { status: 'ENABLED', streamArn: change.streamArn ?? null }
      : { status: 'DISABLED', streamArn: null };
    const client = this.deps.clients.control(scope.profile, channelRegion(channelArn));
    await callKvs(
      this.deps.call,
      {
        operation: 'UpdateMediaStorageConfiguration',
        channelArn,
        profileId: scope.profile.id,
        timeoutMs: this.deps.controlTimeoutMs,
        retry: CONTROL_RETRY,
        signal,
      },
      (abortSignal) =>
        client.send(
          new UpdateMediaStorageConfigurationCommand({
            ChannelARN: channelArn,
            MediaStorageConfiguration: {
              Status: next.status,
              ...(next.streamArn ? { StreamARN: next.streamArn } : {}),
            },
          }),
          { abortSignal },
        ),
    );
    this.remember(scope, channelArn, next);
    return next;
  }

  /** JoinStorageSessionAsViewer `{channelArn, clientId}` on the VIEWER role's WEBRTC endpoint (§3, §6.3). */
  async joinAsViewer(
    scope: ProfileScope,
    channelArn: string,
    clientId: string,
    webrtcEndpoint: string,
    signal?: AbortSignal,
  ): Promise<void> {
    assertStorageArn(channelArn);
    const client = this.deps.clients.storage(scope.profile, channelRegion(channelArn), webrtcEndpoint);
    await callKvs(
      this.deps.call,
      this.joinSpec(scope, channelArn, 'JoinStorageSessionAsViewer', signal),
      (abortSignal) =>
        client.send(new JoinStorageSessionAsViewerCommand({ channelArn, clientId }), { abortSignal }),
    );
  }

  /** JoinStorageSession `{channelArn}` on the MASTER role's WEBRTC endpoint (§3, §6.2). */
  async joinAsMaster(
    scope: ProfileScope,
    channelArn: string,
    webrtcEndpoint: string,
    signal?: AbortSignal,
  ): Promise<void> {
    assertStorageArn(channelArn);
    const client = this.deps.clients.storage(scope.profile, channelRegion(channelArn), webrtcEndpoint);
    await callKvs(
      this.deps.call,
      this.joinSpec(scope, channelArn, 'JoinStorageSession', signal),
      (abortSignal) => client.send(new JoinStorageSessionCommand({ channelArn }), { abortSignal }),
    );
  }

  invalidate(scope: ProfileScope, channelArn: string): void {
    const key = StorageCalls.key(scope, channelArn);
    this.statuses.delete(key);
    this.flights.forget(key);
  }

  clear(): void {
    this.statuses.clear();
  }

  private static key(scope: ProfileScope, channelArn: string): string {
    return `${channelPrefix(scope, channelArn)}storage`;
  }

  private remember(scope: ProfileScope, channelArn: string, value: StorageConfig): void {
    if (this.statuses.size >= MAX_STATUS_ENTRIES) this.statuses.clear();
    this.statuses.set(StorageCalls.key(scope, channelArn), {
      value,
      expiresAt: this.deps.call.clock.now() + this.deps.statusTtlMs,
    });
  }

  private joinSpec(
    scope: ProfileScope,
    channelArn: string,
    operation: string,
    signal: AbortSignal | undefined,
  ) {
    return {
      operation,
      channelArn,
      profileId: scope.profile.id,
      timeoutMs: this.deps.joinTimeoutMs,
      retry: STORAGE_RETRY,
      signal,
    };
  }
}
