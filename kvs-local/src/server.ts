import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore, generateCredentials, type LocalCredentials } from './auth/credentials';
import { defaultLimits, type KvsLocalLimits, type KvsLocalOptions } from './config';
import { channelOperations } from './control/channels';
import type { Operation } from './control/context';
import { streamOperations } from './control/streams';
import type { BaseUrls } from './endpoints';
import { FaultInjector, RateLimiter } from './faults';
import { createRouter } from './http/router';
import { KvsStore, stateFileIn } from './state/store';
import { generateSelfSignedCert } from './tls';
import { SignalingBroker } from './signaling';
import { iceServerConfigOperation } from './control/ice';
import { sendAlexaOfferOperation } from './control/alexa';
import { StorageService } from './storageService';
import { CameraFleet } from './devices/fleet';
import { startAdminApi } from './admin/api';

/** The first line the CLI prints (the CLI contract later checks rely on). */
export interface KvsLocalInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  admin: string;
  channels: Array<{ name: string; arn: string }>;
  /** PEM of the self-signed certificate when `--tls` (clients pass it as their CA). */
  caCert?: string;
}

export interface KvsLocal {
  info: KvsLocalInfo;
  store: KvsStore;
  broker: SignalingBroker;
  storage: StorageService;
  cameras: CameraFleet;
  faults: FaultInjector;
  credentials: CredentialStore;
  limits: KvsLocalLimits;
  /** Counts of replies by operation and status since start (fuzzing reports, admin API). */
  replyCounts: Map<string, number>;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts kvs-local: one loopback listener for every KVS plane (control, signaling HTTPS and WSS, WebRTC
 * storage), a separate loopback admin API, and the simulated cameras. Used by the CLI and by tests.
 */
export async function startKvsLocal(options: KvsLocalOptions = {}): Promise<KvsLocal> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-west-2';
  const accountId = options.accountId ?? '111122223333';
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const limits: KvsLocalLimits = { ...defaultLimits, ...options.limits };
  const creds: LocalCredentials =
    options.credentials ?? generateCredentials(options.temporaryCredentials ?? false);
  const credentials = new CredentialStore(creds);
  const store = new KvsStore(region, accountId, options.stateDir ? stateFileIn(options.stateDir) : undefined);
  const faults = new FaultInjector();
  const limiter = new RateLimiter(now);
  const tls = options.tls ? generateSelfSignedCert() : undefined;
  const recordingsDir = options.stateDir
    ? join(options.stateDir, 'recordings')
    : mkdtempSync(join(tmpdir(), 'kvs-local-recordings-'));

  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }) : createHttpServer();
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port ?? 0, host);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const urls: BaseUrls = {
    http: `${tls ? 'https' : 'http'}://${hostPart}:${port}`,
    ws: `${tls ? 'wss' : 'ws'}://${hostPart}:${port}`,
  };

  const broker = new SignalingBroker({ store, limits, faults, credentials, region, now, log });
  const storage = new StorageService({ store, broker, limits, recordingsDir, log });
  const operations: Record<string, Operation> = {
    ...channelOperations,
    ...streamOperations,
    GetIceServerConfig: iceServerConfigOperation(limits, host),
    SendAlexaOfferToMaster: sendAlexaOfferOperation(broker),
    ...storage.operations(),
  };
  const replyCounts = new Map<string, number>();
  server.on(
    'request',
    createRouter({
      store,
      credentials,
      faults,
      limiter,
      limits,
      urls,
      region,
      operations,
      now,
      log,
      onReply: (op, status) => {
        const key = `${op} ${status}`;
        replyCounts.set(key, (replyCounts.get(key) ?? 0) + 1);
      },
    }),
  );
  server.on('upgrade', (req, socket, head) => broker.handleUpgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());

  const cameras = new CameraFleet({
    store,
    storage,
    endpoint: urls.http,
    region,
    credentials: () => credentials.current(),
    caCert: tls?.cert,
    log,
    media: {
      fps: options.cameras?.fps ?? 15,
      width: options.cameras?.width ?? 640,
      height: options.cameras?.height ?? 360,
    },
  });
  await cameras.createInitial(options.cameras?.count ?? 0);

  const admin = await startAdminApi({
    host,
    store,
    broker,
    storage,
    cameras,
    faults,
    credentials,
    replyCounts,
    log,
  });

  let closing: Promise<void> | undefined;
  const kvs: KvsLocal = {
    info: {
      endpoint: urls.http,
      region,
      ...credentials.current(),
      admin: admin.url,
      channels: cameras.list().map((c) => ({ name: c.channelName, arn: c.channelArn })),
      ...(tls ? { caCert: tls.cert } : {}),
    },
    store,
    broker,
    storage,
    cameras,
    faults,
    credentials,
    limits,
    replyCounts,
    close() {
      closing ??= (async () => {
        await cameras.close();
        await storage.close();
        broker.close();
        await admin.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        store.flush();
      })();
      return closing;
    },
  };
  return kvs;
}
