import {
  GetIceServerConfigCommand,
  type IceServer as KvsIceServer,
} from '@aws-sdk/client-kinesis-video-signaling';
import type { ExpiringCache } from '../types';
import type { KvsClientFactory } from './clients';
import { SingleFlight } from './flight';
import { CONTROL_RETRY, callKvs, type CallDeps } from './retry';
import { channelPrefix, channelRegion, type ProfileScope } from './scope';

/**
 * ICE servers for a channel: GetIceServerConfig on the channel's HTTPS endpoint (kvs-reference §2),
 * converted to RTCIceServer, cached until the shortest Ttl minus 15 s (the JS sample's grace, §2), plus
 * the STUN server the clients add themselves.
 */

/** An RTCIceServer as the contract carries it (src-shared/ipc/schemas.ts `iceServer`). */
export interface RtcIceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Refresh this long before the TURN credentials expire (§2: JS sample's 15 s grace). */
export const ICE_GRACE_MS = 15_000;
/** The model's Ttl range (§2); anything outside is clamped. */
const TTL_MIN_S = 30;
const TTL_MAX_S = 86_400;
/** §2 / C SDK: at most 5 servers of at most 4 URIs each are usable; more is a malformed answer. */
const MAX_SERVERS = 5;
const MAX_URIS = 4;

/**
 * The STUN URL clients build themselves (§7): `stun:stun.kinesisvideo.<region>.amazonaws.com:443`
 * (`.amazonaws.com.cn` in the China partition, botocore's dnsSuffix for `cn-*`).
 */
export function stunUrl(region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `stun:stun.kinesisvideo.${region}.${suffix}:443`;
}

/** The TURN servers of a GetIceServerConfig answer as RTCIceServers (bounded as the C SDK bounds them). */
export function toRtcIceServers(list: KvsIceServer[] | undefined): RtcIceServer[] {
  return (list ?? [])
    .filter((s) => (s.Uris?.length ?? 0) > 0)
    .slice(0, MAX_SERVERS)
    .map((s) => ({
      urls: (s.Uris ?? []).slice(0, MAX_URIS),
      ...(s.Username !== undefined ? { username: s.Username } : {}),
      ...(s.Password !== undefined ? { credential: s.Password } : {}),
    }));
}

/** Milliseconds the answer may be cached: shortest Ttl (clamped to the model's range) minus the grace. */
export function iceCacheMs(list: KvsIceServer[] | undefined): number {
  const ttls = (list ?? []).map((s) => s.Ttl).filter((t): t is number => typeof t === 'number');
  const ttl = ttls.length > 0 ? Math.min(...ttls) : TTL_MIN_S;
  return Math.min(TTL_MAX_S, Math.max(TTL_MIN_S, ttl)) * 1000 - ICE_GRACE_MS;
}

function isServers(v: unknown): v is RtcIceServer[] {
  return (
    Array.isArray(v) &&
    v.every(
      (s: unknown) =>
        typeof s === 'object' &&
        s !== null &&
        Array.isArray((s as RtcIceServer).urls) &&
        (s as RtcIceServer).urls.every((u) => typeof u === 'string'),
    )
  );
}

/** What the ICE cache needs: the persisted cache, the clients, the call runner, a timeout. */
export interface IceServersDeps {
  cache: ExpiringCache;
  clients: KvsClientFactory;
  call: CallDeps;
  timeoutMs: number;
}

/** GetIceServerConfig per channel, cached in the ExpiringCache until the TURN credentials near expiry. */
export class IceServerCache {
  private readonly flights = new SingleFlight<RtcIceServer[]>();

  constructor(private readonly deps: IceServersDeps) {}

  static key(scope: ProfileScope, channelArn: string): string {
    return `${channelPrefix(scope, channelArn)}ice`;
  }

  /**
   * RTCIceServers for a viewer of `channelArn`. STUN is added only when the profile talks to AWS: on a
   * custom endpoint (kvs-local, offline and loopback-only) a public STUN server would send traffic off
   * the machine and stall ICE gathering while it times out; host candidates are what works there.
   */
  async get(
    scope: ProfileScope,
    channelArn: string,
    httpsEndpoint: string,
    signal?: AbortSignal,
  ): Promise<{ servers: RtcIceServer[]; fromCache: boolean }> {
    const region = channelRegion(channelArn);
    const stun: RtcIceServer[] = scope.custom ? [] : [{ urls: [stunUrl(region)] }];
    const key = IceServerCache.key(scope, channelArn);
    const hit = this.deps.cache.get<unknown>(key, this.deps.call.clock.now());
    if (isServers(hit)) return { servers: [...stun, ...hit], fromCache: true };
    const turn = await this.flights.run(
      `${key}|${httpsEndpoint}`,
      () => this.fetch(scope, channelArn, httpsEndpoint),
      signal,
    );
    return { servers: [...stun, ...turn], fromCache: false };
  }

  invalidate(scope: ProfileScope, channelArn: string): void {
    const key = IceServerCache.key(scope, channelArn);
    this.deps.cache.invalidate(key);
    this.flights.forget(key);
  }

  private async fetch(
    scope: ProfileScope,
    channelArn: string,
    httpsEndpoint: string,
  ): Promise<RtcIceServer[]> {
    const client = this.deps.clients.signaling(scope.profile, channelRegion(channelArn), httpsEndpoint);
    // Only ChannelARN, as the JS samples send it: the answer is shared by every tile of the channel, so
    // it must not name one tile's ClientId.
    const out = await callKvs(
      this.deps.call,
      {
        operation: 'GetIceServerConfig',
        channelArn,
        profileId: scope.profile.id,
        timeoutMs: this.deps.timeoutMs,
        retry: CONTROL_RETRY,
      },
      (abortSignal) =>
        client.send(new GetIceServerConfigCommand({ ChannelARN: channelArn }), { abortSignal }),
    );
    const servers = toRtcIceServers(out.IceServerList);
    const ttlMs = iceCacheMs(out.IceServerList);
    if (ttlMs > 0)
      this.deps.cache.put(IceServerCache.key(scope, channelArn), servers, this.deps.call.clock.now() + ttlMs);
    return servers;
  }
}
