import { IpcFailure } from '../../src-shared/ipc/errors';
import type { Catalog } from './catalog';
import { LOCAL_DEMO_ID, type CredentialsService } from './credentials';
import type { EventSink, Handlers } from './ipc';
import type { KvsService } from './kvs';
import type { SyncJobs } from './syncJobs';
import type { ActiveProfile } from './types';

export interface HandlerDeps {
  version: string;
  kiosk: boolean;
  catalog: Catalog;
  credentials: CredentialsService;
  kvs: KvsService;
  syncs: SyncJobs;
  events: EventSink;
  now: () => number;
}

/** The IPC handler table: thin adapters from the contract to the core services (one per channel). */
export function buildHandlers(d: HandlerDeps): Handlers {
  const { catalog, credentials, kvs } = d;
  const active = (): ActiveProfile => {
    const profile = credentials.active();
    if (!profile) throw new IpcFailure('CredentialsMissing', 'Choose a profile first (Settings → Profiles).');
    return profile;
  };
  // A KVS call that AWS refused for the credentials tells the credentials module, which drops them and
  // emits 'credentials:expired' with what to do.
  const aws = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (
        err instanceof IpcFailure &&
        (err.code === 'CredentialsExpired' || err.code === 'CredentialsMissing')
      ) {
        throw credentials.rejected(err.cause) ?? err;
      }
      throw err;
    }
  };
  const edited = () => d.events.emit('catalog:changed', { reason: 'edit' });

  return {
    'app:info': () => ({
      version: d.version,
      kiosk: d.kiosk,
      demo: credentials.active()?.id === LOCAL_DEMO_ID,
    }),

    'profiles:list': () => credentials.list(),
    'profiles:select': async ({ profileId }) => {
      const selected = await credentials.select(profileId);
      catalog.profiles.save(selected.profile);
      catalog.profiles.setActive(profileId);
      return selected;
    },
    'profiles:addKeys': (req) => credentials.addKeys(req),
    'profiles:remove': ({ profileId }) => credentials.remove(profileId),

    'catalog:sync': ({ regions }) => {
      const profile = active();
      return { syncId: d.syncs.start(profile, regions ?? [profile.region]) };
    },
    'catalog:cancelSync': ({ syncId }) => ({ cancelled: d.syncs.cancel(syncId) }),
    'catalog:search': (req) => catalog.search({ profileId: active().id, ...req }),
    'catalog:channel': ({ channelArn }) => {
      const channel = catalog.channels.get(active().id, channelArn);
      if (!channel)
        throw new IpcFailure('ChannelNotFound', 'That channel is not in the catalog; sync the catalog.');
      return { channel };
    },

    'groups:list': () => ({ groups: catalog.groups.list() }),
    'groups:save': ({ group }) => {
      const saved = catalog.groups.save(group);
      edited();
      return { group: saved };
    },
    'groups:delete': ({ id }) => {
      catalog.groups.delete(id);
      edited();
      return {};
    },
    'layouts:list': () => ({ layouts: catalog.layouts.list() }),
    'layouts:save': ({ layout }) => {
      const saved = catalog.layouts.save(layout);
      edited();
      return { layout: saved };
    },
    'layouts:delete': ({ id }) => {
      catalog.layouts.delete(id);
      edited();
      return {};
    },
    'layouts:export': () => ({ document: catalog.exportLayouts() }),
    'layouts:import': ({ document }) => {
      const counts = catalog.importLayouts(document);
      d.events.emit('catalog:changed', { reason: 'import' });
      return counts;
    },

    'settings:get': () => ({ settings: catalog.settings.get() }),
    'settings:set': ({ patch }) => ({ settings: catalog.settings.set(patch) }),

    'kvs:prepareViewer': (req) => aws(() => kvs.prepareViewer(req)),
    'kvs:signConnectUrl': async (req) => {
      const signed = await aws(() => kvs.signConnectUrl(req));
      catalog.channels.markSeenLive(active().id, req.channelArn, d.now());
      return signed;
    },
    'kvs:connectFailed': (req) => kvs.connectFailed(req),
    'kvs:preparePublisher': (req) => {
      // A kiosk station watches; it never becomes a camera (design.md: main holds the kiosk policy).
      if (d.kiosk)
        throw new IpcFailure('AccessDenied', 'Publishing from this station is turned off in kiosk mode.');
      return aws(() => kvs.preparePublisher(req));
    },
    'kvs:signMasterUrl': (req) => {
      if (d.kiosk)
        throw new IpcFailure('AccessDenied', 'Publishing from this station is turned off in kiosk mode.');
      return aws(() => kvs.signMasterUrl(req));
    },

    'storage:describe': (req) => aws(() => kvs.storage.describe(req)),
    'storage:update': async (req) => {
      const result = await aws(() => kvs.storage.update(req));
      const profileId = active().id;
      catalog.channels.setStorage(profileId, req.channelArn, {
        status: result.status === 'ENABLED' ? 'ENABLED' : 'DISABLED',
        streamArn: result.streamArn,
      });
      catalog.audit.append({
        kind: 'storage',
        channelArn: req.channelArn,
        profileId,
        detail: { enabled: req.enabled, streamArn: result.streamArn, confirmed: req.confirmed },
      });
      edited();
      return result;
    },
    'storage:listStreams': async (req) => {
      const listed = await aws(() => kvs.storage.listStreams(req));
      // Which channel of this profile records into each stream (the catalog's last word on it): enabling
      // another channel onto such a stream would be refused as ResourceInUse.
      const users = catalog.channels.streamUsers(active().id);
      return {
        truncated: listed.truncated,
        streams: listed.streams.map((s) => ({ ...s, usedBy: users.get(s.arn) ?? null })),
      };
    },
    'storage:createStream': async (req) => {
      // A locked station watches; it does not create AWS resources.
      if (d.kiosk) throw new IpcFailure('AccessDenied', 'Creating streams is turned off in kiosk mode.');
      const stream = await aws(() => kvs.storage.createStream(req));
      catalog.audit.append({
        kind: 'storage',
        channelArn: req.channelArn,
        profileId: active().id,
        detail: { action: 'createStream', streamArn: stream.arn, retentionHours: stream.retentionHours },
      });
      return { ...stream, usedBy: null };
    },
    'storage:joinAsViewer': (req) => aws(() => kvs.storage.joinAsViewer(req)),
    'storage:joinAsMaster': async (req) => {
      if (d.kiosk)
        throw new IpcFailure('AccessDenied', 'Publishing from this station is turned off in kiosk mode.');
      await aws(() => kvs.storage.joinAsMaster(req));
      catalog.audit.append({
        kind: 'publish',
        channelArn: req.channelArn,
        profileId: active().id,
        detail: { action: 'join' },
      });
      return {};
    },

    'audit:talk': ({ channelArn, tileId, startedAt, endedAt }) => {
      if (endedAt < startedAt)
        throw new IpcFailure('InvalidArgument', 'A talk burst cannot end before it starts.');
      const id = catalog.audit.append({
        kind: 'talk',
        channelArn,
        profileId: credentials.active()?.id ?? null,
        detail: { tileId, startedAt, endedAt, durationMs: endedAt - startedAt },
      });
      return { id };
    },
    'audit:publish': ({ channelArn, startedAt, endedAt, outcome, message }) => {
      if (endedAt < startedAt)
        throw new IpcFailure('InvalidArgument', 'A publishing run cannot end before it starts.');
      const id = catalog.audit.append({
        kind: 'publish',
        channelArn,
        profileId: credentials.active()?.id ?? null,
        detail: {
          action: 'end',
          startedAt,
          endedAt,
          durationMs: endedAt - startedAt,
          outcome,
          message: message ?? null,
        },
      });
      return { id };
    },
    'audit:list': ({ limit, before }) => ({
      entries: catalog.audit.list({ limit, ...(before !== undefined ? { before } : {}) }),
    }),
  };
}
