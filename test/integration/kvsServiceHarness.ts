import { CreateSignalingChannelCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { WebSocket } from 'ws';
import { KvsService, type KvsServiceDeps } from '../../src-main/core/kvs/kvsService';
import { MemoryExpiringCache } from '../../src-main/core/kvs/memoryCache';
import type { ActiveProfile, Logger } from '../../src-main/core/types';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, credsOf } from '../helpers/kvsLocal';

/** Shared set-up of the kvs service integration tests (kvsService*.test.ts) against kvs-local. */

export const INSTALL_ID = 'testinst-0000-4000-8000-000000000000';

export const silentLog: Logger = { info() {}, warn() {}, error() {} };

/** A profile pointing at kvs-local (custom endpoint), reading its current credentials on every call. */
export function localProfile(kvs: KvsLocal, id = 'local-demo'): ActiveProfile {
  return {
    id,
    region: kvs.info.region,
    endpoint: kvs.info.endpoint,
    credentials: () => Promise.resolve(credsOf(kvs)),
  };
}

export function makeService(
  kvs: KvsLocal,
  extra: Partial<KvsServiceDeps> = {},
): { service: KvsService; cache: MemoryExpiringCache; profile: { current: ActiveProfile } } {
  const cache = new MemoryExpiringCache();
  const profile = { current: localProfile(kvs) };
  const service = new KvsService({
    getActive: () => profile.current,
    cache,
    installId: INSTALL_ID,
    log: silentLog,
    // Mid-range jitter keeps the retry tests' timing predictable.
    random: () => 0.5,
    ...extra,
  });
  return { service, cache, profile };
}

export async function createChannel(kv: KinesisVideoClient, name: string): Promise<string> {
  const out = await kv.send(
    new CreateSignalingChannelCommand({ ChannelName: name, Tags: [{ Key: 'site', Value: 'north' }] }),
  );
  return out.ChannelARN!;
}

/** kvs-local's reply counts for one operation by status, e.g. `{200: 3, 400: 1}`. */
export async function repliesOf(kvs: KvsLocal, operation: string): Promise<Record<number, number>> {
  const stats = await admin<Record<string, number>>(kvs, 'GET', '/stats');
  const out: Record<number, number> = {};
  for (const [key, count] of Object.entries(stats)) {
    const [op, status] = key.split(' ');
    if (op === operation) out[Number(status)] = count;
  }
  return out;
}

/** Difference of two reply counts per status. */
export function delta(after: Record<number, number>, before: Record<number, number>): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [status, n] of Object.entries(after)) {
    const d = n - (before[Number(status)] ?? 0);
    if (d !== 0) out[Number(status)] = d;
  }
  return out;
}

/** Opens a WebSocket to a presigned URL: 'open' → the socket; a refused upgrade → its HTTP status. */
export function openSocket(
  url: string,
): Promise<{ ok: true; ws: WebSocket } | { ok: false; status: number }> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no upgrade answer within 5 s'));
    }, 5_000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ ok: true, ws });
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      ws.terminate();
      resolve({ ok: false, status: res.statusCode ?? 0 });
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
