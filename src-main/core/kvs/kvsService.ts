import type { ParsedReq, Res } from '../../../src-shared/ipc/contract';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { ActiveProfile, ChannelSource, ExpiringCache, Logger, StorageConfig } from '../types';
import { KvsChannelSource } from './channelSource';
import { ClientIds } from './clientIds';
import { SdkClientFactory, type KvsClientFactory } from './clients';
import { systemClock, type Clock } from './clock';
import { EndpointResolver, type SignalingRole } from './endpoints';
import { toIpcFailure } from './errors';
import { IceServerCache } from './ice';
import { ConnectPacer, type PacerOptions } from './pacer';
import {
  checkMasterSignQuery,
  checkSignEndpoint,
  checkSignQuery,
  presignConnectUrl,
  signingDateOf,
  type PresignInput,
} from './presign';
import type { CallDeps } from './retry';
import { channelRegion, scopeOf, type ProfileScope } from './scope';
import { StorageCalls, storageNotEnabled } from './storage';
import { KvsStorageService } from './storageService';
import { StreamCalls } from './streams';

/**
 * The kvs module's face to the IPC handlers (design.md "Main flows" 1 and 3): everything a tile needs
 * before it opens signaling, the presigner behind its RequestSigner, and the storage calls. It reads the
 * active profile on every call, so a profile switch changes clients and caches at once.
 */

/** Tunables of the service; the defaults follow kvs-reference §2, §5 and §6.2. */
export interface KvsServiceOptions {
  /** How long resolved endpoints are reused (they are stable per channel; 404 and connect failures drop them). */
  endpointTtlMs: number;
  /** How long prepareViewer reuses a described storage status. */
  storageStatusTtlMs: number;
  /** Per-attempt timeout of control-plane and signaling HTTPS calls. */
  controlTimeoutMs: number;
  /** Per-attempt timeout of JoinStorageSession[AsViewer] (§6.2: 6 s). */
  joinTimeoutMs: number;
  pacer: Partial<PacerOptions>;
}

/** 1 h endpoints, 10 s storage status, 10 s control calls, 6 s joins (§6.2). */
export const DEFAULT_KVS_OPTIONS: KvsServiceOptions = {
  endpointTtlMs: 60 * 60_000,
  storageStatusTtlMs: 10_000,
  controlTimeoutMs: 10_000,
  joinTimeoutMs: 6_000,
  pacer: {},
};

/** What the composition root (core/app.ts) hands the service. */
export interface KvsServiceDeps {
  /** The profile every call uses now; throw IpcFailure('CredentialsMissing') when there is none. */
  getActive(): ActiveProfile;
  /** Persisted endpoint/ICE cache (the catalog's), or MemoryExpiringCache. */
  cache: ExpiringCache;
  /** This console install's random id (ClientIds are `wf-<first 8>-<tileId>`). */
  installId: string;
  log: Logger;
  clock?: Clock;
  random?: () => number;
  clients?: KvsClientFactory;
  options?: Partial<KvsServiceOptions>;
}

type PrepareResult = Res<'kvs:prepareViewer'>;

function sameProfile(a: ActiveProfile, b: ActiveProfile): boolean {
  return (
    a.id === b.id && a.region === b.region && a.endpoint === b.endpoint && a.credentials === b.credentials
  );
}

/**
 * Failures a stale cached endpoint would cause: the host is gone (DNS, refused: Offline) or answers 404 /
 * an unknown path. Genuinely offline, the one re-resolution fails as Offline too, just later.
 */
function staleEndpointSymptom(err: unknown): boolean {
  return (
    err instanceof IpcFailure &&
    (err.code === 'ChannelNotFound' || err.code === 'Internal' || err.code === 'Offline')
  );
}

/** See the file comment; one instance per app, shared by every tile. */
export class KvsService {
  readonly clientIds: ClientIds;
  private readonly clock: Clock;
  private readonly clients: KvsClientFactory;
  private readonly call: CallDeps;
  private readonly pacer: ConnectPacer;
  private readonly endpoints: EndpointResolver;
  private readonly ice: IceServerCache;
  private readonly storageCalls: StorageCalls;
  /** The `storage:*` handlers' side (storageService.ts). */
  readonly storage: KvsStorageService;
  private readonly source: KvsChannelSource;
  private current: ProfileScope | undefined;

  constructor(private readonly deps: KvsServiceDeps) {
    const options = { ...DEFAULT_KVS_OPTIONS, ...deps.options };
    this.clock = deps.clock ?? systemClock;
    this.clientIds = new ClientIds(deps.installId);
    this.clients = deps.clients ?? new SdkClientFactory();
    this.call = { clock: this.clock, random: deps.random ?? Math.random, log: deps.log };
    this.pacer = new ConnectPacer(this.clock, options.pacer);
    const common = {
      cache: deps.cache,
      clients: this.clients,
      call: this.call,
      timeoutMs: options.controlTimeoutMs,
    };
    this.endpoints = new EndpointResolver({ ...common, ttlMs: options.endpointTtlMs });
    this.ice = new IceServerCache(common);
    this.storageCalls = new StorageCalls({
      clients: this.clients,
      call: this.call,
      controlTimeoutMs: options.controlTimeoutMs,
      joinTimeoutMs: options.joinTimeoutMs,
      statusTtlMs: options.storageStatusTtlMs,
    });
    this.storage = new KvsStorageService({
      scope: () => this.scope(),
      forChannel: (scope, arn, work) => this.forChannel(scope, arn, work),
      endpoints: this.endpoints,
      calls: this.storageCalls,
      streams: new StreamCalls({
        clients: this.clients,
        call: this.call,
        controlTimeoutMs: options.controlTimeoutMs,
      }),
      clientIds: this.clientIds,
      log: deps.log,
    });
    this.source = new KvsChannelSource({
      scope: () => this.scope(),
      clients: this.clients,
      call: this.call,
      storage: this.storageCalls,
      timeoutMs: options.controlTimeoutMs,
      onFailure: (failure) => this.credentialsRefused(failure),
    });
  }

  /** The catalog sync's ChannelSource, over the same clients and active profile. */
  get channelSource(): ChannelSource {
    return this.source;
  }

  /**
   * `kvs:prepareViewer`: storage status, the VIEWER endpoints (with WEBRTC when storage is ENABLED), ICE
   * servers and the tile's stable ClientId. Runs within the global concurrency cap.
   */
  async prepareViewer(req: ParsedReq<'kvs:prepareViewer'>, signal?: AbortSignal): Promise<PrepareResult> {
    const region = channelRegion(req.channelArn);
    const clientId = this.clientIds.forTile(req.tileId);
    const scope = this.scope();
    const arn = req.channelArn;
    return this.pacer.run(
      () =>
        this.forChannel(scope, arn, async () => {
          // The P2P endpoints and ICE are asked while the storage status is: the common case costs one
          // round trip less, and a storage-enabled channel adds its WEBRTC endpoint afterwards.
          const [storage, p2p] = await Promise.all([
            this.viewerStorage(scope, arn, signal),
            this.endpointsAndIce(scope, arn, 'VIEWER', false, signal),
          ]);
          const enabled = storage.status === 'ENABLED';
          const { endpoints, ice } = enabled
            ? await this.endpointsAndIce(scope, arn, 'VIEWER', true, signal)
            : p2p;
          return {
            clientId,
            region,
            endpoints: {
              wss: endpoints.wss,
              https: endpoints.https,
              webrtc: enabled ? endpoints.webrtc : null,
            },
            iceServers: ice.servers,
            storage: { status: storage.status, streamArn: storage.streamArn },
          };
        }),
      signal,
    );
  }

  /**
   * `kvs:preparePublisher`: the MASTER endpoints (WSS, HTTPS, WEBRTC) and ICE servers of a storage-enabled
   * channel this station is about to publish to (§6.2 steps 1–2). StorageNotEnabled otherwise.
   */
  async preparePublisher(
    req: ParsedReq<'kvs:preparePublisher'>,
    signal?: AbortSignal,
  ): Promise<Res<'kvs:preparePublisher'>> {
    const region = channelRegion(req.channelArn);
    const scope = this.scope();
    const arn = req.channelArn;
    return this.pacer.run(
      () =>
        this.forChannel(scope, arn, async () => {
          const storage = await this.storageCalls.describe(scope, arn, signal);
          if (storage.status !== 'ENABLED') throw storageNotEnabled();
          const { endpoints, ice } = await this.endpointsAndIce(scope, arn, 'MASTER', true, signal);
          return {
            region,
            endpoints: { wss: endpoints.wss, https: endpoints.https, webrtc: endpoints.webrtc! },
            iceServers: ice.servers,
            storage: { status: storage.status, streamArn: storage.streamArn },
          };
        }),
      signal,
    );
  }

  /**
   * `kvs:signMasterUrl`: presigns one ConnectAsMaster URL — only for the MASTER WSS endpoint main resolved
   * for this channel (by preparePublisher), only with `X-Amz-ChannelARN`, paced like viewer connects.
   */
  async signMasterUrl(
    req: ParsedReq<'kvs:signMasterUrl'>,
    signal?: AbortSignal,
  ): Promise<Res<'kvs:signMasterUrl'>> {
    const region = channelRegion(req.channelArn);
    const arn = req.channelArn;
    checkMasterSignQuery(req.queryParams, arn);
    const signingDate = signingDateOf(req.signingDate, this.clock.now());
    const scope = this.scope();
    const wss = this.endpoints.cached(scope, arn, 'MASTER')?.wss;
    if (wss === undefined) {
      throw new IpcFailure('InvalidArgument', 'Prepare the publisher for this channel before connecting.');
    }
    checkSignEndpoint(req.endpoint, wss, 'MASTER');
    return this.pacer.connectAttempt(
      arn,
      async () => ({
        url: await this.presign(scope, arn, 'ConnectAsMaster', {
          endpoint: wss,
          queryParams: { 'X-Amz-ChannelARN': arn },
          region,
          signingDate,
        }),
      }),
      signal,
    );
  }

  /**
   * `kvs:signConnectUrl`: presigns one ConnectAsViewer URL (X-Amz-Expires 299) — only for the VIEWER WSS
   * endpoint main resolved for this channel, only with this tile's ClientId, at most 3 per second per
   * channel (§5). Refusals are IpcFailure('InvalidArgument') and cost no pacing token.
   */
  async signConnectUrl(
    req: ParsedReq<'kvs:signConnectUrl'>,
    signal?: AbortSignal,
  ): Promise<Res<'kvs:signConnectUrl'>> {
    const region = channelRegion(req.channelArn);
    const clientId = this.clientIds.forTile(req.tileId);
    const arn = req.channelArn;
    checkSignQuery(req.queryParams, arn, clientId);
    const signingDate = signingDateOf(req.signingDate, this.clock.now());
    const scope = this.scope();
    let wss = this.endpoints.cached(scope, arn, 'VIEWER')?.wss;
    if (wss === undefined) {
      // Expired or dropped after a connect failure: resolve again — it is still main's own answer.
      const resolved = await this.pacer.run(
        () => this.forChannel(scope, arn, () => this.endpoints.resolve(scope, arn, 'VIEWER', false, signal)),
        signal,
      );
      wss = resolved.endpoints.wss;
    }
    checkSignEndpoint(req.endpoint, wss);
    return this.pacer.connectAttempt(
      arn,
      async () => ({
        url: await this.presign(scope, arn, 'ConnectAsViewer', {
          endpoint: wss,
          queryParams: { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': clientId },
          region,
          signingDate,
        }),
      }),
      signal,
    );
  }

  /**
   * `kvs:connectFailed`: the renderer's connect attempt failed (refused socket, 404…). The endpoints are
   * dropped so the next prepare/sign resolves them again; a 404 (channel gone) drops ICE and storage too.
   */
  connectFailed(req: ParsedReq<'kvs:connectFailed'>): Res<'kvs:connectFailed'> {
    channelRegion(req.channelArn);
    const scope = this.scope();
    if (req.status === 404) this.invalidateChannel(scope, req.channelArn);
    else this.endpoints.invalidate(scope, req.channelArn);
    this.deps.log.info('kvs: connect failed, endpoints dropped', {
      channelArn: req.channelArn,
      tileId: req.tileId,
      status: req.status,
    });
    return {};
  }

  /** Destroys the SDK clients (app shutdown). */
  close(): void {
    this.clients.destroy();
  }

  /**
   * The active profile's scope. A different profile (id, region, endpoint or credentials) retires the
   * clients and drops everything cached for the previous one: endpoints, ICE, storage statuses.
   */
  private scope(): ProfileScope {
    const profile = this.deps.getActive();
    const current = this.current;
    if (current && (current.profile === profile || sameProfile(current.profile, profile))) return current;
    if (current) {
      this.clients.clear();
      this.storageCalls.clear();
      this.deps.cache.invalidate(current.prefix);
      this.deps.log.info('kvs: active profile changed, caches cleared', {
        from: current.profile.id,
        to: profile.id,
      });
    }
    this.current = scopeOf(profile);
    return this.current;
  }

  /** Presigns with the active profile's credentials; failures become typed IPC errors. */
  private async presign(
    scope: ProfileScope,
    channelArn: string,
    operation: 'ConnectAsViewer' | 'ConnectAsMaster',
    input: Omit<PresignInput, 'credentials'>,
  ): Promise<string> {
    try {
      return await presignConnectUrl({ ...input, credentials: scope.profile.credentials });
    } catch (err) {
      throw toIpcFailure(err, { operation, channelArn, profileId: scope.profile.id });
    }
  }

  /**
   * The role's endpoints and the channel's ICE servers. A persisted endpoint can outlive the channel's
   * placement: when ICE fails on a cached one in a way a stale endpoint would, resolve afresh once.
   */
  private async endpointsAndIce(
    scope: ProfileScope,
    arn: string,
    role: SignalingRole,
    withWebrtc: boolean,
    signal?: AbortSignal,
  ) {
    let resolved = await this.endpoints.resolve(scope, arn, role, withWebrtc, signal);
    try {
      return {
        endpoints: resolved.endpoints,
        ice: await this.ice.get(scope, arn, resolved.endpoints.https, signal),
      };
    } catch (err) {
      if (!resolved.fromCache || !staleEndpointSymptom(err)) throw err;
      this.deps.log.info('kvs: cached endpoint looks stale, resolving again', { channelArn: arn });
      this.endpoints.invalidate(scope, arn);
      resolved = await this.endpoints.resolve(scope, arn, role, withWebrtc, signal);
      return {
        endpoints: resolved.endpoints,
        ice: await this.ice.get(scope, arn, resolved.endpoints.https, signal),
      };
    }
  }

  /** prepareViewer's storage status; AccessDenied on Describe leaves the tile usable peer-to-peer. */
  private async viewerStorage(
    scope: ProfileScope,
    channelArn: string,
    signal?: AbortSignal,
  ): Promise<{ status: StorageConfig['status'] | 'UNKNOWN'; streamArn: string | null }> {
    try {
      return await this.storageCalls.status(scope, channelArn, signal);
    } catch (err) {
      if (!(err instanceof IpcFailure) || err.code !== 'AccessDenied') throw err;
      this.deps.log.warn('kvs: storage status unknown (no DescribeMediaStorageConfiguration permission)', {
        channelArn,
      });
      return { status: 'UNKNOWN', streamArn: null };
    }
  }

  /**
   * Runs `work`; when the channel turns out gone (404) everything cached about it is dropped first, and
   * when the credentials were refused the clients are dropped (see `credentialsRefused`).
   */
  private async forChannel<T>(scope: ProfileScope, channelArn: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      const failure = toIpcFailure(err, { channelArn, profileId: scope.profile.id });
      if (failure.code === 'ChannelNotFound') this.invalidateChannel(scope, channelArn);
      this.credentialsRefused(failure);
      throw failure;
    }
  }

  /**
   * An SDK client memoizes the identity its provider returned until close to its `expiration` (forever
   * without one), so after the service refused those credentials it would keep sending them. Dropping the
   * clients makes the next call ask the profile's provider again (which may have new keys by then).
   */
  private credentialsRefused(failure: IpcFailure): void {
    if (failure.code !== 'CredentialsExpired' && failure.code !== 'CredentialsMissing') return;
    this.clients.clear();
  }

  private invalidateChannel(scope: ProfileScope, channelArn: string): void {
    this.endpoints.invalidate(scope, channelArn);
    this.ice.invalidate(scope, channelArn);
    this.storageCalls.invalidate(scope, channelArn);
  }
}
