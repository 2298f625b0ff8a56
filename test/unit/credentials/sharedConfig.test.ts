import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIni } from '../../../src-main/core/credentials/ini';
import {
  discoverSharedProfiles,
  resolveSharedConfigPaths,
} from '../../../src-main/core/credentials/sharedConfig';

const dir = mkdtempSync(join(tmpdir(), 'wf-sharedcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';

function files(
  name: string,
  config: string,
  credentials: string,
): { configFile: string; credentialsFile: string } {
  const home = join(dir, name);
  mkdirSync(join(home, '.aws'), { recursive: true });
  const configFile = join(home, '.aws', 'config');
  const credentialsFile = join(home, '.aws', 'credentials');
  writeFileSync(configFile, config);
  writeFileSync(credentialsFile, credentials);
  return { configFile, credentialsFile };
}

describe('parseIni', () => {
  it('reads sections, comments and nested blocks the way the AWS tools do', () => {
    const doc = parseIni(
      [
        '\uFEFF# leading comment',
        'orphan = ignored',
        '[profile  ops]   ; comment after a header',
        'region = eu-west-1 # inline comment',
        'sso_start_url = https://example.awsapps.com/start#frag',
        's3 =',
        '  max_concurrent_requests = 20',
        '  addressing_style = path',
        'output = json',
        '[__proto__]',
        'x = 1',
        'broken line without equals',
        '= no key',
      ].join('\r\n'),
    );
    expect(Object.keys(doc)).toEqual(['profile ops', '__proto__']);
    expect({ ...doc['profile ops'] }).toEqual({
      region: 'eu-west-1',
      sso_start_url: 'https://example.awsapps.com/start#frag',
      's3.max_concurrent_requests': '20',
      's3.addressing_style': 'path',
      output: 'json',
    });
    expect({ ...doc.__proto__ }).toEqual({ x: '1' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('discoverSharedProfiles', () => {
  const config = `
[default]
region = eu-central-1

[profile static]
region = us-west-2

[profile role]
role_arn = arn:aws:iam::123456789012:role/Ops
source_profile = static
region = ap-southeast-2

[profile sso-new]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Viewer
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile sso-legacy]
sso_start_url = https://old.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Viewer

[profile role-from-sso]
role_arn = arn:aws:iam::123456789012:role/Cross
source_profile = sso-new

[profile proc]
credential_process = /opt/bin/creds --profile proc
region = us-east-2

[profile only-settings]
region = us-west-1
output = json

[profile bad-region]
credential_process = /bin/true
region = Mars-1

[not-a-profile]
aws_access_key_id = FAKEIGNOREDIGNORED00
aws_secret_access_key = ignored
`;
  const credentials = `
[static]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = ${SECRET}

[temp]
aws_access_key_id = ASIAIOSFODNN7EXAMPLE
aws_secret_access_key = ${SECRET}
aws_session_token = ${TOKEN}
`;

  it('classifies static, assume-role, SSO and credential_process profiles, with their regions', async () => {
    const paths = files('all', config, credentials);
    const { profiles, problems } = await discoverSharedProfiles({ ...paths, homedir: join(dir, 'all') });
    const byName = Object.fromEntries(profiles.map((p) => [p.name, p]));
    expect(profiles.map((p) => p.name)).toEqual([
      'bad-region',
      'proc',
      'role',
      'role-from-sso',
      'sso-legacy',
      'sso-new',
      'static',
      'temp',
    ]);
    expect(byName.static).toEqual({
      name: 'static',
      kind: 'shared-config',
      region: 'us-west-2',
      source: '~/.aws/credentials [static]',
      renewal: { kind: 'static', profile: 'static' },
    });
    // A profile only in the credentials file gets the default profile's region.
    expect(byName.temp).toMatchObject({ kind: 'shared-config', region: 'eu-central-1' });
    expect(byName.role).toMatchObject({
      kind: 'shared-config',
      region: 'ap-southeast-2',
      source: '~/.aws/config [profile role]',
      renewal: { kind: 'static', profile: 'static' },
    });
    expect(byName['sso-new']).toMatchObject({ kind: 'sso', region: 'eu-west-1', renewal: { kind: 'sso' } });
    expect(byName['sso-legacy']).toMatchObject({ kind: 'sso', region: 'eu-central-1' });
    // The chain starts at SSO: renewing it means logging in to sso-new.
    expect(byName['role-from-sso']).toMatchObject({
      kind: 'shared-config',
      renewal: { kind: 'sso', profile: 'sso-new' },
    });
    expect(byName.proc).toMatchObject({ kind: 'process', region: 'us-east-2', renewal: { kind: 'process' } });
    expect(byName['bad-region']).toMatchObject({ region: 'us-east-1' });
    expect(problems).toEqual([expect.stringMatching(/bad-region: region 'Mars-1' is not a region name/)]);
  });

  it('never returns a key, secret or token', async () => {
    const paths = files('leak', config, credentials);
    const out = JSON.stringify(await discoverSharedProfiles(paths));
    for (const secret of [SECRET, TOKEN, 'AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE', '/opt/bin/creds']) {
      expect(out).not.toContain(secret);
    }
  });

  it('falls back to us-east-1 and tolerates missing files', async () => {
    const empty = await discoverSharedProfiles({
      configFile: join(dir, 'nope', 'config'),
      credentialsFile: join(dir, 'nope', 'credentials'),
    });
    expect(empty).toEqual({ profiles: [], problems: [] });
    const only = files('only-creds', '', `[default]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n`);
    const { profiles } = await discoverSharedProfiles(only);
    expect(profiles).toEqual([expect.objectContaining({ name: 'default', region: 'us-east-1' })]);
  });

  it('respects AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE and ~ in explicit paths', () => {
    const env = {
      AWS_CONFIG_FILE: '/etc/aws/config',
      AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds',
      HOME: '/h',
    };
    expect(resolveSharedConfigPaths({ env })).toEqual({
      configFile: '/etc/aws/config',
      credentialsFile: '/etc/aws/creds',
    });
    expect(resolveSharedConfigPaths({ env: { HOME: '/h' } })).toEqual({
      configFile: '/h/.aws/config',
      credentialsFile: '/h/.aws/credentials',
    });
    expect(resolveSharedConfigPaths({ env, configFile: '~/cfg', credentialsFile: '/x/c' })).toEqual({
      configFile: '/h/cfg',
      credentialsFile: '/x/c',
    });
  });
});
