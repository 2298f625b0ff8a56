/**
 * The main-process side of the `core` bench: the composition root (createCore, as the Electron shell builds
 * it) with kvs-local as the Local demo, and timed calls through its IpcRouter — the IPC boundary, the
 * presigner, the catalog sync with the real KvsChannelSource.
 */
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import type { Channel, Req, Res } from '../../src-shared/ipc/contract';
import type { IpcResult } from '../../src-shared/ipc/errors';
import { createCore, type Core } from '../../src-main/core/app';
import { aesGcmBox, type LocalDemoInfo } from '../../src-main/core/credentials';
import { presignConnectUrl } from '../../src-main/core/kvs/presign';
import { Samples } from './measure';

const APP_URL = 'app://watchfloor/index.html';
const SENDER = { url: APP_URL, isTopFrame: true };
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export interface BenchCore {
  core: Core;
  /** A contract call as the renderer makes it; throws on `{ok:false}`. */
  ok<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  close(): Promise<void>;
}

/**
 * The core over `dataDir` (its catalog.sqlite is used as found), Local demo = kvs-local's `info`. Calls from
 * the app URL are trusted, and from any other page `trusted` accepts (the wall bench's browser shell).
 */
export function startCore(
  dataDir: string,
  info: LocalDemoInfo,
  trusted: (url: string) => boolean = () => false,
): BenchCore {
  const core = createCore({
    dataDir,
    secretBox: aesGcmBox(randomBytes(32)),
    version: '0.0.0-bench',
    kiosk: false,
    localDemo: info,
    sharedConfig: { configFile: `${dataDir}/no-config`, credentialsFile: `${dataDir}/no-credentials` },
    isTrustedOrigin: (url) => url === APP_URL || trusted(url),
    send: () => {},
    log: quiet,
  });
  return {
    core,
    async ok(channel, req) {
      const reply = (await core.router.handle(channel, SENDER, req)) as IpcResult<Res<typeof channel>>;
      if (!reply.ok) throw new Error(`${channel} failed: ${reply.error.code}: ${reply.error.message}`);
      return reply.value;
    },
    close: () => core.close(),
  };
}

/**
 * One call across a modelled IPC boundary: the request serialized and parsed as Electron's IPC would carry
 * it (JSON stands in for its structured clone), `IpcRouter.handle` (sender check, zod parse, handler,
 * strict reply check), and the reply serialized and parsed back.
 */
export async function jsonCall(core: Core, channel: Channel, req: unknown): Promise<unknown> {
  const payload: unknown = JSON.parse(JSON.stringify(req));
  const reply = await core.router.handle(channel, SENDER, payload);
  return JSON.parse(JSON.stringify(reply));
}

/** Times `n` sequential calls of `fn` after `warmup` untimed ones; samples in µs. */
export async function timeCalls(
  n: number,
  warmup: number,
  fn: (i: number) => Promise<unknown>,
): Promise<Samples> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const s = new Samples(n);
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    s.add((performance.now() - t0) * 1000);
  }
  return s;
}

/**
 * A structured-clone round trip through a MessageChannel (what Electron's IPC does between processes, here
 * within one thread): the request is posted to a port whose listener runs the router and posts the reply
 * back. Includes two event-loop turns, which is what a renderer awaiting `invoke` also pays.
 */
export function messageChannelCaller(core: Core): {
  call(channel: Channel, req: unknown): Promise<unknown>;
  close(): void;
} {
  const { port1, port2 } = new MessageChannel();
  const waiting = new Map<number, (v: unknown) => void>();
  let seq = 0;
  port2.on('message', (msg: { id: number; channel: Channel; req: unknown }) => {
    void core.router
      .handle(msg.channel, SENDER, msg.req)
      .then((reply) => port2.postMessage({ id: msg.id, reply }));
  });
  port1.on('message', (msg: { id: number; reply: unknown }) => {
    waiting.get(msg.id)?.(msg.reply);
    waiting.delete(msg.id);
  });
  return {
    call(channel, req) {
      const id = ++seq;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        port1.postMessage({ id, channel, req });
      });
    },
    close() {
      port1.close();
      port2.close();
    },
  };
}

/** The raw SigV4 presign of a ConnectAsViewer URL (no router, no pacing, static credentials); µs. */
export async function timeRawPresign(
  info: LocalDemoInfo,
  wss: string,
  arn: string,
  clientId: string,
  n: number,
): Promise<Samples> {
  const creds = { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey };
  const credentials = () => Promise.resolve(creds);
  return timeCalls(n, Math.min(500, n), () =>
    presignConnectUrl({
      endpoint: wss,
      queryParams: { 'X-Amz-ChannelARN': arn, 'X-Amz-ClientId': clientId },
      region: info.region,
      credentials,
      signingDate: new Date(),
    }),
  );
}

export interface PreparedTile {
  channelArn: string;
  tileId: string;
  wss: string;
  clientId: string;
}

/**
 * `kvs:signConnectUrl` through the router with warm caches (each tile prepared first, so its VIEWER
 * endpoint is cached). The ConnectPacer admits 3 attempts per channel per 1.2 s (kvs-reference §5), and
 * that wait is policy, not cost: so calls go round-robin over the tiles, each tile at most 3 times per
 * cycle, and a cycle starts only once the previous one's window has passed. The first cycle is warm-up.
 * µs per call.
 */
export async function timeRouterSign(
  bench: BenchCore,
  tiles: readonly PreparedTile[],
  cycles: number,
): Promise<Samples> {
  const s = new Samples(tiles.length * 3 * cycles);
  const sign = (t: PreparedTile) =>
    bench.ok('kvs:signConnectUrl', {
      channelArn: t.channelArn,
      tileId: t.tileId,
      endpoint: t.wss,
      queryParams: { 'X-Amz-ChannelARN': t.channelArn, 'X-Amz-ClientId': t.clientId },
    });
  for (let c = 0; c <= cycles; c++) {
    const started = performance.now();
    for (let round = 0; round < 3; round++) {
      for (const t of tiles) {
        const t0 = performance.now();
        await sign(t);
        if (c > 0) s.add((performance.now() - t0) * 1000);
      }
    }
    const wait = started + 1_300 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return s;
}
