import {
  GetSignalingChannelEndpointCommand,
  type ChannelProtocol,
  type ResourceEndpointListItem,
} from '@aws-sdk/client-kinesis-video';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { ExpiringCache } from '../types';
import type { KvsClientFactory } from './clients';
import { SingleFlight } from './flight';
import { CONTROL_RETRY, callKvs, type CallDeps } from './retry';
import { channelPrefix, channelRegion, type ProfileScope } from './scope';

/**
 * Per-channel signaling endpoints (GetSignalingChannelEndpoint, kvs-reference §1.2), cached per
 * (profile, channel, role) in the persisted ExpiringCache for a fast cold start, and invalidated when the
 * channel answers 404 or a connect fails. Presigning compares against this cache (presign.ts), so only
 * endpoints main resolved itself are ever signed.
 */

/** The role an endpoint is resolved for (GetSignalingChannelEndpoint `Role`). */
export type SignalingRole = 'VIEWER' | 'MASTER';

/** One channel's endpoints for one role, exactly as the service returned them (§7). */
export interface ChannelEndpoints {
  wss: string;
  https: string;
  /** Only asked for when the channel's media storage is ENABLED (asking otherwise is InvalidArgument, §1.2). */
  webrtc: string | null;
}

/** What the resolver needs: the persisted cache, the clients, the call runner, TTL and timeout. */
export interface EndpointResolverDeps {
  cache: ExpiringCache;
  clients: KvsClientFactory;
  call: CallDeps;
  ttlMs: number;
  timeoutMs: number;
}

/** Endpoints plus where they came from. */
export interface Resolved {
  endpoints: ChannelEndpoints;
  /** True when read from the cache (a failure on it may mean it is stale). */
  fromCache: boolean;
}

function isEndpoints(v: unknown): v is ChannelEndpoints {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.wss === 'string' &&
    typeof e.https === 'string' &&
    (e.webrtc === null || typeof e.webrtc === 'string')
  );
}

/**
 * Reason an endpoint the service returned is unusable, or null. Real endpoints are `wss://`/`https://`
 * hosts (§7); a custom (kvs-local) profile also gets `ws://`/`http://`. Never credentials, query or fragment:
 * presign.ts appends the query to exactly this string.
 */
export function endpointProblem(endpoint: string, kind: 'wss' | 'https', custom: boolean): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'not a URL';
  }
  const allowed =
    kind === 'wss' ? ['wss:', ...(custom ? ['ws:'] : [])] : ['https:', ...(custom ? ['http:'] : [])];
  if (!allowed.includes(url.protocol)) return `unexpected scheme ${url.protocol}`;
  if (url.username || url.password || url.search || url.hash)
    return 'carries credentials, a query or a fragment';
  return null;
}

/** Resolves and caches per-channel endpoints; concurrent resolutions of one key share one call. */
export class EndpointResolver {
  private readonly flights = new SingleFlight<ChannelEndpoints>();
  /** Monotonic counter of invalidations, so a fetch that started before one does not write stale data. */
  private seq = 0;
  private readonly invalidatedAt = new Map<string, number>();

  constructor(private readonly deps: EndpointResolverDeps) {}

  static key(scope: ProfileScope, channelArn: string, role: SignalingRole): string {
    return `${channelPrefix(scope, channelArn)}ep:${role}`;
  }

  /** The cached endpoints, if any and not expired. */
  cached(scope: ProfileScope, channelArn: string, role: SignalingRole): ChannelEndpoints | undefined {
    const value = this.deps.cache.get<unknown>(
      EndpointResolver.key(scope, channelArn, role),
      this.deps.call.clock.now(),
    );
    return isEndpoints(value) ? value : undefined;
  }

  /** Cached endpoints when they cover what is needed, else a (shared) GetSignalingChannelEndpoint call. */
  async resolve(
    scope: ProfileScope,
    channelArn: string,
    role: SignalingRole,
    needWebrtc: boolean,
    signal?: AbortSignal,
  ): Promise<Resolved> {
    const hit = this.cached(scope, channelArn, role);
    if (hit && (!needWebrtc || hit.webrtc !== null)) return { endpoints: hit, fromCache: true };
    const key = EndpointResolver.key(scope, channelArn, role);
    const endpoints = await this.flights.run(
      `${key}:${needWebrtc ? 'webrtc' : 'p2p'}`,
      () => this.fetch(scope, channelArn, role, needWebrtc),
      signal,
    );
    return { endpoints, fromCache: false };
  }

  /** Drops both roles' endpoints of a channel (404, connect failure, storage change). */
  invalidate(scope: ProfileScope, channelArn: string): void {
    const prefix = `${channelPrefix(scope, channelArn)}ep:`;
    this.deps.cache.invalidate(prefix);
    this.flights.forget(prefix);
    if (this.invalidatedAt.size > 4_096) this.invalidatedAt.clear();
    this.invalidatedAt.set(prefix, ++this.seq);
  }

  private async fetch(
    scope: ProfileScope,
    channelArn: string,
    role: SignalingRole,
    needWebrtc: boolean,
  ): Promise<ChannelEndpoints> {
    const startedAt = this.seq;
    const protocols: ChannelProtocol[] = needWebrtc ? ['WSS', 'HTTPS', 'WEBRTC'] : ['WSS', 'HTTPS'];
    const client = this.deps.clients.control(scope.profile, channelRegion(channelArn));
    const out = await callKvs(
      this.deps.call,
      {
        operation: 'GetSignalingChannelEndpoint',
        channelArn,
        profileId: scope.profile.id,
        timeoutMs: this.deps.timeoutMs,
        retry: CONTROL_RETRY,
      },
      (abortSignal) =>
        client.send(
          new GetSignalingChannelEndpointCommand({
            ChannelARN: channelArn,
            SingleMasterChannelEndpointConfiguration: { Protocols: protocols, Role: role },
          }),
          { abortSignal },
        ),
    );
    const endpoints: ChannelEndpoints = {
      wss: pick(out.ResourceEndpointList, 'WSS', 'wss', scope.custom),
      https: pick(out.ResourceEndpointList, 'HTTPS', 'https', scope.custom),
      webrtc: needWebrtc ? pick(out.ResourceEndpointList, 'WEBRTC', 'https', scope.custom) : null,
    };
    const prefix = `${channelPrefix(scope, channelArn)}ep:`;
    if ((this.invalidatedAt.get(prefix) ?? -1) <= startedAt) {
      const now = this.deps.call.clock.now();
      this.deps.cache.put(EndpointResolver.key(scope, channelArn, role), endpoints, now + this.deps.ttlMs);
    }
    return endpoints;
  }
}

/** One endpoint by protocol; the list's order is not guaranteed and the C SDK matches case-insensitively (§1.2). */
function pick(
  list: ResourceEndpointListItem[] | undefined,
  protocol: ChannelProtocol,
  kind: 'wss' | 'https',
  custom: boolean,
): string {
  const item = list?.find((e) => e.Protocol?.toUpperCase() === protocol);
  const endpoint = item?.ResourceEndpoint;
  if (!endpoint) {
    throw new IpcFailure('Internal', `GetSignalingChannelEndpoint returned no ${protocol} endpoint.`);
  }
  const problem = endpointProblem(endpoint, kind, custom);
  if (problem !== null) {
    throw new IpcFailure(
      'Internal',
      `GetSignalingChannelEndpoint returned an unusable ${protocol} endpoint (${problem}).`,
    );
  }
  return endpoint;
}
