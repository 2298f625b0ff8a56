import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoSignalingClient } from '@aws-sdk/client-kinesis-video-signaling';
import { KinesisVideoWebRTCStorageClient } from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { startKvsLocal, type KvsLocal } from '../../kvs-local/src/server';
import type { KvsLocalOptions } from '../../kvs-local/src/config';

/** Starts kvs-local for a test file with quiet logs (set KVS_LOCAL_LOG=1 to see them). */
export async function startTestKvs(options: KvsLocalOptions = {}): Promise<KvsLocal> {
  return startKvsLocal({
    cameras: { count: 0 },
    log: process.env.KVS_LOCAL_LOG ? (l) => process.stderr.write(`${l}\n`) : () => {},
    ...options,
  });
}

export interface ClientCreds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function credsOf(kvs: KvsLocal): ClientCreds {
  const { accessKeyId, secretAccessKey, sessionToken } = kvs.info;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** The unmodified SDK v3 control-plane client pointed at kvs-local. */
export function controlClient(
  kvs: KvsLocal,
  extra: Partial<ConstructorParameters<typeof KinesisVideoClient>[0]> = {},
) {
  return new KinesisVideoClient({
    region: kvs.info.region,
    endpoint: kvs.info.endpoint,
    credentials: credsOf(kvs),
    maxAttempts: 1,
    ...extra,
  });
}

export function signalingClient(kvs: KvsLocal, endpoint: string) {
  return new KinesisVideoSignalingClient({
    region: kvs.info.region,
    endpoint,
    credentials: credsOf(kvs),
    maxAttempts: 1,
  });
}

export function storageClient(kvs: KvsLocal, endpoint: string) {
  return new KinesisVideoWebRTCStorageClient({
    region: kvs.info.region,
    endpoint,
    credentials: credsOf(kvs),
    maxAttempts: 1,
  });
}

/** Calls the admin API. */
export async function admin<T = unknown>(
  kvs: KvsLocal,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${kvs.info.admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Captures a rejected promise's error for assertions on its class and metadata. */
export async function caught(
  p: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
