import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { contract, type EventPayload, type Req } from '../../../src-shared/ipc/contract';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { profile as profileSchema } from '../../../src-shared/ipc/schemas';
import type { ActiveProfile, Logger } from '../types';
import {
  credentialFailure,
  isCredentialRejection,
  isNetworkError,
  keysRenewal,
  localDemoRenewal,
  safeDetail,
  sharedRenewal,
  type Renewal,
} from './advice';
import { getCallerIdentity, type CallerIdentity, type IdentityLookup } from './identity';
import { RefreshingCredentials, type RefreshTiming } from './refreshing';
import { plaintextBox, type SecretBox } from './secretBox';
import { discoverSharedProfiles, resolveSharedConfigPaths, type SharedConfigLocation } from './sharedConfig';
import {
  SealedKeysUnavailable,
  keysSource,
  localDemoSource,
  sealKeys,
  sharedSource,
  type CredentialSource,
  type LocalDemoInfo,
} from './sources';
import type { KeysProfileRecord, ProfileStore, SealedSecretStore } from './stores';

/** A profile as the renderer sees it: names, kind, region and where it comes from — never a key. */
export type Profile = z.infer<typeof profileSchema>;
export type ExpiredEvent = EventPayload<'credentials:expired'>;
/** Pushes `credentials:expired` to the renderer (the IPC EventSink's `emit` fits). */
export type ExpiredEmitter = (name: 'credentials:expired', payload: ExpiredEvent) => void;
export type AddKeysInput = Req<'profiles:addKeys'>;

/** The built-in profile for kvs-local. */
export const LOCAL_DEMO_ID = 'local-demo';

export interface CredentialsServiceOptions {
  /** Seals typed keys (safeStorage in the app, aesGcmBox in tests). */
  box: SecretBox;
  secrets: SealedSecretStore;
  profiles: ProfileStore;
  emit: ExpiredEmitter;
  logger: Logger;
  /** Where the shared AWS files are (default: environment, then ~/.aws). */
  sharedConfig?: SharedConfigLocation;
  /** kvs-local's connection info; without it there is no Local demo profile. */
  localDemo?: LocalDemoInfo | (() => LocalDemoInfo);
  /** Defaults to STS GetCallerIdentity. */
  identify?: IdentityLookup;
  refresh?: RefreshTiming;
  now?: () => number;
}

interface Entry {
  profile: Profile;
  renewal: Renewal;
  endpoint?: string;
  source: CredentialSource;
  /** A profile whose definition changed (file edited, keys re-entered) gets a new provider. */
  fingerprint: string;
}

interface Current {
  entry: Entry;
  refreshing: RefreshingCredentials;
  active: ActiveProfile;
}

function looksExpired(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name.startsWith('ExpiredToken') || /expired/i.test(safeDetail(err));
}

/**
 * Profiles and the active credentials: what the `profiles:*` IPC handlers call, and what core/kvs asks
 * for the ActiveProfile. Everything it returns is safe for the renderer — profile metadata and the
 * caller identity; keys stay in the sources and the refreshing provider.
 */
export class CredentialsService {
  private current: Current | undefined;
  /** Numbers every `select` call in call order. */
  private selectCalls = 0;
  /** The call number of the select that counts: the latest one for a profile that exists. */
  private selecting = 0;
  private lastProblems = '';
  private readonly localDemo: (() => LocalDemoInfo) | undefined;
  private readonly identify: IdentityLookup;
  private readonly now: () => number;

  constructor(private readonly opts: CredentialsServiceOptions) {
    const demo = opts.localDemo;
    this.localDemo = typeof demo === 'function' ? demo : demo ? () => demo : undefined;
    this.identify = opts.identify ?? getCallerIdentity;
    this.now = opts.now ?? Date.now;
  }

  /** Every profile (Local demo, the shared files', typed keys) and which one is active. */
  async list(): Promise<{ profiles: Profile[]; activeProfileId: string | null }> {
    const entries = await this.entries();
    return {
      profiles: entries.map((e) => ({ ...e.profile })),
      activeProfileId: this.current?.entry.profile.id ?? null,
    };
  }

  /**
   * Makes a profile active: resolves its credentials and asks STS who they belong to. On failure the
   * previous profile stays active and the IpcFailure says what to do. Selects are serialised by
   * cancelling: a later select of an existing profile makes an earlier one still in flight fail with
   * Cancelled. A profile id that does not exist is refused before that, leaving a select in flight alone.
   */
  async select(profileId: string): Promise<{ profile: Profile; identity: CallerIdentity }> {
    const call = ++this.selectCalls;
    const entry = (await this.entries()).find((e) => e.profile.id === profileId);
    if (!entry)
      throw new IpcFailure('CredentialsMissing', `There is no profile '${profileId.slice(0, 128)}'.`);
    // A later call whose lookup finished first has already taken over.
    if (call < this.selecting) throw new IpcFailure('Cancelled', 'Another profile was selected meanwhile.');
    const ticket = (this.selecting = call);
    const cur = this.current;
    const next =
      cur && cur.entry.profile.id === profileId && cur.entry.fingerprint === entry.fingerprint
        ? cur
        : this.activate(entry);
    let identity: CallerIdentity;
    try {
      await next.refreshing.get();
      identity = await this.identify(next.active);
    } catch (err) {
      if (next !== this.current) next.refreshing.dispose();
      throw this.identityFailure(err, next);
    }
    if (ticket !== this.selecting) {
      if (next !== this.current) next.refreshing.dispose();
      throw new IpcFailure('Cancelled', 'Another profile was selected meanwhile.');
    }
    if (next !== this.current) {
      this.current?.refreshing.dispose();
      this.current = next;
    }
    this.opts.logger.info('credentials: profile selected', { profileId, kind: entry.profile.kind });
    return { profile: { ...entry.profile }, identity };
  }

  /**
   * Stores keys typed in the app, sealed by the box (a profile of the same name gets the new keys: that is
   * how "rekey" works). Refused when the box cannot encrypt, unless `allowPlaintext` says to store in clear.
   */
  addKeys(input: AddKeysInput): { profile: Profile } {
    const parsed = contract['profiles:addKeys'].req.safeParse(input);
    if (!parsed.success) {
      // Issue messages name the field and the rule, never the value.
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new IpcFailure('InvalidArgument', `Invalid keys: ${why}`);
    }
    const req = parsed.data;
    const name = req.name.trim();
    if (!name) throw new IpcFailure('InvalidArgument', 'name: a profile needs a name.');
    let box = this.opts.box;
    if (!box.isEncryptionAvailable()) {
      if (!req.allowPlaintext) {
        throw new IpcFailure(
          'InvalidArgument',
          `This system offers no secure storage for keys (${box.backend} cannot encrypt here), so they would be ` +
            'stored unencrypted. Allow that explicitly, or use a profile from ~/.aws/config instead.',
        );
      }
      box = plaintextBox;
    }
    const existing = this.opts.profiles.list().find((r) => r.name === name);
    const record: KeysProfileRecord = {
      id: existing?.id ?? `keys:${randomUUID()}`,
      name,
      region: req.region,
      updatedAt: this.now(),
    };
    // Profile first: the catalog's secrets row references it (foreign key). A crash in between leaves a
    // visible profile asking for keys, as in `remove`.
    this.opts.profiles.upsert(record);
    this.opts.secrets.put(record.id, box.backend, sealKeys(box, req));
    this.opts.logger.info('credentials: keys stored', { profileId: record.id, backend: box.backend });
    const entry = this.keysEntry(record, box.backend);
    if (this.current?.entry.profile.id === record.id) {
      // New keys for the active profile take effect on the next call.
      this.current.refreshing.dispose();
      this.current = this.activate(entry);
    }
    return { profile: { ...entry.profile } };
  }

  /** Forgets a profile of typed keys (its sealed secret first). Shared-config and demo profiles are refused. */
  remove(profileId: string): Record<string, never> {
    const record = this.opts.profiles.list().find((r) => r.id === profileId);
    if (!record) {
      const why =
        profileId === LOCAL_DEMO_ID
          ? 'The Local demo profile is built in.'
          : profileId.startsWith('aws:')
            ? 'Profiles from the shared AWS files are removed by editing those files.'
            : `There is no profile '${profileId.slice(0, 128)}'.`;
      throw new IpcFailure('InvalidArgument', why);
    }
    // Secret first: a crash in between leaves a visible profile asking for keys, not an orphaned secret.
    this.opts.secrets.delete(profileId);
    this.opts.profiles.delete(profileId);
    if (this.current?.entry.profile.id === profileId) {
      this.current.refreshing.dispose();
      this.current = undefined;
    }
    this.opts.logger.info('credentials: keys removed', { profileId });
    return {};
  }

  /** The profile every AWS call uses now, with its refreshing provider. */
  active(): ActiveProfile | undefined {
    return this.current?.active;
  }

  /**
   * For core/kvs: an AWS call failed; if it says the active credentials are expired or invalid, the
   * cached ones are dropped (the next call fetches anew, which fixes refreshable profiles), the renderer
   * is told what to do, and the IpcFailure to answer with is returned. Otherwise undefined.
   */
  rejected(err: unknown): IpcFailure | undefined {
    const cur = this.current;
    if (!cur || !isCredentialRejection(err)) return undefined;
    cur.refreshing.invalidate();
    const failure = this.rejection(err, cur.entry);
    this.opts.emit('credentials:expired', {
      profileId: cur.entry.profile.id,
      message: failure.message,
      action: cur.entry.renewal.action,
    });
    return failure;
  }

  /** Stops background refreshes (app quitting). */
  dispose(): void {
    this.current?.refreshing.dispose();
    this.current = undefined;
  }

  private activate(entry: Entry): Current {
    const { profile, renewal } = entry;
    const refreshing: RefreshingCredentials = new RefreshingCredentials(
      {
        fetch: entry.source,
        fail: (err, had) => {
          this.opts.logger.warn('credentials: could not get credentials', {
            profileId: profile.id,
            error: err instanceof Error ? err.name : typeof err,
            // credential_process errors quote the program's output: only the first line, bounded.
            detail: safeDetail(err),
          });
          if (err instanceof SealedKeysUnavailable) {
            return new IpcFailure(
              'CredentialsMissing',
              `The keys stored for "${profile.name}" cannot be used: ${err.message}. ${renewal.remedy}`,
            );
          }
          return credentialFailure(err, profile.name, renewal, !had && !looksExpired(err));
        },
        lost: (failure) => {
          // Only the active profile's loss concerns the operator.
          if (this.current?.refreshing !== refreshing) return;
          this.opts.emit('credentials:expired', {
            profileId: profile.id,
            message: failure.message,
            action: renewal.action,
          });
        },
        degraded: (err) =>
          this.opts.logger.warn('credentials: refresh failed; the current credentials are still valid', {
            profileId: profile.id,
            error: err instanceof Error ? err.name : typeof err,
          }),
      },
      this.opts.refresh,
    );
    const active: ActiveProfile = {
      id: profile.id,
      region: profile.region,
      credentials: refreshing.provider,
      ...(entry.endpoint ? { endpoint: entry.endpoint } : {}),
    };
    return { entry, refreshing, active };
  }

  private rejection(err: unknown, entry: Entry): IpcFailure {
    const code = err instanceof Error ? err.name : 'rejected';
    return new IpcFailure(
      'CredentialsExpired',
      `AWS rejected the credentials of "${entry.profile.name}" (${code}). ${entry.renewal.remedy}`,
    );
  }

  private identityFailure(err: unknown, cur: Current): IpcFailure {
    if (err instanceof IpcFailure) return err;
    const { profile } = cur.entry;
    if (isCredentialRejection(err)) {
      cur.refreshing.invalidate();
      return this.rejection(err, cur.entry);
    }
    if (isNetworkError(err)) {
      return new IpcFailure('Offline', `Could not reach STS to check the credentials of "${profile.name}".`);
    }
    this.opts.logger.error('credentials: GetCallerIdentity failed', {
      profileId: profile.id,
      error: err instanceof Error ? err.name : typeof err,
      detail: safeDetail(err),
    });
    return new IpcFailure(
      'Internal',
      `Could not check the credentials of "${profile.name}"; see the main log.`,
    );
  }

  private async entries(): Promise<Entry[]> {
    const out: Entry[] = [];
    const demo = this.demoEntry();
    if (demo) out.push(demo);
    const loc = this.opts.sharedConfig ?? {};
    const { profiles, problems } = await discoverSharedProfiles(loc);
    const said = problems.join('\n');
    if (said && said !== this.lastProblems)
      this.opts.logger.warn('credentials: shared AWS files', { problems });
    this.lastProblems = said;
    const paths = resolveSharedConfigPaths(loc);
    for (const p of profiles) {
      const profile: Profile = {
        id: `aws:${p.name}`,
        name: p.name,
        kind: p.kind,
        region: p.region,
        source: p.source,
      };
      out.push({
        profile,
        renewal: sharedRenewal(p.renewal, p.source),
        source: sharedSource(p, paths),
        fingerprint: `${p.kind}|${p.region}|${p.source}|${paths.configFile}|${paths.credentialsFile}`,
      });
    }
    for (const record of this.opts.profiles.list()) {
      out.push(this.keysEntry(record, this.opts.secrets.get(record.id)?.backend));
    }
    return out;
  }

  private demoEntry(): Entry | undefined {
    if (!this.localDemo) return undefined;
    let info: LocalDemoInfo;
    try {
      info = this.localDemo();
    } catch (err) {
      // kvs-local not running (yet): the list still shows every other profile.
      this.opts.logger.warn('credentials: no Local demo profile', { error: safeDetail(err) });
      return undefined;
    }
    const profile: Profile = {
      id: LOCAL_DEMO_ID,
      name: 'Local demo',
      kind: 'local-demo',
      region: info.region,
      source: `kvs-local at ${info.endpoint}`,
    };
    return {
      profile,
      renewal: localDemoRenewal,
      endpoint: info.endpoint,
      source: localDemoSource(this.localDemo),
      fingerprint: `${profile.region}|${info.endpoint}`,
    };
  }

  private keysEntry(record: KeysProfileRecord, backend: string | undefined): Entry {
    const source =
      backend === undefined
        ? 'keys missing: enter them again'
        : backend === plaintextBox.backend
          ? 'typed in the app, stored unencrypted'
          : `typed in the app, sealed with ${backend}`;
    return {
      profile: { id: record.id, name: record.name, kind: 'keys', region: record.region, source },
      renewal: keysRenewal(record.name),
      source: keysSource(record.id, this.opts.secrets, this.opts.box),
      fingerprint: `${record.region}|${record.updatedAt}|${backend ?? ''}`,
    };
  }
}
