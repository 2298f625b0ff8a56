/**
 * The storage panel's state (src-renderer/storage/storageControl.svelte.ts) against a fake IPC: the
 * streams listed on open, the preselection, the pasted ARN as the way out when listing fails, and the
 * new-stream form. The rune module is compiled as the renderer build compiles it (TypeScript stripped,
 * then Svelte's compileModule) and runs on Svelte's client runtime, which needs no DOM for state.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, transform, type Plugin } from 'esbuild';
import { compileModule } from 'svelte/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Req, Res } from '../../../src-shared/ipc/contract';
import type { Ipc } from '../../../src-renderer/lib/ipc.svelte';
import type { Notices } from '../../../src-renderer/lib/notices.svelte';
import type * as StorageModule from '../../../src-renderer/storage/storageControl.svelte';
import { OTHER } from '../../../src-renderer/storage/streamChoice';
import { streamArnOf, streamInfo } from './streamFixtures';

// One channel per test: the stream a channel used last is remembered module-wide (lastStream.ts).
let channelSeq = 0;
let CHANNEL = '';
const arn = streamArnOf;
const stream = streamInfo;

/** Compiles `.svelte.ts` modules like vite-plugin-svelte does: strip the types, then compile the runes. */
const runes: Plugin = {
  name: 'svelte-runes',
  setup(b) {
    b.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
      const ts = readFileSync(args.path, 'utf8');
      const { code } = await transform(ts, {
        loader: 'ts',
        target: 'es2023',
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
      });
      const { js } = compileModule(code, { generate: 'client', filename: args.path });
      return { contents: js.code, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

let mod: typeof StorageModule;
let file = '';

beforeAll(async () => {
  const out = await build({
    entryPoints: ['src-renderer/storage/storageControl.svelte.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2023',
    write: false,
    external: ['svelte', 'svelte/*'],
    plugins: [runes],
    logLevel: 'silent',
  });
  const dir = join('test-results', 'unit-renderer');
  mkdirSync(dir, { recursive: true });
  file = join(dir, `storageControl-${process.pid}.mjs`);
  writeFileSync(file, out.outputFiles[0]!.text);
  mod = (await import(pathToFileURL(join(process.cwd(), file)).href)) as typeof StorageModule;
});

afterAll(() => {
  if (file) rmSync(file, { force: true });
});

type Handler<C extends Channel> = (req: Req<C>) => Res<C> | Promise<Res<C>>;
type Handlers = { [C in Channel]?: Handler<C> };

/** An IPC whose answers the test sets per channel; a missing answer or a thrown error is a failed call. */
function fakeIpc(handlers: Handlers): { ipc: Ipc; calls: Array<{ channel: Channel; req: unknown }> } {
  const calls: Array<{ channel: Channel; req: unknown }> = [];
  const ipc = {
    async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
      calls.push({ channel, req });
      const handler = handlers[channel];
      if (!handler) throw new Error(`no answer for ${channel}`);
      return handler(req);
    },
  };
  return { ipc: ipc as unknown as Ipc, calls };
}

function fakeNotices(): { notices: Notices; reported: string[] } {
  const reported: string[] = [];
  const notices = {
    report: (context: string, error: unknown) =>
      reported.push(`${context}: ${error instanceof Error ? error.message : String(error)}`),
  };
  return { notices: notices as unknown as Notices, reported };
}

const disabled: Res<'storage:describe'> = { status: 'DISABLED', streamArn: null, streamName: null };

function control(
  handlers: Handlers,
  channel: { name?: string; streamArn?: string | null } = {},
): {
  c: StorageModule.StorageControl;
  calls: Array<{ channel: Channel; req: unknown }>;
  reported: string[];
} {
  CHANNEL = `arn:aws:kinesisvideo:us-west-2:123456789012:channel/camera-1/${1700000000000 + ++channelSeq}`;
  const { ipc, calls } = fakeIpc({ 'storage:describe': () => disabled, ...handlers });
  const { notices, reported } = fakeNotices();
  const c = new mod.StorageControl(ipc, notices, {
    arn: CHANNEL,
    name: channel.name ?? 'camera-1',
    streamArn: channel.streamArn ?? null,
  });
  return { c, calls, reported };
}

/** A promise the test settles by hand, to look at the state while a call is in flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('listing the streams on open', () => {
  it('lists them while storage is off, preselects the first free one, and enables into it', async () => {
    const listed = deferred<Res<'storage:listStreams'>>();
    const { c, calls } = control({
      'storage:listStreams': () => listed.promise,
      'storage:update': (req) => ({ status: 'ENABLED', streamArn: req.streamArn ?? null }),
    });
    const opening = c.open();
    await Promise.resolve();
    await Promise.resolve();
    expect(c.listing).toBe(true);
    expect(c.enableProblem).toBe('Loading streams…');
    listed.resolve({ streams: [stream('a', { usedBy: 'camera-2' }), stream('b')], truncated: false });
    await opening;
    expect(c.listing).toBe(false);
    expect(c.streams?.map((s) => s.name)).toEqual(['a', 'b']);
    expect(c.choice).toBe(arn('b'));
    expect(c.chosen?.name).toBe('b');
    expect(c.enableProblem).toBeNull();
    expect(await c.update(true, null)).toBe(true);
    expect(calls.at(-1)).toEqual({
      channel: 'storage:update',
      req: { channelArn: CHANNEL, enabled: true, confirmed: true, streamArn: arn('b') },
    });
  });

  it('preselects the stream the channel used last', async () => {
    const streams = [stream('a'), stream('b'), stream('c')];
    const { c } = control(
      { 'storage:listStreams': () => ({ streams, truncated: false }) },
      { streamArn: arn('c') },
    );
    await c.open();
    expect(c.choice).toBe(arn('c'));
  });

  it('does not list streams when storage is already on', async () => {
    const { c, calls } = control({
      'storage:describe': () => ({ status: 'ENABLED', streamArn: arn('a'), streamName: 'a' }),
    });
    await c.open();
    expect(calls.map((x) => x.channel)).toEqual(['storage:describe']);
    expect(c.streams).toBeNull();
  });

  it('keeps the pasted ARN usable when listing fails, and reports why', async () => {
    const { c, reported } = control(
      {
        'storage:listStreams': () => {
          throw new Error('The service is not reachable.');
        },
      },
      { name: 'camera-7', streamArn: arn('old') },
    );
    await c.open();
    expect(reported).toEqual(['camera-7: storage: The service is not reachable.']);
    expect(c.listError).toBe('The service is not reachable.');
    expect(c.streams).toBeNull();
    expect(c.choice).toBe(OTHER);
    expect(c.streamArn).toBe(arn('old'));
    expect(c.enableProblem).toBeNull();
    c.paste('not an arn');
    expect(c.enableProblem).toMatch(/not a Kinesis video stream ARN/);
  });

  it('a refresh keeps what the operator chose, unless another channel took it meanwhile', async () => {
    let streams = [stream('a'), stream('b')];
    const { c } = control({ 'storage:listStreams': () => ({ streams, truncated: false }) });
    await c.open();
    c.choose(arn('b'));
    await c.listStreams();
    expect(c.choice).toBe(arn('b'));
    c.choose(OTHER);
    c.paste(arn('elsewhere'));
    await c.listStreams();
    expect(c.streamArn).toBe(arn('elsewhere'));
    c.choose(arn('b'));
    streams = [stream('a'), stream('b', { usedBy: 'camera-3' })];
    await c.listStreams();
    expect(c.choice).toBe(arn('a'));
  });

  it('an older listing that answers last does not overwrite a newer one', async () => {
    const answers = [deferred<Res<'storage:listStreams'>>(), deferred<Res<'storage:listStreams'>>()];
    let n = 0;
    const { c } = control({ 'storage:listStreams': () => answers[n++]!.promise });
    const first = c.listStreams();
    const second = c.listStreams();
    answers[1]!.resolve({ streams: [stream('new')], truncated: false });
    await second;
    answers[0]!.resolve({ streams: [stream('old')], truncated: true });
    await first;
    expect(c.streams?.map((s) => s.name)).toEqual(['new']);
    expect(c.truncated).toBe(false);
    expect(c.listing).toBe(false);
  });
});

describe('creating a stream', () => {
  it('offers a free <channel>-rec and a week, validates the form, and chooses what it created', async () => {
    const created = deferred<Res<'storage:createStream'>>();
    const { c, calls } = control({
      'storage:listStreams': () => ({ streams: [stream('a'), stream('camera-1-rec')], truncated: false }),
      'storage:createStream': () => created.promise,
    });
    await c.open();
    c.openNewStream();
    expect(c.newStreamOpen).toBe(true);
    expect(c.newName).toBe('camera-1-rec-2');
    expect(c.newRetention).toBe('168');
    expect(c.newNameProblem).toBeNull();
    expect(c.newRetentionProblem).toBeNull();

    c.newName = 'camera-1-rec';
    expect(c.newNameProblem).toBe('A stream named camera-1-rec already exists: pick it from the list.');
    c.newName = 'lobby';
    c.newRetention = '0';
    expect(c.newRetentionProblem).toBe('Retention must be from 1 to 87,600 hours (10 years).');
    expect(await c.createStream()).toBe(false);
    expect(calls.some((x) => x.channel === 'storage:createStream')).toBe(false);

    c.newRetention = '48';
    const creating = c.createStream();
    expect(c.creating).toBe(true);
    expect(await c.createStream()).toBe(false); // one at a time
    created.resolve(stream('lobby', { retentionHours: 48 }));
    expect(await creating).toBe(true);
    expect(calls.filter((x) => x.channel === 'storage:createStream').map((x) => x.req)).toEqual([
      { channelArn: CHANNEL, name: 'lobby', retentionHours: 48 },
    ]);
    expect(c.creating).toBe(false);
    expect(c.newStreamOpen).toBe(false);
    expect(c.streams?.map((s) => s.name)).toEqual(['a', 'camera-1-rec', 'lobby']);
    expect(c.choice).toBe(arn('lobby'));
    expect(c.streamArn).toBe(arn('lobby'));
  });

  it('shows why creating failed beside the form and in the notices, and keeps the form open', async () => {
    const { c, reported } = control({
      'storage:listStreams': () => ({ streams: [], truncated: false }),
      'storage:createStream': (req) => {
        throw new Error(`A stream named ${req.name} already exists in us-west-2.`);
      },
    });
    await c.open();
    c.openNewStream();
    expect(await c.createStream()).toBe(false);
    expect(c.createError).toBe('A stream named camera-1-rec already exists in us-west-2.');
    expect(reported).toEqual(['camera-1: storage: A stream named camera-1-rec already exists in us-west-2.']);
    expect(c.newStreamOpen).toBe(true);
    expect(c.choice).toBe(OTHER);
    c.closeNewStream();
    c.openNewStream();
    expect(c.createError).toBeNull();
  });
});

describe('disabling', () => {
  it('lists the streams again once storage is off', async () => {
    const { c, calls } = control({
      'storage:describe': () => ({ status: 'ENABLED', streamArn: arn('a'), streamName: 'a' }),
      'storage:update': () => ({ status: 'DISABLED', streamArn: null }),
      'storage:listStreams': () => ({ streams: [stream('a'), stream('b')], truncated: false }),
    });
    await c.open();
    expect(await c.update(false, null)).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((x) => x.channel)).toEqual([
      'storage:describe',
      'storage:update',
      'storage:listStreams',
    ]);
    // The stream just left is offered first again.
    expect(c.choice).toBe(arn('a'));
  });
});
