/**
 * The trust boundary of the main process (design.md "Processes and trust"), end to end through the IPC
 * router against kvs-local with temporary credentials: a full session — profiles, typed keys, catalog
 * sync and search, groups/layouts/settings, viewer preparation and signed connect URLs, storage, audit,
 * export/import, an expiry — and then every serialized reply and event, the catalog's files and the main
 * log are searched for the credentials. The secret access keys never appear; the session token and the
 * access key id appear only inside signed connect URLs, as X-Amz-Security-Token and X-Amz-Credential.
 * Calls from foreign frames and malformed requests are refused with InvalidArgument naming the field.
 */
import { randomBytes } from 'node:crypto';
import { CreateSignalingChannelCommand, CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import { aesGcmBox } from '../../src-main/core/credentials';
import type { Sender } from '../../src-main/core/ipc';
import { CHANNELS, type Channel } from '../../src-shared/ipc/contract';
import { ipcErrorSchema, type IpcResult } from '../../src-shared/ipc/errors';
import { APP_URL, startTestCore, type TestCore } from '../helpers/core';
import { admin, controlClient, eventually, startTestKvs } from '../helpers/kvsLocal';
import {
  auditTranscript,
  callAs,
  capturingLogger,
  leaksIn,
  leaksInBytes,
  leaksInFiles,
  type Secret,
} from '../helpers/leaks';

/** Typed keys: fake but well-formed, random enough that any 16-char fragment is unmistakable. */
const TYPED = {
  accessKeyId: 'LOCALFAKEKEY0000000A',
  secretAccessKey: `wfTyped/${randomBytes(24).toString('base64')}`.slice(0, 40),
  sessionToken: `wfTypedToken/${randomBytes(60).toString('base64')}`,
};
const TYPED_REKEY = `wfRekey/${randomBytes(24).toString('base64')}`.slice(0, 40);
/** A secret sent in requests that are refused: it must not come back in the refusal either. */
const REFUSED_SECRET = `wfRefused/${randomBytes(24).toString('base64')}`.slice(0, 40);

let kvs: KvsLocal;
let t: TestCore;
const logger = capturingLogger();
const box = aesGcmBox(randomBytes(32));
const arns: string[] = [];
let streamArn = '';
const never: Secret[] = [
  { label: 'typed secretAccessKey', value: TYPED.secretAccessKey },
  { label: 'typed accessKeyId', value: TYPED.accessKeyId },
  { label: 'typed sessionToken', value: TYPED.sessionToken },
  { label: 'rekeyed secretAccessKey', value: TYPED_REKEY },
  { label: 'refused secret', value: REFUSED_SECRET },
];
const tokens: Secret[] = [];
const keyIds: Secret[] = [];

/** kvs-local's current credentials join the lists (the first set, and each rotated set). */
function learnKvsCredentials(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const n = keyIds.length + 1;
  never.push({ label: `kvs-local secretAccessKey #${n}`, value: c.secretAccessKey });
  keyIds.push({ label: `kvs-local accessKeyId #${n}`, value: c.accessKeyId });
  if (!c.sessionToken) throw new Error('kvs-local was expected to issue temporary credentials');
  tokens.push({ label: `kvs-local sessionToken #${n}`, value: c.sessionToken });
}

function expectInvalid(reply: IpcResult<unknown>, ...mentions: string[]): void {
  expect(reply.ok).toBe(false);
  if (reply.ok) return;
  expect(ipcErrorSchema.parse(reply.error)).toEqual(reply.error);
  expect(reply.error.code).toBe('InvalidArgument');
  expect(reply.error.retryable).toBe(false);
  for (const m of mentions) expect(reply.error.message).toContain(m);
}

beforeAll(async () => {
  kvs = await startTestKvs({ temporaryCredentials: true, limits: { controlTpsScale: 0 } });
  learnKvsCredentials(kvs.info);
  const kv = controlClient(kvs);
  try {
    for (let i = 0; i < 12; i++) {
      const { ChannelARN } = await kv.send(
        new CreateSignalingChannelCommand({
          ChannelName: `sec-cam-${i}`,
          Tags: [{ Key: 'zone', Value: i < 6 ? 'east' : 'west' }],
        }),
      );
      arns.push(ChannelARN!);
    }
    streamArn = (
      await kv.send(new CreateStreamCommand({ StreamName: 'sec-archive', DataRetentionInHours: 2 }))
    ).StreamARN!;
  } finally {
    kv.destroy();
  }
  t = startTestCore(kvs, { log: logger.log, secretBox: box });
});

afterAll(async () => {
  await t?.close();
  await kvs?.close();
});

describe('bad senders', () => {
  const badSenders: Sender[] = [
    { url: 'https://evil.example/', isTopFrame: true },
    { url: APP_URL, isTopFrame: false },
    { url: 'file:///etc/passwd', isTopFrame: true },
    { url: '', isTopFrame: true },
    { url: 'app://watchfloor.evil.example/index.html', isTopFrame: true },
    { url: 'https://evil.example/', isTopFrame: false },
  ];

  it('refuses every channel from a frame that is not the console window, before any handler runs', async () => {
    const before = await t.ok('settings:get', {});
    const requests: Array<[Channel, unknown]> = [
      ['app:info', {}],
      ['profiles:list', {}],
      ['profiles:select', { profileId: 'local-demo' }],
      [
        'profiles:addKeys',
        {
          name: 'evil',
          region: 'us-west-2',
          accessKeyId: 'LOCALFAKEKEY000000EV',
          secretAccessKey: REFUSED_SECRET,
        },
      ],
      ['settings:set', { patch: { showStats: !before.settings.showStats } }],
      ['layouts:export', {}],
      ['audit:list', {}],
      [
        'kvs:signConnectUrl',
        { channelArn: arns[0], tileId: 't', endpoint: 'ws://127.0.0.1/v-00000000', queryParams: {} },
      ],
    ];
    for (const sender of badSenders) {
      for (const [channel, payload] of requests) {
        const reply = await callAs(t, sender, channel, payload);
        expectInvalid(reply, 'not the console window');
      }
    }
    // Nothing happened: no profile selected or added, settings unchanged.
    const { profiles, activeProfileId } = await t.ok('profiles:list', {});
    expect(activeProfileId).toBeNull();
    expect(profiles.map((p) => p.name)).not.toContain('evil');
    expect(await t.ok('settings:get', {})).toEqual(before);
    expect(logger.lines.filter((l) => l.includes('refused a call from an untrusted frame')).length).toBe(
      badSenders.length * requests.length,
    );
  });
});

describe('a full session', () => {
  let typedId = '';

  it('lists and selects the Local demo profile: names and identity, never a key', async () => {
    const { profiles } = await t.ok('profiles:list', {});
    expect(profiles.find((p) => p.id === 'local-demo')).toMatchObject({ kind: 'local-demo' });
    const selected = await t.ok('profiles:select', { profileId: 'local-demo' });
    expect(selected.identity.accountId).toBe('111122223333');
    expect((await t.ok('app:info', {})).demo).toBe(true);
  });

  it('seals typed keys and never echoes them', async () => {
    const added = await t.ok('profiles:addKeys', { name: 'Typed ops', region: 'eu-west-1', ...TYPED });
    typedId = added.profile.id;
    expect(added.profile).toEqual({
      id: expect.stringMatching(/^keys:/) as string,
      name: 'Typed ops',
      kind: 'keys',
      region: 'eu-west-1',
      source: 'typed in the app, sealed with test-aes-gcm',
    });
    const sealed = t.core.catalog.profiles.sealedSecret(typedId)!;
    expect(sealed.backend).toBe('test-aes-gcm');
    const secretsOnly = never.slice(0, 3);
    expect(leaksInBytes(Buffer.from(sealed.sealed), secretsOnly)).toEqual([]);
    expect(JSON.parse(box.open(Buffer.from(sealed.sealed)))).toEqual(TYPED);

    // Re-entering keys under the same name replaces them (rekey) and keeps the profile.
    const rekeyed = await t.ok('profiles:addKeys', {
      name: 'Typed ops',
      region: 'eu-west-1',
      accessKeyId: TYPED.accessKeyId,
      secretAccessKey: TYPED_REKEY,
    });
    expect(rekeyed.profile.id).toBe(typedId);
    const resealed = t.core.catalog.profiles.sealedSecret(typedId)!;
    expect(JSON.parse(box.open(Buffer.from(resealed.sealed)))).toMatchObject({
      secretAccessKey: TYPED_REKEY,
    });

    // A second profile, then removed: the secret row goes with it.
    const temp = await t.ok('profiles:addKeys', {
      name: 'Temporary',
      region: 'us-west-2',
      accessKeyId: TYPED.accessKeyId,
      secretAccessKey: TYPED.secretAccessKey,
    });
    await t.ok('profiles:remove', { profileId: temp.profile.id });
    expect(t.core.catalog.profiles.sealedSecret(temp.profile.id)).toBeUndefined();

    const { profiles, activeProfileId } = await t.ok('profiles:list', {});
    expect(activeProfileId).toBe('local-demo');
    expect(profiles.map((p) => p.name)).toEqual(expect.arrayContaining(['Local demo', 'Typed ops']));
    expect(profiles.map((p) => p.name)).not.toContain('Temporary');

    // Refused keys: the refusal names the field, never the value.
    const refused = await t.call('profiles:addKeys', {
      name: 'Bad',
      region: 'us-west-2',
      accessKeyId: 'lowercase-key-id',
      secretAccessKey: REFUSED_SECRET,
    });
    expectInvalid(refused, 'accessKeyId');
  });

  it('syncs the catalog and searches it', async () => {
    const { syncId } = await t.ok('catalog:sync', {});
    await eventually(
      () =>
        t.events.some(
          (e) =>
            e.name === 'catalog:syncProgress' &&
            (e.payload as { syncId: string; done: boolean }).syncId === syncId &&
            (e.payload as { done: boolean }).done,
        ),
      30_000,
    );
    expect((await t.ok('catalog:search', { query: '' })).total).toBe(12);
    expect((await t.ok('catalog:search', { query: 'west' })).total).toBe(6);
    expect(await t.ok('catalog:cancelSync', { syncId })).toEqual({ cancelled: false });
    const { channel } = await t.ok('catalog:channel', { channelArn: arns[2]! });
    expect(channel).toMatchObject({ name: 'sec-cam-2', tags: { zone: 'east' } });
  });

  it('keeps groups, layouts and settings and exports/imports them', async () => {
    await t.ok('groups:save', { group: { id: 'g-east', name: 'East', channelArns: arns.slice(0, 6) } });
    await t.ok('layouts:save', {
      layout: {
        id: 'l-east',
        name: 'East wall',
        grid: { kind: 'grid', rows: 2, cols: 3 },
        tiles: arns.slice(0, 6).map((channelArn, index) => ({ index, channelArn })),
      },
    });
    expect((await t.ok('catalog:search', { query: '', groupId: 'g-east' })).total).toBe(6);
    await t.ok('settings:set', { patch: { showStats: true, duckOthersDb: -18 } });
    const { document } = await t.ok('layouts:export', {});
    await t.ok('groups:delete', { id: 'g-east' });
    await t.ok('layouts:delete', { id: 'l-east' });
    expect(await t.ok('layouts:import', { document })).toEqual({ groups: 1, layouts: 1 });
    expect((await t.ok('groups:list', {})).groups.map((g) => g.id)).toEqual(['g-east']);
    expect((await t.ok('layouts:list', {})).layouts.map((l) => l.id)).toEqual(['l-east']);
    expect((await t.ok('settings:get', {})).settings).toMatchObject({ showStats: true, duckOthersDb: -18 });
  });

  it('prepares viewers and signs connect URLs for two tiles that kvs-local accepts', async () => {
    for (const [i, tileId] of [
      [0, 'tile-a'],
      [1, 'tile-b'],
    ] as const) {
      const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[i]!, tileId });
      const { url } = await t.ok('kvs:signConnectUrl', {
        channelArn: arns[i]!,
        tileId,
        endpoint: prep.endpoints.wss,
        queryParams: { 'X-Amz-ChannelARN': arns[i]!, 'X-Amz-ClientId': prep.clientId },
      });
      const q = new URL(url).searchParams;
      expect(q.get('X-Amz-Security-Token')).toBe(tokens[0]!.value);
      expect(q.get('X-Amz-Credential')).toMatch(
        new RegExp(`^${keyIds[0]!.value}/\\d{8}/us-west-2/kinesisvideo/`),
      );
      expect(q.get('X-Amz-Expires')).toBe('299');
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.close();
    }
    // The renderer reports a failed connect: main drops the endpoints and resolves them again next time.
    expect(await t.ok('kvs:connectFailed', { channelArn: arns[1]!, tileId: 'tile-b', status: 1006 })).toEqual(
      {},
    );
  });

  it('updates, describes and joins storage, and audits it and a talk burst', async () => {
    const updated = await t.ok('storage:update', {
      channelArn: arns[3]!,
      enabled: true,
      streamArn,
      confirmed: true,
    });
    expect(updated.status).toBe('ENABLED');
    expect((await t.ok('storage:describe', { channelArn: arns[3]! })).streamName).toBe('sec-archive');
    const created = await t.ok('storage:createStream', {
      channelArn: arns[2]!,
      name: 'sec-new',
      retentionHours: 2,
    });
    const { streams } = await t.ok('storage:listStreams', { channelArn: arns[2]! });
    expect(streams.map((s) => [s.name, s.usedBy])).toEqual(
      expect.arrayContaining([
        ['sec-archive', expect.any(String)],
        [created.name, null],
      ]),
    );
    await t.ok('kvs:prepareViewer', { channelArn: arns[3]!, tileId: 'tile-s' });
    expect(await t.ok('storage:joinAsViewer', { channelArn: arns[3]!, tileId: 'tile-s' })).toEqual({});
    expect(await t.ok('storage:joinAsMaster', { channelArn: arns[3]! })).toEqual({});
    const pub = await t.ok('kvs:preparePublisher', { channelArn: arns[3]! });
    const master = await t.ok('kvs:signMasterUrl', {
      channelArn: arns[3]!,
      endpoint: pub.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[3]! },
    });
    expect(master.url).toContain('X-Amz-Security-Token=');
    await t.ok('audit:publish', {
      channelArn: arns[3]!,
      startedAt: 1_000,
      endedAt: 2_000,
      outcome: 'stopped',
    });
    await t.ok('audit:talk', { channelArn: arns[3]!, tileId: 'tile-s', startedAt: 1_000, endedAt: 4_000 });
    const { entries } = await t.ok('audit:list', { limit: 10 });
    expect(entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['storage', 'talk', 'publish']));
  });

  it('answers error paths with typed errors', async () => {
    const missingArn = arns[0]!.replace(/channel\/[^/]+\//, 'channel/not-synced/');
    expect(await t.call('catalog:channel', { channelArn: missingArn })).toMatchObject({
      ok: false,
      error: { code: 'ChannelNotFound' },
    });
    expect(await t.call('storage:joinAsViewer', { channelArn: arns[4]!, tileId: 'tile-n' })).toMatchObject({
      ok: false,
      error: { code: 'StorageNotEnabled' },
    });
    expect(await t.call('profiles:select', { profileId: 'aws:nobody' })).toMatchObject({
      ok: false,
      error: { code: 'CredentialsMissing' },
    });
    expectInvalid(await t.call('profiles:remove', { profileId: 'local-demo' }), 'built in');
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[5]!, tileId: 'tile-e' });
    expectInvalid(
      await t.call('kvs:signConnectUrl', {
        channelArn: arns[5]!,
        tileId: 'tile-e',
        endpoint: 'wss://evil.example/v-12345678',
        queryParams: { 'X-Amz-ChannelARN': arns[5]!, 'X-Amz-ClientId': prep.clientId },
      }),
      'endpoint',
    );
    expectInvalid(
      await t.call('kvs:signConnectUrl', {
        channelArn: arns[5]!,
        tileId: 'tile-e',
        endpoint: prep.endpoints.wss,
        queryParams: { 'X-Amz-ChannelARN': arns[5]!, 'X-Amz-ClientId': 'AWS_x' },
      }),
      'X-Amz-ClientId',
    );
    expectInvalid(
      await t.call('kvs:signConnectUrl', {
        channelArn: arns[5]!,
        tileId: 'tile-e',
        endpoint: prep.endpoints.wss,
        queryParams: {
          'X-Amz-ChannelARN': arns[5]!,
          'X-Amz-ClientId': prep.clientId,
          'X-Amz-Security-Token': 'mine',
        },
      }),
      'X-Amz-Security-Token',
    );
    expectInvalid(
      await t.call('kvs:signConnectUrl', {
        channelArn: arns[5]!,
        tileId: 'tile-e',
        endpoint: prep.endpoints.wss,
        queryParams: { 'X-Amz-ChannelARN': arns[5]!, 'X-Amz-ClientId': prep.clientId },
        signingDate: 0,
      }),
      'signingDate',
    );
    expectInvalid(
      await t.call('audit:talk', { channelArn: arns[5]!, tileId: 'tile-e', startedAt: 5, endedAt: 1 }),
    );
  });

  it('refuses malformed requests with InvalidArgument naming the field', async () => {
    const arn = arns[0]!;
    const streamAsChannel = streamArn;
    const cases: Array<[string, unknown, string]> = [
      ['profiles:select', { profileId: 42 }, 'profileId'],
      ['profiles:select', {}, 'profileId'],
      ['profiles:select', 'local-demo', 'request'],
      ['profiles:select', { profileId: 'local-demo', extra: true }, 'extra'],
      ['profiles:select', { profileId: 'x'.repeat(100_000) }, 'profileId'],
      ['profiles:list', [], 'request'],
      ['profiles:list', { all: true }, 'all'],
      [
        'profiles:addKeys',
        { name: 'k', region: 'us-west-2', accessKeyId: TYPED.accessKeyId, secretAccessKey: 12345 },
        'secretAccessKey',
      ],
      [
        'profiles:addKeys',
        {
          name: 'k',
          region: 'mars-north-1x',
          accessKeyId: TYPED.accessKeyId,
          secretAccessKey: REFUSED_SECRET,
        },
        'region',
      ],
      [
        'profiles:addKeys',
        {
          name: 'k',
          region: 'us-west-2',
          accessKeyId: TYPED.accessKeyId,
          secretAccessKey: REFUSED_SECRET.repeat(10),
        },
        'secretAccessKey',
      ],
      [
        'profiles:addKeys',
        { name: 'k', region: 'us-west-2', secretAccessKey: REFUSED_SECRET, accessKeyId: null },
        'accessKeyId',
      ],
      ['catalog:search', { query: 5 }, 'query'],
      ['catalog:search', { query: 'x'.repeat(201) }, 'query'],
      ['catalog:search', { query: '', limit: 0 }, 'limit'],
      ['catalog:search', { query: '', limit: 2.5 }, 'limit'],
      ['catalog:search', { query: '', offset: -1 }, 'offset'],
      ['catalog:search', { query: '', status: 'BROKEN' }, 'status'],
      ['catalog:channel', { channelArn: 'not-an-arn' }, 'channelArn'],
      ['catalog:channel', { channelArn: streamAsChannel }, 'not a signaling channel'],
      ['catalog:channel', { channelArn: `${arn}${'9'.repeat(2000)}` }, 'channelArn'],
      ['catalog:channel', { channelArn: arn.replace('arn:aws:', 'arn:aws:iam::') }, 'channelArn'],
      ['catalog:channel', {}, 'channelArn'],
      ['kvs:prepareViewer', { channelArn: arn, tileId: 'tile one' }, 'tileId'],
      ['kvs:prepareViewer', { channelArn: arn, tileId: '../../etc' }, 'tileId'],
      ['kvs:prepareViewer', { channelArn: arn, tileId: 'x'.repeat(65) }, 'tileId'],
      ['kvs:prepareViewer', { channelArn: [arn], tileId: 't' }, 'channelArn'],
      [
        'kvs:signConnectUrl',
        { channelArn: arn, tileId: 't', endpoint: 'ws://x', queryParams: [] },
        'queryParams',
      ],
      [
        'kvs:signConnectUrl',
        { channelArn: arn, tileId: 't', endpoint: 'ws://x', queryParams: { 'X-Amz-ClientId': 5 } },
        'queryParams.X-Amz-ClientId',
      ],
      [
        'kvs:signConnectUrl',
        { channelArn: arn, tileId: 't', endpoint: `ws://${'x'.repeat(3000)}`, queryParams: {} },
        'endpoint',
      ],
      [
        'kvs:signConnectUrl',
        { channelArn: arn, tileId: 't', endpoint: 'ws://x', queryParams: {}, signingDate: 'now' },
        'signingDate',
      ],
      ['kvs:connectFailed', { channelArn: arn, tileId: 't', status: 'refused' }, 'status'],
      ['storage:update', { channelArn: arn, enabled: true, confirmed: false }, 'confirmed'],
      ['storage:update', { channelArn: arn, enabled: 'yes', confirmed: true }, 'enabled'],
      ['storage:update', { channelArn: arn, enabled: true, confirmed: true, streamArn: arn }, 'streamArn'],
      ['storage:describe', { channelArn: null }, 'channelArn'],
      ['storage:joinAsMaster', { channelArn: arn, tileId: 't' }, 'tileId'],
      ['audit:talk', { channelArn: arn, tileId: 't', startedAt: Number.NaN, endedAt: 1 }, 'startedAt'],
      ['audit:talk', { channelArn: arn, tileId: 't', startedAt: 1, endedAt: Infinity }, 'endedAt'],
      ['audit:list', { limit: 5000 }, 'limit'],
      ['audit:list', { before: 1.5 }, 'before'],
      ['groups:save', { group: { id: 'g', name: 'G', channelArns: 'all' } }, 'group.channelArns'],
      ['groups:save', { group: { id: 'g', name: '', channelArns: [] } }, 'group.name'],
      ['groups:delete', { id: '' }, 'id'],
      [
        'layouts:save',
        { layout: { id: 'l', name: 'L', grid: { kind: 'hex', rows: 1, cols: 1 }, tiles: [] } },
        'layout.grid',
      ],
      [
        'layouts:save',
        {
          layout: {
            id: 'l',
            name: 'L',
            grid: { kind: 'grid', rows: 1, cols: 1 },
            tiles: [{ index: 64, channelArn: null }],
          },
        },
        'layout.tiles.0.index',
      ],
      [
        'layouts:import',
        { document: { format: 'other', version: 1, exportedAt: 0, groups: [], layouts: [] } },
        'document.format',
      ],
      ['settings:set', { patch: { duckOthersDb: 10 } }, 'patch.duckOthersDb'],
      ['settings:set', { patch: { secretAccessKey: REFUSED_SECRET } }, 'secretAccessKey'],
      // Prototype pollution: own `__proto__` / `constructor` keys, as JSON.parse and structured clone make them.
      [
        'profiles:select',
        JSON.parse('{"__proto__":{"polluted":"yes"},"profileId":"local-demo"}'),
        '__proto__',
      ],
      [
        'settings:set',
        JSON.parse('{"patch":{"__proto__":{"showStats":false,"polluted":"yes"}}}'),
        '__proto__',
      ],
      ['groups:save', { group: { id: 'g', name: 'G', channelArns: [], constructor: 'x' } }, 'constructor'],
      ['app:info', { constructor: { prototype: { polluted: 'yes' } } }, 'constructor'],
      ['layouts:list', JSON.parse('{"__proto__":{"polluted":"yes"}}'), '__proto__'],
      ['catalog:search', JSON.parse('{"query":"","__proto__":{"limit":100000}}'), '__proto__'],
      // Unknown channels.
      ['profiles:dump', {}, "'profiles:dump'"],
      ['__proto__', {}, '__proto__'],
      ['constructor', {}, 'constructor'],
    ];
    for (const [channel, payload, field] of cases) {
      const reply = await callAs(t, { url: APP_URL, isTopFrame: true }, channel, payload);
      try {
        expectInvalid(reply, field);
      } catch (err) {
        throw new Error(`${channel} ${JSON.stringify(payload).slice(0, 200)}: ${JSON.stringify(reply)}`, {
          cause: err,
        });
      }
      expect(leaksIn(JSON.stringify(reply), never)).toEqual([]);
    }
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await t.ok('settings:get', {})).settings.showStats).toBe(true);
    expect((await t.ok('profiles:list', {})).activeProfileId).toBe('local-demo');
  });

  it('tells the renderer when the credentials expire, and recovers with new ones', async () => {
    const rotated = await admin<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>(
      kvs,
      'POST',
      '/credentials/rotate',
    );
    learnKvsCredentials(rotated);
    const failed = await t.call('kvs:prepareViewer', { channelArn: arns[8]!, tileId: 'tile-x' });
    expect(failed).toMatchObject({ ok: false, error: { code: 'CredentialsExpired' } });
    expect(t.events.find((e) => e.name === 'credentials:expired')?.payload).toMatchObject({
      profileId: 'local-demo',
      action: 'retry',
    });
    // kvs-local restarted with new credentials (the demo profile reads its connection info each time).
    Object.assign(kvs.info, rotated);
    await t.ok('profiles:select', { profileId: 'local-demo' });
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[8]!, tileId: 'tile-x' });
    const { url } = await t.ok('kvs:signConnectUrl', {
      channelArn: arns[8]!,
      tileId: 'tile-x',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[8]!, 'X-Amz-ClientId': prep.clientId },
    });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(rotated.sessionToken);
  });
});

describe('unexpected errors', () => {
  it('answer Internal with a safe sentence; the detail (which could quote anything) stays in the main log', async () => {
    const own = capturingLogger();
    const other = startTestCore(undefined, { log: own.log });
    try {
      // A failure no handler expects: SQLite refuses the insert with a message of our choosing.
      other.core.catalog.db.exec(
        `CREATE TRIGGER boom BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'boom ${REFUSED_SECRET}'); END`,
      );
      const reply = await other.call('audit:talk', {
        channelArn: arns[0]!,
        tileId: 't',
        startedAt: 1,
        endedAt: 2,
      });
      expect(reply).toEqual({
        ok: false,
        error: {
          code: 'Internal',
          message: 'audit:talk failed unexpectedly; see the main log.',
          retryable: false,
        },
      });
      expect(own.lines.some((l) => l.includes('ipc: handler failed') && l.includes('boom'))).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('no credential leaves main', () => {
  it('no reply or event carries a secret key; the token and key id only inside signed connect URLs', () => {
    // The session used every channel of the contract successfully at least once.
    const served = new Set(
      t.transcript
        .map((l) => JSON.parse(l) as { channel?: string; reply?: { ok: boolean } })
        .filter((e) => e.reply?.ok)
        .map((e) => e.channel),
    );
    expect(CHANNELS.filter((c) => !served.has(c))).toEqual([]);
    expect(t.transcript.some((l) => l.includes('"event":"credentials:expired"'))).toBe(true);
    const audit = auditTranscript(t.transcript, { never, tokens, keyIds });
    expect(audit.problems).toEqual([]);
    // The positive control: the URLs were seen (3 viewer, 1 master), and they carry the token and key id.
    expect(audit.signedUrls).toBe(4);
    expect(audit.withToken).toBe(4);
    expect(audit.withKeyId).toBe(4);
  });

  it('the catalog files hold no credential in clear', () => {
    t.core.catalog.db.pragma('wal_checkpoint(PASSIVE)');
    expect(leaksInFiles(t.dataDir, [...never, ...tokens, ...keyIds])).toEqual([]);
  });

  it('the main log names no credential', () => {
    expect(logger.lines.length).toBeGreaterThan(10);
    const found = logger.lines.flatMap((line, i) =>
      leaksIn(line, [...never, ...tokens, ...keyIds]).map((label) => `log line ${i}: ${label}`),
    );
    expect(found).toEqual([]);
  });
});
