/**
 * CredentialsService against kvs-local over real sockets: the Local demo profile's identity through the
 * STS code path, rotation reported as an expiry, and a leak check over everything the service hands out.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, events as eventSchemas } from '../../src-shared/ipc/contract';
import {
  CredentialsService,
  MemoryProfileStore,
  MemorySealedSecretStore,
  aesGcmBox,
  getCallerIdentity,
  type CredentialsServiceOptions,
  type ExpiredEvent,
} from '../../src-main/core/credentials';
import type { Logger } from '../../src-main/core/types';
import type { KvsLocal } from '../../kvs-local/src/server';
import { admin, caught, startTestKvs } from '../helpers/kvsLocal';

let kvs: KvsLocal;
let dir: string;

beforeAll(async () => {
  kvs = await startTestKvs({ temporaryCredentials: true });
  dir = mkdtempSync(join(tmpdir(), 'wf-creds-int-'));
});
afterAll(async () => {
  await kvs.close();
  rmSync(dir, { recursive: true, force: true });
});

function harness(extra: Partial<CredentialsServiceOptions> = {}) {
  const events: ExpiredEvent[] = [];
  const logs: unknown[] = [];
  const logger: Logger = {
    info: (m, f) => logs.push([m, f]),
    warn: (m, f) => logs.push([m, f]),
    error: (m, f) => logs.push([m, f]),
  };
  const secrets = new MemorySealedSecretStore();
  const service = new CredentialsService({
    box: aesGcmBox(Buffer.alloc(32, 3)),
    secrets,
    profiles: new MemoryProfileStore(),
    emit: (name, payload) => {
      eventSchemas[name].parse(payload);
      events.push(payload);
    },
    logger,
    sharedConfig: { configFile: join(dir, 'none'), credentialsFile: join(dir, 'none'), homedir: dir },
    // Read through a function, so a rotation in kvs-local is picked up on the next fetch.
    localDemo: () => ({ ...kvs.info, ...kvs.credentials.current() }),
    ...extra,
  });
  return { service, events, logs, secrets };
}

describe('Local demo profile', () => {
  it('selects through STS GetCallerIdentity at kvs-local and exposes the endpoint to core/kvs', async () => {
    const { service } = harness();
    try {
      const list = contract['profiles:list'].res.parse(await service.list());
      expect(list.profiles).toEqual([
        {
          id: 'local-demo',
          name: 'Local demo',
          kind: 'local-demo',
          region: 'us-west-2',
          source: `kvs-local at ${kvs.info.endpoint}`,
        },
      ]);
      const selected = contract['profiles:select'].res.parse(await service.select('local-demo'));
      expect(selected.identity).toEqual({
        accountId: '111122223333',
        arn: 'arn:aws:sts::111122223333:assumed-role/KvsLocalRole/kvs-local',
        userId: expect.stringMatching(/^AROA[A-Z2-7]{17}:kvs-local$/) as string,
      });
      expect(service.active()).toMatchObject({
        id: 'local-demo',
        region: 'us-west-2',
        endpoint: kvs.info.endpoint,
      });
    } finally {
      service.dispose();
    }
  });

  it('a rotation in kvs-local is reported as an expiry, and the next fetch picks up the new credentials', async () => {
    const { service, events } = harness();
    try {
      await service.select('local-demo');
      const active = service.active()!;
      const sts = new STSClient({
        region: active.region,
        endpoint: active.endpoint,
        credentials: active.credentials,
        maxAttempts: 1,
      });
      await admin(kvs, 'POST', '/credentials/rotate');
      const err = await caught(sts.send(new GetCallerIdentityCommand({})));
      expect(err.name).toBe('ExpiredToken');
      const failure = service.rejected(err);
      expect(failure?.code).toBe('CredentialsExpired');
      expect(events).toEqual([
        {
          profileId: 'local-demo',
          action: 'retry',
          message:
            'AWS rejected the credentials of "Local demo" (ExpiredToken). The local demo service (kvs-local) no longer accepts these credentials: restart it, then retry.',
        },
      ]);
      // Same client, same provider: the invalidated cache fetches the rotated credentials.
      const again = new STSClient({
        region: active.region,
        endpoint: active.endpoint,
        credentials: active.credentials,
        maxAttempts: 1,
      });
      expect((await again.send(new GetCallerIdentityCommand({}))).Account).toBe('111122223333');
      sts.destroy();
      again.destroy();
    } finally {
      service.dispose();
    }
  });
});

describe('nothing the service hands out holds a key', () => {
  it('list/select/addKeys replies, events and log lines never contain a key id, secret or token', async () => {
    const secretsSeen = new Set<string>();
    const remember = (): void => {
      const c = kvs.credentials.current();
      for (const v of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) if (v) secretsSeen.add(v);
    };
    remember();
    const c = kvs.credentials.current();
    // A shared profile with kvs-local's keys in the credentials file, and a credential_process profile.
    writeFileSync(
      join(dir, 'credentials'),
      `[static]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\naws_session_token = ${c.sessionToken}\n`,
    );
    const script = join(dir, 'proc.mjs');
    writeFileSync(
      script,
      `process.stdout.write(${JSON.stringify(
        JSON.stringify({
          Version: 1,
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          SessionToken: c.sessionToken,
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      )});\n`,
    );
    writeFileSync(
      join(dir, 'config'),
      `[profile static]\nregion = us-west-2\n[profile proc]\nregion = us-west-2\ncredential_process = "${process.execPath}" "${script}"\n`,
    );
    const { service, events, logs, secrets } = harness({
      sharedConfig: {
        configFile: join(dir, 'config'),
        credentialsFile: join(dir, 'credentials'),
        homedir: dir,
      },
      // Profiles without an endpoint would go to AWS: check them against kvs-local instead.
      identify: (p) => getCallerIdentity({ ...p, endpoint: p.endpoint ?? kvs.info.endpoint }),
    });
    const replies: unknown[] = [];
    try {
      const added = service.addKeys({
        name: 'typed',
        region: 'us-west-2',
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken,
      });
      replies.push(contract['profiles:addKeys'].res.parse(added));
      const list = contract['profiles:list'].res.parse(await service.list());
      replies.push(list);
      expect(list.profiles.map((p) => p.id)).toEqual([
        'local-demo',
        'aws:proc',
        'aws:static',
        added.profile.id,
      ]);
      for (const p of list.profiles) {
        const selected = await service.select(p.id);
        expect(selected.identity.accountId).toBe('111122223333');
        replies.push(contract['profiles:select'].res.parse(selected));
      }
      // An expiry report too (a rotation makes every profile's keys stale).
      const active = service.active()!;
      await admin(kvs, 'POST', '/credentials/rotate');
      remember();
      const sts = new STSClient({
        region: active.region,
        endpoint: kvs.info.endpoint,
        credentials: active.credentials,
        maxAttempts: 1,
      });
      const err = await caught(sts.send(new GetCallerIdentityCommand({})));
      sts.destroy();
      expect(service.rejected(err)).toBeDefined();
      expect(events).toHaveLength(1);
      replies.push(await service.list(), service.remove(added.profile.id));

      const out = JSON.stringify({ replies, events, logs });
      expect(secretsSeen.size).toBe(6);
      for (const s of secretsSeen) expect(out).not.toContain(s);
      // What was sealed holds none of it either.
      for (const s of secretsSeen) expect(JSON.stringify(secrets.dump())).not.toContain(s);
    } finally {
      service.dispose();
    }
  });
});
