/**
 * 10,000 fuzzed requests across every contract channel (and unknown ones, and foreign frames) through the
 * IPC router of the real core against kvs-local: mutations of one valid request per channel plus junk
 * payloads. Every reply must be `{ok:true,value}` with a value the contract accepts, or `{ok:false,error}`
 * with a typed error; a request the contract refuses must be answered InvalidArgument; no Internal errors;
 * no reply, event, log line or catalog file carries a credential. Seeded: FUZZ_SEED replays a run (the
 * seed is printed), FUZZ_IPC changes the number of requests.
 */
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CreateSignalingChannelCommand, CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvsLocal } from '../../kvs-local/src/server';
import type { Sender } from '../../src-main/core/ipc';
import { CHANNELS, contract, events, type Channel, type Req } from '../../src-shared/ipc/contract';
import { ERROR_CODES, ipcErrorSchema, type IpcResult } from '../../src-shared/ipc/errors';
import { APP_URL, startTestCore, type TestCore } from '../helpers/core';
import { Rng, fuzzStrings, junk, mutate, newBudget, randomString } from '../helpers/ipcFuzz';
import { controlClient, eventually, startTestKvs } from '../helpers/kvsLocal';
import {
  auditTranscript,
  callAs,
  capturingLogger,
  leaksIn,
  leaksInFiles,
  type Secret,
} from '../helpers/leaks';

/** Like the kvs-local fuzz suite: a fixed default seed, FUZZ_SEED to replay or explore another. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 0x1bc5eed;
const COUNT = process.env.FUZZ_IPC ? Number(process.env.FUZZ_IPC) : 10_000;
const CONCURRENCY = 8;

/** Valid requests that reach kvs-local (STS, control plane, storage joins) or pace connects: capped. */
const NETWORK_BUDGET: Partial<Record<Channel, number>> = {
  'profiles:select': 20,
  'catalog:sync': 20,
  'kvs:prepareViewer': 40,
  'kvs:signConnectUrl': 6,
  'storage:describe': 30,
  'storage:update': 20,
  'storage:listStreams': 20,
  'storage:createStream': 10,
  'storage:joinAsViewer': 20,
  'storage:joinAsMaster': 10,
  'kvs:preparePublisher': 20,
  'kvs:signMasterUrl': 6,
};

const FUZZ_KEYS = {
  accessKeyId: 'LOCALFAKEKEYFUZZ0001',
  secretAccessKey: `wfFuzz/${randomBytes(24).toString('base64')}`.slice(0, 40),
};

const BAD_SENDERS: Sender[] = [
  { url: 'https://evil.example/', isTopFrame: true },
  { url: APP_URL, isTopFrame: false },
  { url: 'file:///etc/passwd', isTopFrame: true },
  { url: '', isTopFrame: true },
];
const UNKNOWN_CHANNELS = [
  '',
  'app:quit',
  'profiles:export',
  'PROFILES:LIST',
  'profiles:list ',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'kvs:sign',
  'x'.repeat(10_000),
  '\u0000app:info',
];

const replySchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: ipcErrorSchema }).strict(),
]);

interface Request {
  channel: string;
  sender: Sender;
  payload: unknown;
  kind: 'valid' | 'mutated' | 'junk' | 'unknown-channel' | 'bad-sender';
}

let kvs: KvsLocal;
let t: TestCore;
const logger = capturingLogger();
const arns: string[] = [];
let examples: { [C in Channel]: Req<C> };

beforeAll(async () => {
  kvs = await startTestKvs({ temporaryCredentials: true, limits: { controlTpsScale: 0 } });
  const kv = controlClient(kvs);
  let streamArn: string;
  try {
    for (let i = 0; i < 8; i++) {
      const { ChannelARN } = await kv.send(
        new CreateSignalingChannelCommand({
          ChannelName: `fuzz-cam-${i}`,
          Tags: [{ Key: 'n', Value: `${i}` }],
        }),
      );
      arns.push(ChannelARN!);
    }
    streamArn = (
      await kv.send(new CreateStreamCommand({ StreamName: 'fuzz-archive', DataRetentionInHours: 1 }))
    ).StreamARN!;
  } finally {
    kv.destroy();
  }
  t = startTestCore(kvs, { log: logger.log });
  await t.ok('profiles:select', { profileId: 'local-demo' });
  const { syncId } = await t.ok('catalog:sync', {});
  await eventually(() =>
    t.events.some(
      (e) => e.name === 'catalog:syncProgress' && (e.payload as { syncId: string; done: boolean }).done,
    ),
  );
  await t.core.syncs.settle();
  await t.ok('storage:update', { channelArn: arns[1]!, enabled: true, streamArn, confirmed: true });
  const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[0]!, tileId: 'fz-0' });
  const pub = await t.ok('kvs:preparePublisher', { channelArn: arns[1]! });
  // A profile of typed keys for `profiles:remove` to remove (never selected: it would call AWS's STS).
  const removable = await t.ok('profiles:addKeys', {
    name: 'fuzz removable',
    region: 'us-west-2',
    ...FUZZ_KEYS,
  });
  const layout = {
    id: 'l-fz',
    name: 'Fuzz',
    grid: { kind: 'grid' as const, rows: 2, cols: 2 },
    tiles: [
      { index: 0, channelArn: arns[0]! },
      { index: 1, channelArn: null },
    ],
  };
  const group = { id: 'g-fz', name: 'Fuzz group', channelArns: [arns[0]!, arns[2]!] };
  examples = {
    'app:info': {},
    'profiles:list': {},
    'profiles:select': { profileId: 'local-demo' },
    'profiles:addKeys': { name: 'fuzz keys', region: 'us-west-2', ...FUZZ_KEYS },
    'profiles:remove': { profileId: removable.profile.id },
    'catalog:sync': { regions: ['us-west-2'] },
    'catalog:cancelSync': { syncId },
    'catalog:search': { query: 'fuzz', status: 'ACTIVE', limit: 10, offset: 0 },
    'catalog:channel': { channelArn: arns[0]! },
    'groups:list': {},
    'groups:save': { group },
    'groups:delete': { id: 'g-fz' },
    'layouts:list': {},
    'layouts:save': { layout },
    'layouts:delete': { id: 'l-fz' },
    'layouts:export': {},
    'layouts:import': {
      document: {
        format: 'watchfloor.layouts',
        version: 1,
        exportedAt: 1,
        groups: [group],
        layouts: [layout],
      },
    },
    'settings:get': {},
    'settings:set': { patch: { showStats: true, duckOthersDb: -12 } },
    'kvs:prepareViewer': { channelArn: arns[0]!, tileId: 'fz-0' },
    'kvs:signConnectUrl': {
      channelArn: arns[0]!,
      tileId: 'fz-0',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[0]!, 'X-Amz-ClientId': prep.clientId },
    },
    'kvs:connectFailed': { channelArn: arns[2]!, tileId: 'fz-2', status: 500 },
    'kvs:preparePublisher': { channelArn: arns[1]! },
    'kvs:signMasterUrl': {
      channelArn: arns[1]!,
      endpoint: pub.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[1]! },
    },
    'storage:describe': { channelArn: arns[1]! },
    'storage:update': { channelArn: arns[3]!, enabled: false, confirmed: true },
    'storage:listStreams': { channelArn: arns[1]! },
    'storage:createStream': { channelArn: arns[1]!, name: 'fz-stream', retentionHours: 24 },
    'storage:joinAsViewer': { channelArn: arns[1]!, tileId: 'fz-1' },
    'storage:joinAsMaster': { channelArn: arns[1]! },
    'audit:talk': { channelArn: arns[0]!, tileId: 'fz-0', startedAt: 1_000, endedAt: 2_500 },
    'audit:publish': { channelArn: arns[1]!, startedAt: 1_000, endedAt: 3_000, outcome: 'stopped' },
    'audit:list': { limit: 5 },
  };
  // Every example is valid, so each mutation starts one step from a request main would serve.
  for (const c of CHANNELS) contract[c].req.parse(examples[c]);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await kvs?.close();
});

/** The router's view: is this payload a valid request for this channel? */
function parsesAs(channel: string, payload: unknown): boolean {
  return (
    Object.hasOwn(contract, channel) && contract[channel as Channel].req.safeParse(payload ?? {}).success
  );
}

/** Request `i` of the run; call in order (the PRNG's sequence is the run's identity). */
function generator(r: Rng, strings: readonly string[]): (i: number) => Request {
  const spent = new Map<string, number>();
  const top: Sender = { url: APP_URL, isTopFrame: true };
  return (i) => {
    const budget = newBudget();
    // Round-robin over the channels: every channel gets its share.
    const channel = CHANNELS[i % CHANNELS.length]!;
    const roll = r.next();
    let req: Request;
    if (roll < 0.03) {
      req = {
        channel: r.pick(UNKNOWN_CHANNELS),
        sender: top,
        payload: junk(r, strings, 0, budget),
        kind: 'unknown-channel',
      };
      if (r.chance(0.3)) req.channel = randomString(r, 40);
    } else if (roll < 0.06) {
      const payload = r.chance(0.5) ? structuredClone(examples[channel]) : junk(r, strings, 0, budget);
      req = { channel, sender: r.pick(BAD_SENDERS), payload, kind: 'bad-sender' };
    } else if (roll < 0.11) {
      req = { channel, sender: top, payload: structuredClone(examples[channel]), kind: 'valid' };
    } else if (roll < 0.21) {
      req = { channel, sender: top, payload: junk(r, strings, 0, budget), kind: 'junk' };
    } else {
      let payload: unknown = structuredClone(examples[channel]);
      for (let m = 1 + r.int(3); m > 0; m--) payload = mutate(r, payload, strings, budget);
      req = { channel, sender: top, payload, kind: 'mutated' };
    }
    const allowed = NETWORK_BUDGET[channel];
    if (
      allowed !== undefined &&
      req.sender === top &&
      req.channel === channel &&
      parsesAs(channel, req.payload)
    ) {
      const used = spent.get(channel) ?? 0;
      spent.set(channel, used + 1);
      // Over budget: the same request with one key too many (strict schemas refuse it before any work).
      if (used >= allowed) req.payload = { ...(structuredClone(examples[channel]) as object), fuzz: i };
    }
    return req;
  };
}

function show(req: Request): string {
  return inspect(
    { channel: req.channel.slice(0, 80), sender: req.sender, kind: req.kind, payload: req.payload },
    { depth: 5, maxStringLength: 120, maxArrayLength: 8, breakLength: Infinity },
  );
}

describe('fuzzing the IPC contract', () => {
  it(`${COUNT} requests: no crash, every reply typed, refusals are InvalidArgument, no secret`, async () => {
    console.log(`IPC fuzz — seed ${SEED} (0x${SEED.toString(16)}); replay with FUZZ_SEED=${SEED}`);
    const rng = new Rng(SEED);
    const strings = fuzzStrings([...arns, examples['kvs:signConnectUrl'].endpoint]);
    const nextRequest = generator(rng, strings);
    const crashes: unknown[] = [];
    const onCrash = (err: unknown): void => void crashes.push(err);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const transcriptStart = t.transcript.length;
    const failures: string[] = [];
    const internals: string[] = [];
    const table = new Map<string, Map<string, number>>();
    const count = (channel: string, outcome: string): void => {
      const row = table.get(channel) ?? new Map<string, number>();
      row.set(outcome, (row.get(outcome) ?? 0) + 1);
      table.set(channel, row);
    };
    const started = Date.now();
    let next = 0;
    // profiles:select runs one at a time: a select started while another is under way cancels that one
    // ('Cancelled' — typed, but then no select would ever be seen succeeding).
    let selecting: Promise<unknown> = Promise.resolve();
    const send = (req: Request): Promise<IpcResult<unknown>> => {
      const run = () => callAs(t, req.sender, req.channel, req.payload);
      if (req.channel !== 'profiles:select') return run();
      const p = selecting.then(run, run);
      selecting = p.catch(() => undefined);
      return p;
    };
    const worker = async (): Promise<void> => {
      while (next < COUNT) {
        const req = nextRequest(next++);
        let reply: IpcResult<unknown>;
        try {
          reply = await send(req);
        } catch (err) {
          failures.push(`threw ${String(err)} for ${show(req)}`);
          continue;
        }
        const known = Object.hasOwn(contract, req.channel);
        const row = known ? req.channel : '(unknown channel)';
        const shape = replySchema.safeParse(reply);
        if (!shape.success) {
          failures.push(`untyped reply ${inspect(reply, { depth: 4 })} for ${show(req)}`);
          count(row, 'UNTYPED');
          continue;
        }
        if (reply.ok) {
          count(row, 'ok');
          if (!known || !contract[req.channel as Channel].res.safeParse(reply.value).success)
            failures.push(`ok reply outside the contract for ${show(req)}`);
          if (req.kind === 'bad-sender' || !parsesAs(req.channel, req.payload))
            failures.push(`served a request the router must refuse: ${show(req)}`);
          continue;
        }
        const { code, message } = reply.error;
        count(row, code);
        if (code === 'Internal') internals.push(`${message} <- ${show(req)}`);
        const refusable = !known || req.kind === 'bad-sender' || !parsesAs(req.channel, req.payload);
        if (refusable && code !== 'InvalidArgument')
          failures.push(`${code} (not InvalidArgument) for a request to refuse: ${show(req)}`);
        if (!known && !message.startsWith('Unknown IPC channel'))
          failures.push(`unknown channel answered '${message}'`);
        if (known && req.kind === 'bad-sender' && !message.includes('not the console window'))
          failures.push(`bad sender answered '${message}'`);
        if (
          known &&
          req.kind !== 'bad-sender' &&
          refusable &&
          !message.startsWith(`Invalid ${req.channel} request:`)
        )
          failures.push(`refusal without the field: '${message}' for ${show(req)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
    await t.core.syncs.settle();
    const elapsed = Date.now() - started;
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);

    // The outcome table: channel × outcome.
    const codes = ['ok', ...ERROR_CODES, 'UNTYPED'].filter((c) => [...table.values()].some((r) => r.has(c)));
    const rows = [...CHANNELS, '(unknown channel)'];
    const w = Math.max(...rows.map((r) => r.length));
    const lines = [
      `${'channel'.padEnd(w)} ${codes.map((c) => c.padStart(Math.max(c.length, 5))).join(' ')}`,
      ...rows.map(
        (r) =>
          `${r.padEnd(w)} ${codes.map((c) => String(table.get(r)?.get(c) ?? 0).padStart(Math.max(c.length, 5))).join(' ')}`,
      ),
    ];
    console.log(`${COUNT} requests in ${elapsed} ms (concurrency ${CONCURRENCY})\n${lines.join('\n')}`);
    if (internals.length) console.log(`Internal errors:\n${internals.join('\n')}`);
    if (failures.length) console.log(`Failures (first 20):\n${failures.slice(0, 20).join('\n')}`);

    expect(crashes).toEqual([]);
    expect(failures).toEqual([]);
    expect(internals).toEqual([]);
    for (const c of CHANNELS) expect(table.get(c)?.size ?? 0, c).toBeGreaterThan(0);
    // Every channel was also served at least once, so the fuzz reached the handlers, not only the parser.
    const neverServed = CHANNELS.filter((c) => !table.get(c)?.get('ok'));
    expect(neverServed).toEqual([]);

    // Events emitted meanwhile match the contract.
    for (const e of t.events) expect(events[e.name].safeParse(e.payload).success, e.name).toBe(true);

    // No credential in any reply or event, or in the log.
    const { accessKeyId, secretAccessKey, sessionToken } = kvs.info;
    const never: Secret[] = [
      { label: 'kvs-local secretAccessKey', value: secretAccessKey },
      { label: 'typed secretAccessKey', value: FUZZ_KEYS.secretAccessKey },
      { label: 'typed accessKeyId', value: FUZZ_KEYS.accessKeyId },
    ];
    const tokens: Secret[] = [{ label: 'kvs-local sessionToken', value: sessionToken! }];
    const keyIds: Secret[] = [{ label: 'kvs-local accessKeyId', value: accessKeyId }];
    const audit = auditTranscript(t.transcript.slice(transcriptStart), { never, tokens, keyIds });
    expect(audit.problems.slice(0, 20)).toEqual([]);
    expect(audit.signedUrls).toBeGreaterThan(0);
    expect(audit.withToken).toBe(audit.signedUrls);
    const logLeaks = logger.lines.filter((l) => leaksIn(l, [...never, ...tokens, ...keyIds]).length > 0);
    expect(logLeaks.slice(0, 5)).toEqual([]);
    t.core.catalog.db.pragma('wal_checkpoint(PASSIVE)');
    expect(leaksInFiles(t.dataDir, [...never, ...tokens, ...keyIds])).toEqual([]);

    // Still serving: the core, its catalog and its connect pacing are intact.
    expect((await t.ok('app:info', {})).version).toBe('0.0.0-test');
    expect((await t.ok('catalog:search', { query: '' })).total).toBeGreaterThanOrEqual(8);
    const prep = await t.ok('kvs:prepareViewer', { channelArn: arns[5]!, tileId: 'after' });
    await t.ok('kvs:signConnectUrl', {
      channelArn: arns[5]!,
      tileId: 'after',
      endpoint: prep.endpoints.wss,
      queryParams: { 'X-Amz-ChannelARN': arns[5]!, 'X-Amz-ClientId': prep.clientId },
    });
  }, 180_000);
});
