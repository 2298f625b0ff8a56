import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { contract, events, type Channel } from '../../../src-shared/ipc/contract';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../../src-shared/ipc/names';
import { EventSink, IpcRouter, type Handlers } from '../../../src-main/core/ipc';

const APP = 'app://watchfloor/index.html';
const top = { url: APP, isTopFrame: true };
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };

function routerWith(overrides: Partial<Handlers>): IpcRouter {
  const missing = () => {
    throw new Error('not under test');
  };
  const handlers = Object.fromEntries(Object.keys(contract).map((c) => [c, missing])) as unknown as Handlers;
  return new IpcRouter(
    { ...handlers, ...overrides },
    { isTrustedOrigin: (u) => u.startsWith('app://watchfloor/'), log },
  );
}

describe('IPC contract', () => {
  it('the preload key lists are exactly the contract keys', () => {
    expect([...INVOKE_CHANNELS].sort()).toEqual(Object.keys(contract).sort());
    expect([...EVENT_CHANNELS].sort()).toEqual(Object.keys(events).sort());
  });

  it('every request and response object schema is strict, all the way down', () => {
    const loose: string[] = [];
    const visit = (schema: z.ZodType, path: string): void => {
      if (schema instanceof z.ZodObject) {
        if (!(schema.def.catchall instanceof z.ZodNever)) loose.push(path);
        for (const [key, child] of Object.entries(schema.shape)) visit(child as z.ZodType, `${path}.${key}`);
      } else if (schema instanceof z.ZodArray) visit(schema.element as z.ZodType, `${path}[]`);
      else if (
        schema instanceof z.ZodOptional ||
        schema instanceof z.ZodNullable ||
        schema instanceof z.ZodDefault
      ) {
        visit(schema.def.innerType as z.ZodType, path);
      } else if (schema instanceof z.ZodDiscriminatedUnion) {
        schema.options.forEach((o, i) => visit(o as z.ZodType, `${path}|${i}`));
      }
    };
    for (const [name, entry] of Object.entries(contract)) {
      visit(entry.req as z.ZodType, `${name}.req`);
      visit(entry.res as z.ZodType, `${name}.res`);
    }
    for (const [name, schema] of Object.entries(events)) visit(schema as z.ZodType, name);
    expect(loose).toEqual([]);
  });
});

describe('IpcRouter', () => {
  const router = routerWith({
    'app:info': () => ({ version: '1.2.3', kiosk: false, demo: true }),
    'catalog:channel': () => {
      throw new IpcFailure('ChannelNotFound', 'The channel front-door no longer exists.');
    },
    'audit:talk': () => {
      throw new Error('disk on fire: /secret/path');
    },
    'settings:get': () =>
      ({
        settings: {
          micDeviceId: null,
          talkLatch: false,
          duckOthersDb: -12,
          talkFullDuplex: false,
          showStats: false,
          defaultLayoutId: null,
          secretAccessKey: 'x',
        },
      }) as never,
  });

  it('wraps a handler value as {ok:true,value}', async () => {
    expect(await router.handle('app:info', top, {})).toEqual({
      ok: true,
      value: { version: '1.2.3', kiosk: false, demo: true },
    });
  });

  it('refuses unknown channels, untrusted senders, sub-frames and malformed requests with InvalidArgument', async () => {
    const unknown = await router.handle('shell:exec', top, {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'InvalidArgument', retryable: false } });
    const foreign = await router.handle('app:info', { url: 'https://evil.example/', isTopFrame: true }, {});
    expect(foreign).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    const iframe = await router.handle('app:info', { url: APP, isTopFrame: false }, {});
    expect(iframe).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    const bad = await router.handle('catalog:channel', top, { channelArn: 'arn:aws:s3:::bucket' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'InvalidArgument' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(
      /channelArn: .*not a Kinesis Video ARN/,
    );
  });

  it('passes IpcFailure codes through and hides unexpected errors behind Internal', async () => {
    expect(
      await router.handle('catalog:channel', top, {
        channelArn: 'arn:aws:kinesisvideo:us-west-2:1:channel/a/1',
      }),
    ).toEqual({
      ok: false,
      error: {
        code: 'ChannelNotFound',
        message: 'The channel front-door no longer exists.',
        retryable: false,
      },
    });
    const internal = await router.handle('audit:talk', top, {
      channelArn: 'arn:aws:kinesisvideo:us-west-2:1:channel/a/1',
      tileId: 't1',
      startedAt: 1,
      endedAt: 2,
    });
    expect(internal).toMatchObject({ ok: false, error: { code: 'Internal' } });
    expect(JSON.stringify(internal)).not.toContain('/secret/path');
  });

  it('refuses a reply with a field the contract does not name (nothing extra can leak)', async () => {
    const reply = await router.handle('settings:get', top, {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'Internal' } });
    expect(JSON.stringify(reply)).not.toContain('secretAccessKey');
  });

  it('every channel has a handler (a missing one is a compile error; here a runtime check too)', () => {
    const names: Channel[] = Object.keys(contract) as Channel[];
    expect(names.length).toBeGreaterThan(20);
  });
});

describe('EventSink', () => {
  it('sends valid events and drops invalid ones', () => {
    const send = vi.fn();
    const sink = new EventSink(send, log);
    sink.emit('catalog:changed', { reason: 'sync' });
    sink.emit('catalog:changed', { reason: 'nope' } as never);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith('catalog:changed', { reason: 'sync' });
  });
});
