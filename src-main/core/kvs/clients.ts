import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoSignalingClient } from '@aws-sdk/client-kinesis-video-signaling';
import { KinesisVideoWebRTCStorageClient } from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { ActiveProfile } from '../types';
import { SignatureV4 } from '@smithy/signature-v4';
import { BufferedHttpHandler } from './bufferedHttp';
import { NodeSha256 } from './nodeSha256';

/**
 * SDK v3 clients per (profile, region[, endpoint]). The control-plane client takes the profile's endpoint
 * override (kvs-local); the signaling and storage clients are built for exactly the HTTPS / WEBRTC endpoint
 * GetSignalingChannelEndpoint returned (kvs-reference §2, §3), so main never talks to a host the renderer named.
 */

/** Everything the kvs module needs from the SDK; a fake can stand in for it. */
export interface KvsClientFactory {
  control(profile: ActiveProfile, region: string): KinesisVideoClient;
  /**
   * Optional: a control-plane client for bulk background reads (the catalog sync). Called WITHOUT
   * per-call options (`send(command)`), so the SDK resolves its middleware once per command class; a
   * cancelled or timed-out call is abandoned by retry.ts and ends in the handler's socket timeout.
   */
  bulkControl?(profile: ActiveProfile, region: string): KinesisVideoClient;
  signaling(profile: ActiveProfile, region: string, httpsEndpoint: string): KinesisVideoSignalingClient;
  storage(profile: ActiveProfile, region: string, webrtcEndpoint: string): KinesisVideoWebRTCStorageClient;
  /** Forgets every client (profile switch, refused credentials); calls still running may finish. */
  clear(): void;
  /** Destroys every client now (shutdown). */
  destroy(): void;
}

type AnyClient = KinesisVideoClient | KinesisVideoSignalingClient | KinesisVideoWebRTCStorageClient;

/** Clients kept at once; per-channel endpoints make one signaling/storage client per channel. */
const MAX_CLIENTS = 128;
/**
 * A forgotten client is destroyed this much later: destroying its agent at once would reset the sockets
 * of calls still running on it (another tile's prepare), turning them into spurious Offline retries.
 */
const RETIRE_GRACE_MS = 60_000;

/** RFC 9110 token characters; anything else in a user-agent name or version becomes '-' (as the SDK does). */
const UA_NAME_UNSAFE = /[^!$%&'*+\-.^_`|~\w]/g;
const UA_VERSION_UNSAFE = /[^!$%&'*+\-.^_`|~\w#]/g;

/** `['md/nodejs', '22.1']` → `md/nodejs#22.1`, `['aws-sdk-js', '3.1']` → `aws-sdk-js/3.1` (the SDK's format). */
function userAgentPart([name, version]: [string, string?]): string {
  let n = name
    .split('/')
    .map((part) => part.replace(UA_NAME_UNSAFE, '-'))
    .join('/');
  if (n.startsWith('api/')) n = n.toLowerCase();
  if (!version) return n;
  return `${n}${n.includes('/') ? '#' : '/'}${version.replace(UA_VERSION_UNSAFE, '-')}`;
}

/**
 * The user-agent headers of the SDK's default provider (`aws-sdk-js/<version> ua/2.1 os/… lang/js
 * md/nodejs#… api/kinesis-video#…`), computed on the first call and reused: `user-agent` has every part,
 * `x-amz-user-agent` the `aws-sdk-*` ones, as the SDK's middleware sends them (less its per-call feature list).
 */
function onceUserAgent(
  provider: (() => Promise<[string, string?][]>) | undefined,
): () => Promise<Record<string, string>> {
  let headers: Promise<Record<string, string>> | undefined;
  return () =>
    (headers ??= (provider ? provider() : Promise.resolve([])).then((pairs) => {
      const parts = pairs.map(userAgentPart);
      const sdk = parts.filter((part) => part.startsWith('aws-sdk-'));
      return {
        'user-agent': parts.join(' '),
        ...(sdk.length > 0 ? { 'x-amz-user-agent': sdk.join(' ') } : {}),
      };
    }));
}

/**
 * The production factory. `maxAttempts: 1`: retries happen in retry.ts under the rules of §6.2 (and the
 * storage sample's `maxRetries: 0`); the SDK's standard strategy would otherwise retry throttling and
 * network errors on its own, multiplying our attempts and hiding the count from the pacer.
 */
export class SdkClientFactory implements KvsClientFactory {
  private readonly clients = new Map<string, AnyClient>();
  private readonly retiring = new Map<ReturnType<typeof setTimeout>, AnyClient[]>();

  control(profile: ActiveProfile, region: string): KinesisVideoClient {
    this.checkRegion(profile, region);
    return this.get(`control|${profile.id}|${region}|${profile.endpoint ?? ''}`, () => {
      return new KinesisVideoClient({
        ...this.base(profile, region),
        ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
      });
    });
  }

  /**
   * The sync's client: the same endpoint, signing, serialization and error parsing, made cheap per call
   * (the sync makes one call per channel — 10,000 for a large fleet):
   * - `cacheMiddleware`: the middleware stack is resolved once per command class instead of per call
   *   (callers pass no per-call options; see KvsClientFactory.bulkControl);
   * - a BufferedHttpHandler instead of NodeHttpHandler (bufferedHttp.ts);
   * - the retry middleware replaced by a pass-through: with `maxAttempts: 1` it never retries (retry.ts
   *   does), it only stamped the optional amz-sdk-invocation-id (a UUID per call) and amz-sdk-request headers;
   * - one SignatureV4 for the client instead of one built per call;
   * - no logger middleware (no logger is configured) and no recursion detection (a Lambda-only trace header).
   * Measured against kvs-local (warm): ~0.35 ms of CPU per call with the default client and per-call
   * options, ~0.2 ms with this one (bench/README.md).
   */
  bulkControl(profile: ActiveProfile, region: string): KinesisVideoClient {
    this.checkRegion(profile, region);
    return this.get(`bulk|${profile.id}|${region}|${profile.endpoint ?? ''}`, () => {
      const client = new KinesisVideoClient({
        ...this.base(profile, region),
        ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
        cacheMiddleware: true,
        requestHandler: new BufferedHttpHandler({ connectionTimeoutMs: 3_000 }),
        // One signer for the client: the SDK's default builds a new SignatureV4 from a copy of the whole
        // client config for every call. Same credentials provider, region and service; the SDK still
        // passes the signing date (clock-skew corrected), region and service of each call.
        signer: new SignatureV4({
          credentials: profile.credentials,
          region,
          service: 'kinesisvideo',
          sha256: NodeSha256,
          uriEscapePath: true,
        }),
      });
      client.middlewareStack.remove('loggerMiddleware');
      client.middlewareStack.remove('recursionDetectionMiddleware');
      // Same name, step and priority as the SDK's, so the signing middleware still finds its anchor.
      client.middlewareStack.add((next) => (args) => next(args), {
        name: 'retryMiddleware',
        step: 'finalizeRequest',
        priority: 'high',
        override: true,
      });
      // The SDK rebuilds the same user agent for every call; this one builds it once from the same provider.
      const userAgent = onceUserAgent(client.config.defaultUserAgentProvider);
      client.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { headers?: Record<string, string> };
          if (request.headers) Object.assign(request.headers, await userAgent());
          return next(args);
        },
        { name: 'getUserAgentMiddleware', step: 'build', priority: 'low', override: true },
      );
      return client;
    });
  }

  private checkRegion(profile: ActiveProfile, region: string): void {
    // A custom endpoint (the Local demo's kvs-local) serves one region: a channel from another region would
    // otherwise come back as a signature scoped to the wrong region, read as rejected credentials.
    if (profile.endpoint && region !== profile.region) {
      throw new IpcFailure(
        'InvalidArgument',
        `This profile's endpoint serves ${profile.region} only; the channel is in ${region}. Choose a profile for ${region}.`,
      );
    }
  }

  signaling(profile: ActiveProfile, region: string, httpsEndpoint: string): KinesisVideoSignalingClient {
    return this.get(
      `signaling|${profile.id}|${region}|${httpsEndpoint}`,
      () => new KinesisVideoSignalingClient({ ...this.base(profile, region), endpoint: httpsEndpoint }),
    );
  }

  storage(profile: ActiveProfile, region: string, webrtcEndpoint: string): KinesisVideoWebRTCStorageClient {
    return this.get(
      `storage|${profile.id}|${region}|${webrtcEndpoint}`,
      () => new KinesisVideoWebRTCStorageClient({ ...this.base(profile, region), endpoint: webrtcEndpoint }),
    );
  }

  clear(): void {
    const retired = [...this.clients.values()];
    this.clients.clear();
    if (retired.length === 0) return;
    const timer = setTimeout(() => {
      this.retiring.delete(timer);
      for (const client of retired) client.destroy();
    }, RETIRE_GRACE_MS);
    // Never keeps the process alive on its own.
    timer.unref();
    this.retiring.set(timer, retired);
  }

  destroy(): void {
    for (const [timer, retired] of this.retiring) {
      clearTimeout(timer);
      for (const client of retired) client.destroy();
    }
    this.retiring.clear();
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private base(profile: ActiveProfile, region: string) {
    return {
      region,
      credentials: profile.credentials,
      maxAttempts: 1,
      // A dead host should fail fast as Offline; whole-call timeouts are retry.ts's AbortSignal.
      requestHandler: { connectionTimeout: 3_000 },
    };
  }

  private get<C extends AnyClient>(key: string, create: () => C): C {
    const existing = this.clients.get(key);
    if (existing) {
      // Re-insert: Map order is then least-recently-used first, for the eviction below.
      this.clients.delete(key);
      this.clients.set(key, existing);
      return existing as C;
    }
    const client = create();
    this.clients.set(key, client);
    while (this.clients.size > MAX_CLIENTS) {
      // The least recently used of 128 is idle in practice; destroying it frees its sockets now.
      const [oldestKey, oldest] = this.clients.entries().next().value as [string, AnyClient];
      this.clients.delete(oldestKey);
      oldest.destroy();
    }
    return client;
  }
}
