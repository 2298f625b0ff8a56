import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { CredentialStore, type LocalCredentials } from '../../kvs-local/src/auth/credentials';
import { uriEncode } from '../../kvs-local/src/auth/sigv4';
import { defaultLimits, type KvsLocalLimits } from '../../kvs-local/src/config';
import { channelEndpoint } from '../../kvs-local/src/endpoints';
import { FaultInjector } from '../../kvs-local/src/faults';
import { SignalingBroker } from '../../kvs-local/src/signaling';
import { KvsStore, newVersion, type Channel } from '../../kvs-local/src/state/store';

/**
 * A bare signaling plane for tests: a plain HTTP server whose 'upgrade' goes to the broker, a store with
 * channels added directly, fixed local credentials, and clients that presign with @smithy/signature-v4
 * (a signer independent of both kvs-local's verifier and the KVS SDK's own signer).
 */

export const REGION = 'us-west-2';
export const CREDS: LocalCredentials = {
  accessKeyId: 'LOCALKVSTESTKEY00001',
  secretAccessKey: 'local/test-secret-for-signaling',
};

export interface Harness {
  server: Server;
  store: KvsStore;
  broker: SignalingBroker;
  faults: FaultInjector;
  limits: KvsLocalLimits;
  wsBase: string;
  log: string[];
  addChannel(name: string, patch?: Partial<Channel>): Channel;
  endpoint(channel: Channel, role: 'MASTER' | 'VIEWER'): string;
  /** Official SDK client (not opened). */
  sdk(
    channel: Channel,
    role: 'MASTER' | 'VIEWER',
    clientId?: string,
    signer?: PresignOptions,
  ): SignalingClient;
  /** Official SDK client, opened (rejects if the handshake fails). */
  open(channel: Channel, role: 'MASTER' | 'VIEWER', clientId?: string): Promise<SignalingClient>;
  /** Presigned URL for a raw client. */
  url(channel: Channel, role: 'MASTER' | 'VIEWER', clientId?: string, opts?: PresignOptions): Promise<string>;
  /** Raw `ws` client with an inbox, opened. */
  raw(channel: Channel, role: 'MASTER' | 'VIEWER', clientId?: string): Promise<RawClient>;
  close(): Promise<void>;
}

export interface PresignOptions {
  expiresIn?: number;
  signingDate?: Date;
  credentials?: LocalCredentials;
  /** Rewrites the query after signing (to break the signature). */
  tamper?: (query: Record<string, string>) => void;
}

export async function presignUrl(
  endpoint: string,
  params: Record<string, string>,
  opts: PresignOptions = {},
): Promise<string> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    credentials: opts.credentials ?? CREDS,
    region: REGION,
    service: 'kinesisvideo',
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: { ...params },
      headers: { host: url.host },
    },
    { expiresIn: opts.expiresIn ?? 299, signingDate: opts.signingDate ?? new Date() },
  );
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.query ?? {})) query[k] = String(v);
  opts.tamper?.(query);
  const qs = Object.entries(query)
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join('&');
  return `${url.protocol}//${url.host}${url.pathname}?${qs}`;
}

/** A `ws` client that records every frame it receives. */
export class RawClient {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      this.texts.push(text);
      try {
        this.frames.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        // Recorded in texts only.
      }
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `check` holds (re-evaluated on each frame/close), bounded by `timeoutMs`. */
  async until<T>(
    check: () => T | undefined | null | false,
    timeoutMs = 3000,
    what = 'condition',
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v) return v;
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  frame(type: string, timeoutMs = 3000): Promise<Record<string, unknown>> {
    return this.until(() => this.frames.find((f) => f.messageType === type), timeoutMs, type);
  }

  waitClose(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, timeoutMs, 'close');
  }

  sendJson(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }
}

/** Opens a raw socket; resolves with the upgrade outcome (status, headers and body when refused). */
export async function tryConnect(
  url: string,
): Promise<
  | { ok: true; client: RawClient }
  | { ok: false; status: number; errorType: string | undefined; body: Record<string, unknown> }
> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade answer from ${url}`)), 5000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ ok: true, client: new RawClient(ws) });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        clearTimeout(timer);
        const header = res.headers['x-amzn-errortype'];
        resolve({
          ok: false,
          status: res.statusCode ?? 0,
          errorType: Array.isArray(header) ? header[0] : header,
          body: JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export function b64(obj: unknown): string {
  return Buffer.from(JSON.stringify(obj)).toString('base64');
}

/** Waits for one SDK event, failing after `ms`. */
export async function event<T extends unknown[] = unknown[]>(
  client: SignalingClient,
  name: string,
  ms = 3000,
): Promise<T> {
  return (await once(client, name, { signal: AbortSignal.timeout(ms) })) as T;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startHarness(limits: Partial<KvsLocalLimits> = {}): Promise<Harness> {
  const store = new KvsStore(REGION, '123456789012');
  const faults = new FaultInjector();
  const all: KvsLocalLimits = { ...defaultLimits, connectTpsPerChannel: 1000, ...limits };
  const log: string[] = [];
  const broker = new SignalingBroker({
    store,
    limits: all,
    faults,
    credentials: new CredentialStore(CREDS),
    region: REGION,
    now: () => Date.now(),
    log: (line) => log.push(line),
  });
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => broker.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const wsBase = `ws://127.0.0.1:${port}`;
  const clients: SignalingClient[] = [];
  const raws: RawClient[] = [];

  const h: Harness = {
    server,
    store,
    broker,
    faults,
    limits: all,
    wsBase,
    log,
    addChannel(name, patch = {}) {
      const channel: Channel = {
        name,
        arn: store.makeArn('channel', name),
        type: 'SINGLE_MASTER',
        status: 'ACTIVE',
        creationTime: Date.now(),
        messageTtlSeconds: 60,
        version: newVersion(),
        tags: {},
        storage: { status: 'DISABLED', streamArn: null },
        ...patch,
      };
      store.addChannel(channel);
      return channel;
    },
    endpoint(channel, role) {
      return channelEndpoint({ http: '', ws: wsBase }, role === 'MASTER' ? 'm' : 'v', channel.arn);
    },
    sdk(channel, role, clientId, signer = {}) {
      const client = new SignalingClient({
        channelARN: channel.arn,
        channelEndpoint: h.endpoint(channel, role),
        region: REGION,
        role: role === 'MASTER' ? Role.MASTER : Role.VIEWER,
        clientId,
        requestSigner: { getSignedURL: (endpoint, params) => presignUrl(endpoint, { ...params }, signer) },
      });
      clients.push(client);
      return client;
    },
    async open(channel, role, clientId) {
      const client = h.sdk(channel, role, clientId);
      const opened = event(client, 'open');
      client.open();
      await opened;
      return client;
    },
    url(channel, role, clientId, opts) {
      const params: Record<string, string> = { 'X-Amz-ChannelARN': channel.arn };
      if (clientId !== undefined) params['X-Amz-ClientId'] = clientId;
      return presignUrl(h.endpoint(channel, role), params, opts);
    },
    async raw(channel, role, clientId) {
      const result = await tryConnect(await h.url(channel, role, clientId));
      if (!result.ok) throw new Error(`upgrade refused: ${result.status} ${result.errorType}`);
      raws.push(result.client);
      return result.client;
    },
    async close() {
      for (const c of clients) {
        c.on('error', () => {}); // Closing a client whose handshake failed emits 'error' again.
        c.close();
      }
      for (const r of raws) r.ws.terminate();
      broker.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return h;
}
