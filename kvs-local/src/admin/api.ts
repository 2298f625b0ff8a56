import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CredentialStore } from '../auth/credentials';
import type { CameraFleet } from '../devices/fleet';
import type { FaultInjector, FaultRule } from '../faults';
import type { SignalingBroker } from '../signaling';
import type { KvsStore, Channel } from '../state/store';
import type { StorageService } from '../storageService';

/**
 * The admin API (loopback only; documented in kvs-local/README.md). Tests and the demo use it to look
 * inside kvs-local and to inject faults. It is a separate listener so nothing on the KVS planes can reach it.
 */
export interface AdminDeps {
  host: string;
  store: KvsStore;
  broker: SignalingBroker;
  storage: StorageService;
  cameras: CameraFleet;
  faults: FaultInjector;
  credentials: CredentialStore;
  replyCounts: Map<string, number>;
  log: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error();
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'body must be a JSON object');
  }
}

function channelOf(store: KvsStore, ref: string): Channel {
  const c = store.channelByName(ref) ?? store.channelByArn(ref);
  if (!c) throw new HttpError(404, `no channel named ${ref}`);
  return c;
}

type Handler = (params: string[], body: Record<string, unknown>) => unknown;

export async function startAdminApi(deps: AdminDeps): Promise<{ url: string; close(): Promise<void> }> {
  const { store, broker, storage, cameras, faults, credentials } = deps;
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/health$/, () => ({ ok: true })],
    [
      'GET',
      /^\/channels$/,
      () =>
        store.channels().map((c) => ({
          name: c.name,
          arn: c.arn,
          status: c.status,
          storage: c.storage,
          connections: broker.connections().filter((x) => x.channelArn === c.arn).length,
        })),
    ],
    ['GET', /^\/connections$/, () => broker.connections()],
    ['POST', /^\/connections\/([^/]+)\/drop$/, ([id]) => ({ dropped: broker.drop(id!) })],
    [
      'POST',
      /^\/channels\/([^/]+)\/drop$/,
      ([ref]) => ({ dropped: broker.dropChannel(channelOf(store, ref!).arn) }),
    ],
    [
      'POST',
      /^\/channels\/([^/]+)\/go-away$/,
      ([ref], body) => ({
        sent: broker.sendGoAway(
          channelOf(store, ref!).arn,
          typeof body.connectionId === 'string' ? body.connectionId : undefined,
        ),
      }),
    ],
    [
      'POST',
      /^\/channels\/([^/]+)\/reconnect-ice-server$/,
      ([ref], body) => ({
        sent: broker.sendReconnectIceServer(
          channelOf(store, ref!).arn,
          typeof body.connectionId === 'string' ? body.connectionId : undefined,
        ),
      }),
    ],
    [
      'DELETE',
      /^\/channels\/([^/]+)$/,
      ([ref]) => {
        const c = channelOf(store, ref!);
        store.removeChannel(c);
        return { deleted: c.arn };
      },
    ],
    ['GET', /^\/faults$/, () => faults.list()],
    [
      'POST',
      /^\/faults$/,
      (_p, body) => {
        const rule = body as unknown as FaultRule;
        if (typeof rule.operation !== 'string' || typeof rule.count !== 'number') {
          throw new HttpError(
            400,
            'a fault needs {operation: string, count: number, error?: string, delayMs?: number}',
          );
        }
        faults.add(rule);
        return faults.list();
      },
    ],
    ['DELETE', /^\/faults$/, () => (faults.clear(), [])],
    ['GET', /^\/cameras$/, () => cameras.list()],
    ['GET', /^\/cameras\/([^/]+)$/, ([name]) => cameras.get(name!).describe()],
    ['GET', /^\/cameras\/([^/]+)\/levels$/, ([name]) => cameras.get(name!).levels()],
    [
      'POST',
      /^\/cameras\/([^/]+)\/stop$/,
      ([name]) => (cameras.get(name!).stop(), cameras.get(name!).describe()),
    ],
    [
      'POST',
      /^\/cameras\/([^/]+)\/start$/,
      ([name]) => (cameras.get(name!).start(), cameras.get(name!).describe()),
    ],
    [
      'POST',
      /^\/cameras\/([^/]+)\/freeze$/,
      ([name]) => (cameras.get(name!).freeze(), cameras.get(name!).describe()),
    ],
    [
      'POST',
      /^\/cameras\/([^/]+)\/unfreeze$/,
      ([name]) => (cameras.get(name!).unfreeze(), cameras.get(name!).describe()),
    ],
    [
      'POST',
      /^\/cameras$/,
      async (_p, body) =>
        (await cameras.add(typeof body.name === 'string' ? body.name : undefined)).describe(),
    ],
    ['GET', /^\/storage$/, () => storage.sessions()],
    ['GET', /^\/streams\/([^/]+)\/recording$/, ([ref]) => storage.recording(ref!)],
    ['POST', /^\/credentials\/rotate$/, () => credentials.rotate()],
    ['POST', /^\/credentials\/expire$/, () => (credentials.expireActive(), { expired: true })],
    ['GET', /^\/stats$/, () => Object.fromEntries(deps.replyCounts)],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURI((req.url ?? '/').split('?')[0]!);
    for (const [method, re, handler] of routes) {
      const m = re.exec(path);
      if (!m || method !== req.method) continue;
      const body = req.method === 'POST' ? await readJson(req) : {};
      const result = await handler(m.slice(1).map(decodeURIComponent), body);
      const text = JSON.stringify(result ?? null);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
      return;
    }
    throw new HttpError(404, `no admin route ${req.method ?? '?'} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : ((err as { status?: number }).status ?? 500);
      const message = err instanceof Error ? err.message : String(err);
      if (status === 500) deps.log(`kvs-local admin: ${message}`);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, deps.host, resolve));
  const { port } = server.address() as AddressInfo;
  const hostPart = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  return {
    url: `http://${hostPart}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { HttpError };
