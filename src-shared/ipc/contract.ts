import { z } from 'zod';
import {
  auditEntry,
  channelArn,
  channelStatus,
  channelSummary,
  clientId,
  empty,
  exportDocument,
  group,
  iceServer,
  identity,
  ipcErrorSchema,
  layout,
  profile,
  profileId,
  region,
  settings,
  storageStatus,
  streamArn,
  streamInfo,
  streamName,
  tileId,
} from './schemas';

/**
 * The one IPC table (style.md §2): `'domain:verb' -> {req, res}`, strict zod schemas, types derived with
 * z.infer and never written twice. Main validates every request against `req` where the privilege is;
 * the preload only forwards these keys. Replies are `{ok:true,value}` or `{ok:false,error}` (errors.ts).
 */
export const contract = {
  'app:info': {
    req: empty,
    res: z.object({ version: z.string(), kiosk: z.boolean(), demo: z.boolean() }).strict(),
  },

  'profiles:list': {
    req: empty,
    res: z.object({ profiles: z.array(profile), activeProfileId: profileId.nullable() }).strict(),
  },
  /** Makes a profile active: resolves its credentials and calls STS GetCallerIdentity. */
  'profiles:select': {
    req: z.object({ profileId }).strict(),
    res: z.object({ profile, identity }).strict(),
  },
  /** Keys typed in the app, sealed by the secret box; refused in clear unless `allowPlaintext`. */
  'profiles:addKeys': {
    req: z
      .object({
        name: z.string().min(1).max(64),
        region,
        accessKeyId: z
          .string()
          .regex(/^[A-Z0-9]{16,128}$/, 'an access key id is 16–128 upper-case letters and digits'),
        secretAccessKey: z.string().min(16).max(256),
        sessionToken: z.string().min(16).max(4096).optional(),
        allowPlaintext: z.boolean().optional(),
      })
      .strict(),
    res: z.object({ profile }).strict(),
  },
  'profiles:remove': {
    req: z.object({ profileId }).strict(),
    res: empty,
  },

  /** Starts a sync of the active profile's channels (progress arrives as `catalog:syncProgress`). */
  'catalog:sync': {
    req: z.object({ regions: z.array(region).min(1).max(32).optional() }).strict(),
    res: z.object({ syncId: z.string() }).strict(),
  },
  'catalog:cancelSync': {
    req: z.object({ syncId: z.string().min(1).max(64) }).strict(),
    res: z.object({ cancelled: z.boolean() }).strict(),
  },
  /**
   * Full-text search over names and tags; works offline. Ranked by relevance up to 1,000 matches, by name
   * beyond; past 5,000 matches the total is a lower bound. One letter or digit lists the names starting
   * with it.
   */
  'catalog:search': {
    req: z
      .object({
        query: z.string().max(200),
        status: channelStatus.optional(),
        storage: storageStatus.optional(),
        groupId: z.string().max(64).optional(),
        includeMissing: z.boolean().optional(),
        limit: z.number().int().min(1).max(500).default(100),
        offset: z.number().int().min(0).max(1_000_000).default(0),
      })
      .strict(),
    res: z
      .object({
        channels: z.array(channelSummary),
        /** Every match, or — with totalIsLowerBound — as many as were counted before counting stopped. */
        total: z.number().int(),
        /** True when a broad query's count stopped early: at least `total` matches, likely more. */
        totalIsLowerBound: z.boolean().optional(),
      })
      .strict(),
  },
  'catalog:channel': {
    req: z.object({ channelArn }).strict(),
    res: z.object({ channel: channelSummary }).strict(),
  },

  'groups:list': { req: empty, res: z.object({ groups: z.array(group) }).strict() },
  'groups:save': { req: z.object({ group }).strict(), res: z.object({ group }).strict() },
  'groups:delete': { req: z.object({ id: z.string().min(1).max(64) }).strict(), res: empty },
  'layouts:list': { req: empty, res: z.object({ layouts: z.array(layout) }).strict() },
  'layouts:save': { req: z.object({ layout }).strict(), res: z.object({ layout }).strict() },
  'layouts:delete': { req: z.object({ id: z.string().min(1).max(64) }).strict(), res: empty },
  'layouts:export': { req: empty, res: z.object({ document: exportDocument }).strict() },
  'layouts:import': {
    req: z.object({ document: exportDocument }).strict(),
    res: z.object({ groups: z.number().int(), layouts: z.number().int() }).strict(),
  },

  'settings:get': { req: empty, res: z.object({ settings }).strict() },
  'settings:set': {
    req: z.object({ patch: settings.partial() }).strict(),
    res: z.object({ settings }).strict(),
  },

  /**
   * Everything a tile needs before it opens signaling: endpoints main resolved itself (and will sign for),
   * ICE servers (cached until TTL−15 s), storage status, and the tile's stable ClientId.
   */
  'kvs:prepareViewer': {
    req: z.object({ channelArn, tileId }).strict(),
    res: z
      .object({
        clientId,
        region,
        endpoints: z.object({ wss: z.string(), https: z.string(), webrtc: z.string().nullable() }).strict(),
        iceServers: z.array(iceServer),
        storage: z.object({ status: storageStatus, streamArn: z.string().nullable() }).strict(),
      })
      .strict(),
  },
  /**
   * The renderer's RequestSigner: presigns one ConnectAsViewer URL (X-Amz-Expires 299) — only for the WSS
   * endpoint main resolved for this channel and only with this tile's ClientId. Paced per channel.
   */
  'kvs:signConnectUrl': {
    req: z
      .object({
        channelArn,
        tileId,
        endpoint: z.string().max(2048),
        queryParams: z.record(z.string().max(64), z.string().max(2048)),
        signingDate: z.number().optional(),
      })
      .strict(),
    res: z.object({ url: z.string() }).strict(),
  },
  /**
   * "Publish from this station": everything the console needs to act as the producing device (master) of a
   * storage-enabled channel — the MASTER endpoints main resolved (WSS, HTTPS, WEBRTC), ICE servers and the
   * storage status. Refused on a kiosk station and on channels whose storage is not ENABLED.
   */
  'kvs:preparePublisher': {
    req: z.object({ channelArn }).strict(),
    res: z
      .object({
        region,
        endpoints: z.object({ wss: z.string(), https: z.string(), webrtc: z.string() }).strict(),
        iceServers: z.array(iceServer),
        storage: z.object({ status: storageStatus, streamArn: z.string().nullable() }).strict(),
      })
      .strict(),
  },
  /**
   * The publisher's RequestSigner: presigns one ConnectAsMaster URL (X-Amz-Expires 299) — only for the MASTER
   * WSS endpoint main resolved for this channel and only with `X-Amz-ChannelARN` (a master has no ClientId).
   */
  'kvs:signMasterUrl': {
    req: z
      .object({
        channelArn,
        endpoint: z.string().max(2048),
        queryParams: z.record(z.string().max(64), z.string().max(2048)),
        signingDate: z.number().optional(),
      })
      .strict(),
    res: z.object({ url: z.string() }).strict(),
  },
  /** A connect attempt failed (socket refused, 404): main drops its cached endpoints for the channel. */
  'kvs:connectFailed': {
    req: z.object({ channelArn, tileId, status: z.number().int().optional() }).strict(),
    res: empty,
  },

  'storage:describe': {
    req: z.object({ channelArn }).strict(),
    res: z
      .object({ status: storageStatus, streamArn: z.string().nullable(), streamName: z.string().nullable() })
      .strict(),
  },
  /** Enables or disables media storage; `confirmed` records that the operator accepted the warning. */
  'storage:update': {
    req: z
      .object({
        channelArn,
        enabled: z.boolean(),
        streamArn: streamArn.optional(),
        confirmed: z.literal(true),
      })
      .strict(),
    res: z.object({ status: storageStatus, streamArn: z.string().nullable() }).strict(),
  },
  /**
   * The streams this channel's media storage can record into: ACTIVE streams of the channel's account and
   * region that keep data (DataRetentionInHours > 0), by name (ListStreams, at most 1,000: `truncated` when
   * there are more — a stream ARN can still be typed).
   */
  'storage:listStreams': {
    req: z.object({ channelArn }).strict(),
    res: z.object({ streams: z.array(streamInfo).max(1_000), truncated: z.boolean() }).strict(),
  },
  /**
   * Creates a stream to record the channel into (CreateStream in the channel's region, retention 1 h – 10
   * years; a name already taken is a Conflict). Audited; refused in kiosk mode.
   */
  'storage:createStream': {
    req: z
      .object({ channelArn, name: streamName, retentionHours: z.number().int().min(1).max(87_600) })
      .strict(),
    res: streamInfo,
  },
  'storage:joinAsViewer': { req: z.object({ channelArn, tileId }).strict(), res: empty },
  'storage:joinAsMaster': { req: z.object({ channelArn }).strict(), res: empty },

  'audit:talk': {
    req: z.object({ channelArn, tileId, startedAt: z.number(), endedAt: z.number() }).strict(),
    res: z.object({ id: z.number().int() }).strict(),
  },
  /** A publishing run ended: how long and why (stopped by the operator, taken over, failed). */
  'audit:publish': {
    req: z
      .object({
        channelArn,
        startedAt: z.number(),
        endedAt: z.number(),
        outcome: z.enum(['stopped', 'taken-over', 'failed']),
        message: z.string().max(500).optional(),
      })
      .strict(),
    res: z.object({ id: z.number().int() }).strict(),
  },
  'audit:list': {
    req: z
      .object({ limit: z.number().int().min(1).max(1000).default(100), before: z.number().int().optional() })
      .strict(),
    res: z.object({ entries: z.array(auditEntry) }).strict(),
  },
} as const;

/** Events main pushes to the renderer. */
export const events = {
  /**
   * A region's sync, step by step. Without `phase`: listing (`channels` = listed so far). `phase: 'tags'`:
   * the region's channels and their storage are in the catalog, its tags are being read (`channels` of
   * `total`; search by tag completes when the region is done). `done`: the region is complete (or failed).
   */
  'catalog:syncProgress': z
    .object({
      syncId: z.string(),
      region,
      pages: z.number().int(),
      channels: z.number().int(),
      done: z.boolean(),
      error: ipcErrorSchema.optional(),
      phase: z.enum(['tags']).optional(),
      total: z.number().int().optional(),
    })
    .strict(),
  /** Credentials expired and main could not refresh them: what happened and what to do. */
  'credentials:expired': z
    .object({ profileId, message: z.string(), action: z.enum(['login', 'rekey', 'retry']) })
    .strict(),
  'catalog:changed': z.object({ reason: z.enum(['sync', 'import', 'edit']) }).strict(),
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type Req<C extends Channel> = z.input<Contract[C]['req']>;
export type ParsedReq<C extends Channel> = z.output<Contract[C]['req']>;
export type Res<C extends Channel> = z.output<Contract[C]['res']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const CHANNELS = Object.keys(contract) as Channel[];
export const EVENT_NAMES = Object.keys(events) as EventName[];
