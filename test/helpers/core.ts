import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel, EventName, Req, Res } from '../../src-shared/ipc/contract';
import type { IpcResult } from '../../src-shared/ipc/errors';
import { createCore, type Core, type CoreOptions } from '../../src-main/core/app';
import { aesGcmBox } from '../../src-main/core/credentials';
import type { KvsLocal } from '../../kvs-local/src/server';

export const APP_URL = 'app://watchfloor/index.html';

export interface TestCore {
  core: Core;
  dataDir: string;
  /** Every reply and event, serialized, for the no-secrets checks. */
  transcript: string[];
  events: Array<{ name: EventName; payload: unknown }>;
  /** Calls a contract channel as the renderer would (through the router, from the app's top frame). */
  call<C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>>;
  /** Like `call` but throws on `{ok:false}`. */
  ok<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  close(): Promise<void>;
}

/** The main core as the Electron shell builds it, in this process, with kvs-local as the Local demo. */
export function startTestCore(kvs: KvsLocal | undefined, extra: Partial<CoreOptions> = {}): TestCore {
  const dataDir = mkdtempSync(join(tmpdir(), 'watchfloor-core-'));
  const transcript: string[] = [];
  const events: TestCore['events'] = [];
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const core = createCore({
    dataDir,
    secretBox: aesGcmBox(randomBytes(32)),
    version: '0.0.0-test',
    kiosk: false,
    ...(kvs ? { localDemo: () => kvs.info } : {}),
    sharedConfig: {
      configFile: join(dataDir, 'no-config'),
      credentialsFile: join(dataDir, 'no-credentials'),
    },
    isTrustedOrigin: (url) => url === APP_URL,
    send: (name, payload) => {
      events.push({ name, payload });
      transcript.push(JSON.stringify({ event: name, payload }));
    },
    log: process.env.WATCHFLOOR_LOG ? { info: console.log, warn: console.warn, error: console.error } : quiet,
    ...extra,
  });
  const call = async <C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>> => {
    const reply = await core.router.handle(channel, { url: APP_URL, isTopFrame: true }, req);
    transcript.push(JSON.stringify({ channel, reply }));
    return reply as IpcResult<Res<C>>;
  };
  return {
    core,
    dataDir,
    transcript,
    events,
    call,
    async ok(channel, req) {
      const reply = await call(channel, req);
      if (!reply.ok) throw new Error(`${channel} failed: ${reply.error.code}: ${reply.error.message}`);
      return reply.value;
    },
    async close() {
      await core.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
