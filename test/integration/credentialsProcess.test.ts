/**
 * A credential_process profile end to end: the SDK's fromIni runs a real script that hands out kvs-local's
 * temporary credentials with a near Expiration; the refreshing provider renews them before they expire,
 * and when the script starts failing the renderer gets `credentials:expired` with action 'retry'.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcFailure } from '../../src-shared/ipc/errors';
import {
  CredentialsService,
  MemoryProfileStore,
  MemorySealedSecretStore,
  aesGcmBox,
  getCallerIdentity,
  type ExpiredEvent,
} from '../../src-main/core/credentials';
import type { Logger } from '../../src-main/core/types';
import type { KvsLocal } from '../../kvs-local/src/server';
import { eventually, startTestKvs } from '../helpers/kvsLocal';

const LIFETIME_MS = 4_000;
const STDERR_TEXT = 'broker said: do-not-show-this-output';

let kvs: KvsLocal;
let dir: string;

function writeState(state: { fail: boolean }): void {
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...state, lifetimeMs: LIFETIME_MS }));
}

function calls(): number[] {
  try {
    return readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

beforeAll(async () => {
  kvs = await startTestKvs({ temporaryCredentials: true });
  dir = mkdtempSync(join(tmpdir(), 'wf-credproc-'));
  const { accessKeyId, secretAccessKey, sessionToken } = kvs.info;
  // The script: one line in calls.log per run; fails on demand with output on stderr.
  writeFileSync(
    join(dir, 'creds.mjs'),
    `import { appendFileSync, readFileSync } from 'node:fs';
const dir = process.argv[2];
appendFileSync(dir + '/calls.log', Date.now() + '\\n');
const state = JSON.parse(readFileSync(dir + '/state.json', 'utf8'));
if (state.fail) { process.stderr.write(${JSON.stringify(STDERR_TEXT)} + '\\n'); process.exit(1); }
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(accessKeyId)},
  SecretAccessKey: ${JSON.stringify(secretAccessKey)}, SessionToken: ${JSON.stringify(sessionToken)},
  Expiration: new Date(Date.now() + state.lifetimeMs).toISOString() }));
`,
  );
  writeFileSync(
    join(dir, 'config'),
    `[profile proc]\nregion = ${kvs.info.region}\ncredential_process = "${process.execPath}" "${join(dir, 'creds.mjs')}" "${dir}"\n`,
  );
  writeFileSync(join(dir, 'credentials'), '');
  appendFileSync(join(dir, 'calls.log'), '');
  writeState({ fail: false });
});

afterAll(async () => {
  await kvs.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credential_process profile', () => {
  it('refreshes before expiry, then reports a failing process once with action retry', async () => {
    const events: ExpiredEvent[] = [];
    const logs: string[] = [];
    const logger: Logger = {
      info: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
      warn: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
      error: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
    };
    const service = new CredentialsService({
      box: aesGcmBox(Buffer.alloc(32, 7)),
      secrets: new MemorySealedSecretStore(),
      profiles: new MemoryProfileStore(),
      emit: (_name, payload) => events.push(payload),
      logger,
      sharedConfig: {
        configFile: join(dir, 'config'),
        credentialsFile: join(dir, 'credentials'),
        homedir: dir,
      },
      // The profile has no endpoint (it would be AWS); its identity is checked against kvs-local instead.
      identify: (p) => getCallerIdentity({ ...p, endpoint: kvs.info.endpoint }),
      refresh: { earlyMs: 1_500, jitterMs: 300, retryMs: 250 },
    });
    try {
      const { profile, identity } = await service.select('aws:proc');
      expect(profile).toMatchObject({ kind: 'process', region: kvs.info.region });
      expect(identity.accountId).toBe('111122223333');
      const active = service.active()!;
      const first = await active.credentials();
      const firstExpiry = first.expiration!.getTime();
      expect(calls()).toHaveLength(1);

      // Renewed in the background, early but not at once, while the first set was still valid.
      await eventually(() => calls().length >= 2, 8_000);
      const [t1, t2] = calls() as [number, number];
      expect(t2 - t1).toBeGreaterThan(LIFETIME_MS - 1_800 - 600);
      expect(t2).toBeLessThan(firstExpiry);
      const second = await eventually(async () => {
        const c = await active.credentials();
        return c.expiration!.getTime() > firstExpiry ? c : undefined;
      });
      const secondExpiry = second.expiration!.getTime();
      expect(events).toEqual([]);

      writeState({ fail: true });
      await eventually(() => events.length > 0, 10_000);
      // Retried while the second set was still valid; reported only once it had expired.
      expect(Date.now()).toBeGreaterThanOrEqual(secondExpiry);
      expect(calls().length).toBeGreaterThan(3);
      expect(events).toEqual([
        {
          profileId: 'aws:proc',
          action: 'retry',
          message:
            'The credentials have expired for "proc". The credential_process of profile proc failed or returned expired credentials: run it in a terminal to see why, then retry.',
        },
      ]);
      const err = await active.credentials().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpcFailure);
      expect((err as IpcFailure).code).toBe('CredentialsExpired');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(events).toHaveLength(1);
      // The program's output reaches neither the renderer nor the log.
      expect(JSON.stringify(events) + logs.join('\n')).not.toContain(STDERR_TEXT);

      writeState({ fail: false });
      expect((await active.credentials()).accessKeyId).toBe(kvs.info.accessKeyId);
    } finally {
      service.dispose();
    }
  });
});
