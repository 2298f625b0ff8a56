import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { IpcFailure } from '../../../src-shared/ipc/errors';
import {
  CredentialsService,
  MemoryProfileStore,
  MemorySealedSecretStore,
  aesGcmBox,
  type ExpiredEvent,
  type SecretBox,
} from '../../../src-main/core/credentials';
import type { ActiveProfile, Logger } from '../../../src-main/core/types';

const dir = mkdtempSync(join(tmpdir(), 'wf-creds-svc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = {
  accessKeyId: 'FAKETYPEDKEY00000001',
  secretAccessKey: 'typed/Secret+Access+Key/000000000000000001',
  sessionToken: 'TypedSessionToken//0000000000000000000000001',
};
const IDENTITY = {
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/op',
  userId: 'AIDAEXAMPLE',
};

function sharedFiles(name: string): { configFile: string; credentialsFile: string; home: string } {
  const home = join(dir, name);
  mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
  const configFile = join(home, '.aws', 'config');
  const credentialsFile = join(home, '.aws', 'credentials');
  writeFileSync(
    configFile,
    [
      '[profile ops]',
      'region = eu-west-1',
      '[profile sso-dev]',
      'sso_session = corp',
      'sso_account_id = 123456789012',
      'sso_role_name = Viewer',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = eu-west-1',
      '[profile sso-old]',
      'sso_start_url = https://old.awsapps.com/start',
      'sso_region = us-east-1',
      'sso_account_id = 123456789012',
      'sso_role_name = Viewer',
    ].join('\n'),
  );
  writeFileSync(
    credentialsFile,
    '[ops]\naws_access_key_id = FAKESHAREDKEY0000001\naws_secret_access_key = sharedsecret\n',
  );
  return { configFile, credentialsFile, home };
}

function setup(opts: { box?: SecretBox; identify?: (p: ActiveProfile) => Promise<typeof IDENTITY> } = {}) {
  const files = sharedFiles(`s${Math.random().toString(36).slice(2)}`);
  const events: ExpiredEvent[] = [];
  const logs: unknown[] = [];
  const logger: Logger = {
    info: (m, f) => logs.push([m, f]),
    warn: (m, f) => logs.push([m, f]),
    error: (m, f) => logs.push([m, f]),
  };
  const secrets = new MemorySealedSecretStore();
  const profiles = new MemoryProfileStore();
  const seen: ActiveProfile[] = [];
  const identify = vi.fn(async (p: ActiveProfile) => {
    seen.push(p);
    await p.credentials();
    return opts.identify ? opts.identify(p) : IDENTITY;
  });
  const service = new CredentialsService({
    box: opts.box ?? aesGcmBox(randomBytes(32)),
    secrets,
    profiles,
    emit: (_name, payload) => events.push(payload),
    logger,
    sharedConfig: {
      configFile: files.configFile,
      credentialsFile: files.credentialsFile,
      homedir: files.home,
    },
    localDemo: {
      endpoint: 'http://127.0.0.1:4567',
      region: 'us-west-2',
      accessKeyId: 'LOCALKVSDEMO00000000',
      secretAccessKey: 'local/demo-secret',
    },
    identify,
  });
  return { service, secrets, profiles, events, logs, seen, identify, files };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

async function failure(p: Promise<unknown> | (() => unknown)): Promise<IpcFailure> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(IpcFailure);
    return err as IpcFailure;
  }
  throw new Error('expected an IpcFailure');
}

describe('CredentialsService', () => {
  it('lists the Local demo, the shared profiles and typed keys, with nothing active yet', async () => {
    const { service } = setup();
    service.addKeys({ name: 'field kit', region: 'ap-south-1', ...KEYS });
    const { profiles, activeProfileId } = await service.list();
    expect(activeProfileId).toBeNull();
    expect(profiles.map((p) => [p.id.replace(/^keys:.*/, 'keys:…'), p.kind, p.region])).toEqual([
      ['local-demo', 'local-demo', 'us-west-2'],
      ['aws:ops', 'shared-config', 'eu-west-1'],
      // sso_region is where the portal is, not a region for service calls.
      ['aws:sso-dev', 'sso', 'us-east-1'],
      ['aws:sso-old', 'sso', 'us-east-1'],
      ['keys:…', 'keys', 'ap-south-1'],
    ]);
    expect(profiles[0]!.source).toBe('kvs-local at http://127.0.0.1:4567');
    expect(profiles[4]).toMatchObject({
      name: 'field kit',
      source: 'typed in the app, sealed with test-aes-gcm',
    });
  });

  it('seals typed keys: the stored blob holds neither the key id, the secret nor the token', () => {
    const { service, secrets, profiles } = setup();
    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    expect(profile.id).toMatch(/^keys:[0-9a-f-]{36}$/);
    const [blob] = secrets.dump();
    expect(blob).toMatchObject({ profileId: profile.id, backend: 'test-aes-gcm' });
    const raw = blob!.sealed.toString('latin1');
    for (const s of Object.values(KEYS)) {
      expect(raw).not.toContain(s);
      expect(raw).not.toContain(Buffer.from(s).toString('base64'));
    }
    expect(JSON.stringify(profiles.list())).not.toMatch(/FAKE|Secret|Token/);
  });

  it('refuses to store keys in clear unless explicitly allowed, and records the plaintext backend', async () => {
    const weak: SecretBox = {
      ...aesGcmBox(randomBytes(32)),
      backend: 'safeStorage:basic_text',
      isEncryptionAvailable: () => false,
    };
    const { service, secrets } = setup({ box: weak });
    const refused = await failure(() => service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS }));
    expect(refused.code).toBe('InvalidArgument');
    expect(refused.message).toMatch(
      /no secure storage for keys \(safeStorage:basic_text cannot encrypt here\)/,
    );
    expect(secrets.dump()).toEqual([]);

    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS, allowPlaintext: true });
    expect(profile.source).toBe('typed in the app, stored unencrypted');
    expect(secrets.dump()[0]!.backend).toBe('plaintext');
    // Opened with the plaintext box even though the session's box is another.
    await service.select(profile.id);
    expect(await service.active()!.credentials()).toMatchObject({ secretAccessKey: KEYS.secretAccessKey });
  });

  it('rejects invalid input without echoing it', async () => {
    const { service } = setup();
    const err = await failure(() =>
      service.addKeys({
        name: 'kit',
        region: 'us-west-2',
        accessKeyId: 'lowercase-key-id-x',
        secretAccessKey: 'short',
      }),
    );
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toMatch(/accessKeyId: .*secretAccessKey: /);
    expect(err.message).not.toContain('lowercase-key-id-x');
  });

  it('selects typed keys and the demo profile: identity checked with the right region and endpoint', async () => {
    const { service, seen } = setup();
    const { profile } = service.addKeys({ name: 'kit', region: 'ap-south-1', ...KEYS });
    const out = await service.select(profile.id);
    expect(out).toEqual({ profile, identity: IDENTITY });
    expect(seen[0]).toMatchObject({ id: profile.id, region: 'ap-south-1' });
    expect(seen[0]!.endpoint).toBeUndefined();
    expect(await service.active()!.credentials()).toMatchObject(KEYS);
    expect((await service.list()).activeProfileId).toBe(profile.id);

    await service.select('local-demo');
    expect(service.active()).toMatchObject({
      id: 'local-demo',
      region: 'us-west-2',
      endpoint: 'http://127.0.0.1:4567',
    });
    expect(await service.active()!.credentials()).toEqual({
      accessKeyId: 'LOCALKVSDEMO00000000',
      secretAccessKey: 'local/demo-secret',
    });
    service.dispose();
  });

  it('re-entering keys under the same name replaces them (rekey) and the active profile uses them', async () => {
    const { service, secrets } = setup();
    const a = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    await service.select(a.profile.id);
    const b = service.addKeys({
      name: 'kit',
      region: 'us-west-2',
      accessKeyId: 'FAKETYPEDKEY00000002',
      secretAccessKey: 'typed/Secret+Access+Key/000000000000000002',
    });
    expect(b.profile.id).toBe(a.profile.id);
    expect(secrets.dump()).toHaveLength(1);
    expect(await service.active()!.credentials()).toEqual({
      accessKeyId: 'FAKETYPEDKEY00000002',
      secretAccessKey: 'typed/Secret+Access+Key/000000000000000002',
    });
  });

  it('keys sealed by a backend this session lacks ask to be entered again', async () => {
    const { service, secrets } = setup();
    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    secrets.put(profile.id, 'safeStorage:kwallet5', secrets.get(profile.id)!.sealed);
    const err = await failure(service.select(profile.id));
    expect(err.code).toBe('CredentialsMissing');
    expect(err.message).toBe(
      `The keys stored for "kit" cannot be used: the keys were sealed by 'safeStorage:kwallet5', which this session does not have ('test-aes-gcm'). Enter new keys for "kit" in Settings → Profiles.`,
    );
    expect(service.active()).toBeUndefined();
  });

  it('keeps the previous profile active when a selection fails, and names what AWS rejected', async () => {
    const { service } = setup({
      identify: (p) =>
        p.id === 'local-demo'
          ? Promise.resolve(IDENTITY)
          : Promise.reject(
              Object.assign(new Error('The security token included in the request is invalid.'), {
                name: 'InvalidClientTokenId',
              }),
            ),
    });
    await service.select('local-demo');
    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    const err = await failure(service.select(profile.id));
    expect(err.code).toBe('CredentialsExpired');
    expect(err.message).toBe(
      'AWS rejected the credentials of "kit" (InvalidClientTokenId). Enter new keys for "kit" in Settings → Profiles.',
    );
    expect(service.active()?.id).toBe('local-demo');
    expect((await failure(service.select('aws:nope'))).code).toBe('CredentialsMissing');
    service.dispose();
  });

  it('an unknown profile is refused up front and leaves a select in flight alone; a known one supersedes it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { service } = setup({
      identify: async (p) => {
        if (p.id === 'local-demo') await held;
        return IDENTITY;
      },
    });
    const inFlight = service.select('local-demo');
    // Let the demo select reach its identity call.
    await new Promise((r) => setImmediate(r));
    const unknown = await failure(service.select('aws:does-not-exist'));
    expect(unknown.code).toBe('CredentialsMissing');
    release();
    await expect(inFlight).resolves.toMatchObject({ profile: { id: 'local-demo' } });
    expect(service.active()?.id).toBe('local-demo');

    // A select of a profile that exists still supersedes one in flight (selects are serialised).
    let releaseAgain!: () => void;
    const heldAgain = new Promise<void>((r) => (releaseAgain = r));
    const slow = setup({
      identify: async (p) => {
        if (p.id === 'local-demo') await heldAgain;
        return IDENTITY;
      },
    });
    const kit = slow.service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    const first = slow.service.select('local-demo');
    await new Promise((r) => setImmediate(r));
    await slow.service.select(kit.profile.id);
    releaseAgain();
    expect((await failure(first)).code).toBe('Cancelled');
    expect(slow.service.active()?.id).toBe(kit.profile.id);
    service.dispose();
    slow.service.dispose();
  });

  it('rejected(): a service refusing the active credentials drops them and tells the renderer what to do', async () => {
    const { service, events } = setup();
    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    await service.select(profile.id);
    expect(service.rejected(new Error('socket hang up'))).toBeUndefined();
    const expired = Object.assign(new Error('The security token included in the request is expired'), {
      name: 'ExpiredTokenException',
    });
    const failure = service.rejected(expired);
    expect(failure).toBeInstanceOf(IpcFailure);
    expect(failure!.code).toBe('CredentialsExpired');
    expect(events).toEqual([
      {
        profileId: profile.id,
        action: 'rekey',
        message:
          'AWS rejected the credentials of "kit" (ExpiredTokenException). Enter new keys for "kit" in Settings → Profiles.',
      },
    ]);
  });

  it('removes typed keys (secret first) and refuses to remove shared or built-in profiles', async () => {
    const { service, secrets, profiles } = setup();
    const { profile } = service.addKeys({ name: 'kit', region: 'us-west-2', ...KEYS });
    await service.select(profile.id);
    expect(service.remove(profile.id)).toEqual({});
    expect(secrets.dump()).toEqual([]);
    expect(profiles.list()).toEqual([]);
    expect(service.active()).toBeUndefined();
    expect((await failure(() => service.remove('aws:ops'))).message).toMatch(/editing those files/);
    expect((await failure(() => service.remove('local-demo'))).message).toMatch(/built in/);
    expect((await failure(() => service.remove('keys:gone'))).code).toBe('InvalidArgument');
  });

  it('SSO: an expired cached token says to run aws sso login; never logged in is CredentialsMissing', async () => {
    const { service, files, identify } = setup();
    // The SDK finds the SSO token cache under HOME: a temp home, never the machine's own ~/.aws.
    vi.stubEnv('HOME', files.home);
    const cacheFile = createHash('sha1').update('https://old.awsapps.com/start').digest('hex');
    writeFileSync(
      join(files.home, '.aws', 'sso', 'cache', `${cacheFile}.json`),
      JSON.stringify({
        accessToken: 'tok',
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
        region: 'us-east-1',
        startUrl: 'https://old.awsapps.com/start',
      }),
    );
    const old = await failure(service.select('aws:sso-old'));
    expect(old.code).toBe('CredentialsExpired');
    expect(old.message).toBe(
      'The credentials have expired for "sso-old". Run `aws sso login --profile sso-old` and try again.',
    );
    const never = await failure(service.select('aws:sso-dev'));
    expect(never.code).toBe('CredentialsMissing');
    expect(never.message).toBe(
      'No usable credentials for "sso-dev". Run `aws sso login --profile sso-dev` and try again.',
    );
    expect(identify).not.toHaveBeenCalled();
  });
});
