import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The seams between the core modules (credentials, catalog, kvs), so each can be built and tested alone
 * and the composition root (core/app.ts) wires them.
 */

/** The profile whose credentials every AWS call currently uses. */
export interface ActiveProfile {
  id: string;
  region: string;
  /** Control-plane endpoint override (kvs-local for the demo profile); undefined = the real AWS endpoint. */
  endpoint?: string;
  /** Refreshing provider: resolves fresh temporary credentials before they expire. */
  credentials: AwsCredentialIdentityProvider;
}

export type { AwsCredentialIdentity, AwsCredentialIdentityProvider };

/** A signaling channel as ListSignalingChannels + DescribeMediaStorageConfiguration describe it. */
export interface RemoteChannel {
  arn: string;
  name: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
  type: string;
  createdAt: number | null;
  version: string | null;
  messageTtlSeconds: number | null;
}

export interface StorageConfig {
  status: 'ENABLED' | 'DISABLED';
  streamArn: string | null;
}

/** Where the catalog sync reads from (implemented over the KVS clients in core/kvs). */
export interface ChannelSource {
  listPage(
    region: string,
    nextToken: string | undefined,
    signal: AbortSignal,
  ): Promise<{ channels: RemoteChannel[]; nextToken?: string }>;
  describeStorage(channelArn: string, signal: AbortSignal): Promise<StorageConfig>;
  listTags?(channelArn: string, signal: AbortSignal): Promise<Record<string, string>>;
}

/** A persisted cache with expiry (endpoints, ICE servers) that survives restarts for a fast cold start. */
export interface ExpiringCache {
  get<T>(key: string, now: number): T | undefined;
  put(key: string, value: unknown, expiresAt: number): void;
  /** Deletes every key that starts with `prefix`. */
  invalidate(prefix: string): void;
}

/** Logging without secrets: callers never pass credentials; sinks may still redact defensively. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
