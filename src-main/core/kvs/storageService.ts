import type { ParsedReq, Res } from '../../../src-shared/ipc/contract';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import { parseArn } from '../../../src-shared/kvs/validate';
import type { Logger } from '../types';
import type { ClientIds } from './clientIds';
import type { EndpointResolver, SignalingRole } from './endpoints';
import { channelRegion, type ProfileScope } from './scope';
import { storageNotEnabled, type StorageCalls } from './storage';
import type { Stream, StreamCalls } from './streams';

/** What the storage handlers share with the rest of KvsService (kvsService.ts builds it). */
export interface StorageContext {
  /** The active profile's scope (a profile change clears the caches first). */
  scope(): ProfileScope;
  /** Runs `work` with KvsService's failure handling: typed errors, a gone channel's caches dropped. */
  forChannel<T>(scope: ProfileScope, channelArn: string, work: () => Promise<T>): Promise<T>;
  endpoints: EndpointResolver;
  calls: StorageCalls;
  streams: StreamCalls;
  clientIds: ClientIds;
  log: Logger;
}

/**
 * The `storage:*` side of the kvs module (kvs-reference §1.2, §3, §6): the channel's media storage
 * configuration, the streams it can record into, and joining its storage session as a viewer or as the
 * publishing master. Shares clients, caches and the active profile with KvsService.
 */
export class KvsStorageService {
  constructor(private readonly ctx: StorageContext) {}

  /** `storage:describe`: DescribeMediaStorageConfiguration, asked afresh. */
  async describe(req: ParsedReq<'storage:describe'>, signal?: AbortSignal): Promise<Res<'storage:describe'>> {
    channelRegion(req.channelArn);
    const scope = this.ctx.scope();
    const config = await this.ctx.forChannel(scope, req.channelArn, () =>
      this.ctx.calls.describe(scope, req.channelArn, signal),
    );
    const streamName = config.streamArn ? (parseArn(config.streamArn)?.name ?? null) : null;
    return { status: config.status, streamArn: config.streamArn, streamName };
  }

  /** `storage:update`: enables/disables media storage (storage.ts checks conflicts first). */
  async update(req: ParsedReq<'storage:update'>, signal?: AbortSignal): Promise<Res<'storage:update'>> {
    channelRegion(req.channelArn);
    if (req.confirmed !== true) {
      throw new IpcFailure('InvalidArgument', 'Changing media storage needs the operator to confirm it.');
    }
    const scope = this.ctx.scope();
    const config = await this.ctx.forChannel(scope, req.channelArn, () =>
      this.ctx.calls.update(
        scope,
        req.channelArn,
        { enabled: req.enabled, streamArn: req.streamArn },
        signal,
      ),
    );
    // The WEBRTC endpoint appears or goes, and P2P signaling stops or resumes (§6.1).
    this.ctx.endpoints.invalidate(scope, req.channelArn);
    this.ctx.log.info('kvs: media storage changed', {
      channelArn: req.channelArn,
      status: config.status,
      streamArn: config.streamArn,
    });
    return { status: config.status, streamArn: config.streamArn };
  }

  /** `storage:listStreams`: the streams the channel's storage can record into (its account and region). */
  async listStreams(
    req: ParsedReq<'storage:listStreams'>,
    signal?: AbortSignal,
  ): Promise<{ streams: Stream[]; truncated: boolean }> {
    const region = channelRegion(req.channelArn);
    const scope = this.ctx.scope();
    return this.ctx.forChannel(scope, req.channelArn, () => this.ctx.streams.list(scope, region, signal));
  }

  /** `storage:createStream`: CreateStream in the channel's region. */
  async createStream(req: ParsedReq<'storage:createStream'>, signal?: AbortSignal): Promise<Stream> {
    const region = channelRegion(req.channelArn);
    const scope = this.ctx.scope();
    const stream = await this.ctx.forChannel(scope, req.channelArn, () =>
      this.ctx.streams.create(scope, region, { name: req.name, retentionHours: req.retentionHours }, signal),
    );
    this.ctx.log.info('kvs: stream created', {
      streamArn: stream.arn,
      retentionHours: stream.retentionHours,
    });
    return stream;
  }

  /** `storage:joinAsViewer`: JoinStorageSessionAsViewer with the tile's ClientId (§6.3). */
  async joinAsViewer(
    req: ParsedReq<'storage:joinAsViewer'>,
    signal?: AbortSignal,
  ): Promise<Res<'storage:joinAsViewer'>> {
    channelRegion(req.channelArn);
    const clientId = this.ctx.clientIds.forTile(req.tileId);
    await this.join(req.channelArn, 'VIEWER', signal, (scope, webrtc) =>
      this.ctx.calls.joinAsViewer(scope, req.channelArn, clientId, webrtc, signal),
    );
    return {};
  }

  /** `storage:joinAsMaster`: JoinStorageSession when this console publishes as the channel's master (§6.2). */
  async joinAsMaster(
    req: ParsedReq<'storage:joinAsMaster'>,
    signal?: AbortSignal,
  ): Promise<Res<'storage:joinAsMaster'>> {
    channelRegion(req.channelArn);
    await this.join(req.channelArn, 'MASTER', signal, (scope, webrtc) =>
      this.ctx.calls.joinAsMaster(scope, req.channelArn, webrtc, signal),
    );
    return {};
  }

  /**
   * A storage-session join on the channel's WEBRTC endpoint: only while storage is ENABLED; an
   * InvalidArgument that turns out to mean "storage was disabled meanwhile" says so (§3).
   */
  private async join(
    channelArn: string,
    role: SignalingRole,
    signal: AbortSignal | undefined,
    run: (scope: ProfileScope, webrtcEndpoint: string) => Promise<void>,
  ): Promise<void> {
    const scope = this.ctx.scope();
    await this.ctx.forChannel(scope, channelArn, async () => {
      const config = await this.ctx.calls.status(scope, channelArn, signal);
      if (config.status !== 'ENABLED') throw storageNotEnabled();
      const { endpoints } = await this.ctx.endpoints.resolve(scope, channelArn, role, true, signal);
      try {
        await run(scope, endpoints.webrtc!);
      } catch (err) {
        // §3: InvalidArgument also means "not mapped to a stream" — storage was disabled meanwhile?
        if (!(err instanceof IpcFailure) || err.code !== 'InvalidArgument') throw err;
        this.ctx.calls.invalidate(scope, channelArn);
        this.ctx.endpoints.invalidate(scope, channelArn);
        const fresh = await this.ctx.calls.describe(scope, channelArn, signal);
        throw fresh.status === 'ENABLED' ? err : storageNotEnabled();
      }
    });
  }
}
