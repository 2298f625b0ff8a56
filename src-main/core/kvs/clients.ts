import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoSignalingClient } from '@aws-sdk/client-kinesis-video-signaling';
import { KinesisVideoWebRTCStorageClient } from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { ActiveProfile } from '../types';

/**
 * SDK v3 clients per (profile, region[, endpoint]). The control-plane client takes the profile's endpoint
 * override (kvs-local); the signaling and storage clients are built for exactly the HTTPS / WEBRTC endpoint
 * GetSignalingChannelEndpoint returned (kvs-reference §2, §3), so main never talks to a host the renderer named.
 */

/** Everything the kvs module needs from the SDK; a fake can stand in for it. */
export interface KvsClientFactory {
  control(profile: ActiveProfile, region: string): KinesisVideoClient;
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

/**
 * The production factory. `maxAttempts: 1`: retries happen in retry.ts under the rules of §6.2 (and the
 * storage sample's `maxRetries: 0`); the SDK's standard strategy would otherwise retry throttling and
 * network errors on its own, multiplying our attempts and hiding the count from the pacer.
 */
export class SdkClientFactory implements KvsClientFactory {
  private readonly clients = new Map<string, AnyClient>();
  private readonly retiring = new Map<ReturnType<typeof setTimeout>, AnyClient[]>();

  control(profile: ActiveProfile, region: string): KinesisVideoClient {
    // A custom endpoint (the Local demo's kvs-local) serves one region: a channel from another region would
    // otherwise come back as a signature scoped to the wrong region, read as rejected credentials.
    if (profile.endpoint && region !== profile.region) {
      throw new IpcFailure(
        'InvalidArgument',
        `This profile's endpoint serves ${profile.region} only; the channel is in ${region}. Choose a profile for ${region}.`,
      );
    }
    return this.get(`control|${profile.id}|${region}|${profile.endpoint ?? ''}`, () => {
      return new KinesisVideoClient({
        ...this.base(profile, region),
        ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
      });
    });
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
