import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName } from '../../src-shared/ipc/contract';
import { IpcFailure } from '../../src-shared/ipc/errors';
import { CatalogError, openCatalog, quarantineAndRecreate, type Catalog } from './catalog';
import {
  CredentialsService,
  LOCAL_DEMO_ID,
  type LocalDemoInfo,
  type SecretBox,
  type SharedConfigLocation,
} from './credentials';
import { buildHandlers } from './handlers';
import { EventSink, IpcRouter } from './ipc';
import { KvsService, toIpcFailure } from './kvs';
import { catalogProfileStore, catalogSecretStore } from './stores';
import { SyncJobs } from './syncJobs';
import type { Logger } from './types';

/** Everything the core needs from its host (the Electron shell, or a test / the browser harness). */
export interface CoreOptions {
  /** Where the catalog and the install id live (Electron: app.getPath('userData')). */
  dataDir: string;
  /** Override the catalog file (tests: ':memory:'). */
  catalogFile?: string;
  /** What to do with a corrupt catalog: 'fail' (throw CatalogError so the host can ask) or 'quarantine'. */
  onCorruptCatalog?: 'fail' | 'quarantine';
  secretBox: SecretBox;
  version: string;
  kiosk: boolean;
  /** kvs-local's connection info: enables the Local demo profile. */
  localDemo?: LocalDemoInfo | (() => LocalDemoInfo);
  sharedConfig?: SharedConfigLocation;
  /** Which sender URLs are the app's own renderer. */
  isTrustedOrigin(url: string): boolean;
  /** Delivers a validated event to the renderer(s). */
  send(name: EventName, payload: unknown): void;
  log: Logger;
  now?: () => number;
}

export interface Core {
  router: IpcRouter;
  catalog: Catalog;
  credentials: CredentialsService;
  kvs: KvsService;
  syncs: SyncJobs;
  events: EventSink;
  /** Set when a corrupt catalog was moved aside and a fresh one created: tell the operator where it went. */
  quarantinedCatalog?: string;
  /**
   * Re-activates the profile chosen last time, or the Local demo when none was chosen and it exists.
   * Failures are logged and leave no profile active (the renderer then asks); never throws.
   */
  restoreProfile(): Promise<string | null>;
  close(): Promise<void>;
}

function installIdIn(dataDir: string): string {
  const file = join(dataDir, 'install-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[a-z0-9]{16}$/.test(id)) return id;
  } catch {
    // First start.
  }
  const id = randomBytes(8).toString('hex');
  writeFileSync(file, id, { mode: 0o600 });
  return id;
}

/**
 * The composition root of the main process: catalog, credentials, KVS calls, sync jobs and the IPC router,
 * with no Electron in sight, so tests and the browser harness run the very same core behind the contract.
 */
export function createCore(opts: CoreOptions): Core {
  mkdirSync(opts.dataDir, { recursive: true });
  const now = opts.now ?? Date.now;
  const file = opts.catalogFile ?? join(opts.dataDir, 'catalog.sqlite');
  let catalog: Catalog;
  let quarantinedCatalog: string | undefined;
  try {
    catalog = openCatalog(file, { log: opts.log, now });
  } catch (err) {
    if (!(err instanceof CatalogError) || err.kind !== 'corrupt' || opts.onCorruptCatalog !== 'quarantine')
      throw err;
    const fresh = quarantineAndRecreate(file, { log: opts.log, now });
    catalog = fresh.catalog;
    quarantinedCatalog = fresh.movedTo;
    opts.log.warn('catalog: the database was corrupt; moved aside and started fresh', {
      movedTo: fresh.movedTo,
    });
  }
  const events = new EventSink((name, payload) => opts.send(name, payload), opts.log);
  const credentials = new CredentialsService({
    box: opts.secretBox,
    secrets: catalogSecretStore(catalog),
    profiles: catalogProfileStore(catalog, () => opts.secretBox.backend),
    emit: (name, payload) => events.emit(name, payload),
    logger: opts.log,
    ...(opts.sharedConfig ? { sharedConfig: opts.sharedConfig } : {}),
    ...(opts.localDemo ? { localDemo: opts.localDemo } : {}),
    now,
  });
  const kvs = new KvsService({
    getActive: () => {
      const active = credentials.active();
      if (!active)
        throw new IpcFailure('CredentialsMissing', 'Choose a profile first (Settings → Profiles).');
      return active;
    },
    cache: catalog.cache,
    installId: installIdIn(opts.dataDir),
    log: opts.log,
  });
  const syncs = new SyncJobs(catalog, () => kvs.channelSource, events, opts.log);
  const router = new IpcRouter(
    buildHandlers({
      version: opts.version,
      kiosk: opts.kiosk,
      catalog,
      credentials,
      kvs,
      syncs,
      events,
      now,
    }),
    {
      isTrustedOrigin: (url) => opts.isTrustedOrigin(url),
      mapError: (err) => toIpcFailure(err),
      log: opts.log,
    },
  );
  let closed: Promise<void> | undefined;
  return {
    router,
    catalog,
    credentials,
    kvs,
    syncs,
    events,
    ...(quarantinedCatalog ? { quarantinedCatalog } : {}),
    async restoreProfile() {
      const wanted = catalog.profiles.active() ?? (opts.localDemo ? LOCAL_DEMO_ID : null);
      if (!wanted) return null;
      try {
        await credentials.select(wanted);
        catalog.profiles.setActive(wanted);
        return wanted;
      } catch (err) {
        opts.log.warn('credentials: could not restore the last profile', {
          profileId: wanted,
          error: err instanceof Error ? err.message : String(err),
        });
        return null;
      }
    },
    close() {
      closed ??= (async () => {
        await syncs.close();
        kvs.close();
        credentials.dispose();
        catalog.close();
      })();
      return closed;
    },
  };
}
