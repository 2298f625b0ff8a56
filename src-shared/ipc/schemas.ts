import { z } from 'zod';
import { channelArnProblem, clientIdProblem } from '../kvs/validate';
import { ipcErrorSchema } from './errors';

/** Building blocks of the IPC contract: identifiers are validated where they enter main, with the reason. */

export const channelArn = z.string().superRefine((v, ctx) => {
  const problem = channelArnProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const streamArn = z
  .string()
  .max(1024)
  .regex(
    /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:stream\/[a-zA-Z0-9_.-]+\/[0-9]+$/,
    'not a Kinesis Video stream ARN',
  );

/** A Kinesis video stream name (CreateStream's StreamName pattern). */
export const streamName = z
  .string()
  .regex(/^[a-zA-Z0-9_.-]{1,256}$/, 'a stream name is 1–256 of letters, digits, _ . and -');

/** A stream media storage can record into. */
export const streamInfo = z
  .object({
    arn: z.string(),
    name: z.string(),
    /** DataRetentionInHours (always > 0 here: a stream that keeps nothing cannot take a storage session). */
    retentionHours: z.number().int(),
    createdAt: z.number().nullable(),
    /** The channel of this profile (by the catalog) that already records into it, or null. */
    usedBy: z.string().nullable(),
  })
  .strict();

/** A tile's id in the renderer (stable for the tile's life; the ClientId is derived from it in main). */
export const tileId = z
  .string()
  .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tileId must be 1–64 of letters, digits, _ and -');

export const clientId = z.string().superRefine((v, ctx) => {
  const problem = clientIdProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'not an AWS region name');

export const profileId = z.string().min(1).max(128);

export const empty = z.object({}).strict();

export const channelStatus = z.enum(['CREATING', 'ACTIVE', 'UPDATING', 'DELETING']);
export const storageStatus = z.enum(['ENABLED', 'DISABLED', 'UNKNOWN']);

export const profileKind = z.enum(['local-demo', 'shared-config', 'sso', 'process', 'keys']);

/** A credentials profile as the renderer sees it: names only, never a key. */
export const profile = z
  .object({
    id: profileId,
    name: z.string(),
    kind: profileKind,
    region,
    /** Where it comes from, for the settings page (e.g. `~/.aws/config [profile ops]`, `sealed with safeStorage`). */
    source: z.string(),
  })
  .strict();

export const identity = z
  .object({
    accountId: z.string(),
    arn: z.string(),
    userId: z.string(),
  })
  .strict();

export const channelSummary = z
  .object({
    arn: z.string(),
    name: z.string(),
    profileId,
    region,
    status: channelStatus,
    storageStatus,
    streamArn: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    lastSyncedAt: z.number().nullable(),
    lastSeenLiveAt: z.number().nullable(),
    /** The last sync no longer listed it (deleted, or not visible to these credentials). */
    missing: z.boolean(),
  })
  .strict();

export const group = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    channelArns: z.array(z.string()).max(1000),
  })
  .strict();

export const gridSpec = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('grid'),
      rows: z.number().int().min(1).max(5),
      cols: z.number().int().min(1).max(5),
    })
    .strict(),
  z.object({ kind: z.literal('focus'), strip: z.number().int().min(1).max(8) }).strict(),
]);

export const layout = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    grid: gridSpec,
    tiles: z
      .array(z.object({ index: z.number().int().min(0).max(63), channelArn: z.string().nullable() }).strict())
      .max(64),
  })
  .strict();

export const iceServer = z
  .object({
    urls: z.array(z.string()),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .strict();

export const auditEntry = z
  .object({
    id: z.number().int(),
    at: z.number(),
    kind: z.enum(['talk', 'storage', 'kiosk-unlock', 'publish']),
    channelArn: z.string().nullable(),
    detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .strict();

/** The versioned document of groups and layouts that export/import exchange. */
export const exportDocument = z
  .object({
    format: z.literal('watchfloor.layouts'),
    version: z.literal(1),
    exportedAt: z.number(),
    groups: z.array(group).max(10_000),
    layouts: z.array(layout).max(10_000),
  })
  .strict();

export const settings = z
  .object({
    micDeviceId: z.string().nullable(),
    talkLatch: z.boolean(),
    duckOthersDb: z.number().min(-60).max(0),
    /** Hear the camera while talking (echo risk on speakers: for headsets). */
    talkFullDuplex: z.boolean(),
    showStats: z.boolean(),
    defaultLayoutId: z.string().nullable(),
  })
  .strict();

export { ipcErrorSchema };
