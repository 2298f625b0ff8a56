import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { region as regionSchema } from '../../../src-shared/ipc/schemas';
import { parseIni, type IniDocument } from './ini';

/**
 * Discovery of the profiles in the shared AWS config and credentials files. Only names, kinds, regions
 * and where they come from leave this module: key values are read here only to classify a profile and
 * are never returned (the SDK's own providers read them again when credentials are resolved).
 */

/** Where the shared files are. */
export interface SharedConfigPaths {
  configFile: string;
  credentialsFile: string;
}

export interface SharedConfigLocation {
  /** Explicit paths win over the environment. */
  configFile?: string;
  credentialsFile?: string;
  /** Defaults to process.env (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME). */
  env?: Record<string, string | undefined>;
  homedir?: string;
}

/** What renews a profile's credentials when they expire: the root of its source_profile chain. */
export type RenewalRoot =
  | { kind: 'sso'; profile: string }
  | { kind: 'login'; profile: string }
  | { kind: 'process'; profile: string }
  | { kind: 'static'; profile: string }
  | { kind: 'other'; profile: string };

/** A profile of the shared files, without any secret. */
export interface SharedProfile {
  name: string;
  kind: 'shared-config' | 'sso' | 'process';
  region: string;
  /** `~/.aws/config [profile ops]`, for the settings page. */
  source: string;
  renewal: RenewalRoot;
}

export interface Discovery {
  profiles: SharedProfile[];
  /** Human-readable reasons some files or profiles were skipped (for the main log). */
  problems: string[];
}

const FALLBACK_REGION = 'us-east-1';
/** Profile ids are `aws:<name>` and must fit the contract's 128 characters. */
const MAX_NAME = 124;

function homeOf(loc: SharedConfigLocation): string {
  return loc.homedir ?? (loc.env ?? process.env).HOME ?? homedir();
}

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith(`~/`) || path.startsWith(`~${sep}`)
    ? join(home, path.slice(1))
    : path;
}

/** Resolves the two file paths the way the AWS CLI and SDKs do (explicit, then environment, then ~/.aws). */
export function resolveSharedConfigPaths(loc: SharedConfigLocation = {}): SharedConfigPaths {
  const env = loc.env ?? process.env;
  const home = homeOf(loc);
  return {
    configFile: expandHome(loc.configFile ?? env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'), home),
    credentialsFile: expandHome(
      loc.credentialsFile ?? env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
      home,
    ),
  };
}

function display(path: string, home: string): string {
  return path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}

async function readIni(path: string, problems: string[]): Promise<IniDocument> {
  try {
    return parseIni(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(`cannot read ${path}: ${code ?? String(err)}`);
    return parseIni('');
  }
}

/** `[profile ops]` → `ops`, `[default]` / `[profile default]` → `default`; other config sections are not profiles. */
function configProfileName(section: string): string | undefined {
  if (section === 'default') return 'default';
  const m = /^profile\s+(.+)$/.exec(section);
  return m?.[1];
}

type Data = Record<string, string>;

function isSso(d: Data): boolean {
  return ['sso_session', 'sso_start_url', 'sso_account_id', 'sso_region', 'sso_role_name'].some(
    (k) => k in d,
  );
}

// The same order the SDK's fromIni resolves in: assume-role, static keys, web identity, process, SSO, login.
function classifyOwn(d: Data): SharedProfile['kind'] | 'chain' | undefined {
  if (d.role_arn && (d.source_profile || d.credential_source)) return 'chain';
  if (d.aws_access_key_id && d.aws_secret_access_key) return 'shared-config';
  if (d.role_arn && d.web_identity_token_file) return 'shared-config';
  if (d.credential_process) return 'process';
  if (isSso(d)) return 'sso';
  if (d.login_session) return 'shared-config';
  return undefined;
}

function renewalOf(name: string, all: Map<string, Data>, seen: Set<string> = new Set()): RenewalRoot {
  const d = all.get(name);
  if (!d || seen.has(name)) return { kind: 'other', profile: name };
  seen.add(name);
  if (d.role_arn && d.source_profile && !seen.has(d.source_profile)) {
    // A profile that is its own source_profile uses its static keys for the assume-role call.
    return d.source_profile === name
      ? { kind: 'static', profile: name }
      : renewalOf(d.source_profile, all, seen);
  }
  if (d.role_arn && (d.credential_source || d.web_identity_token_file))
    return { kind: 'other', profile: name };
  if (d.aws_access_key_id) return { kind: 'static', profile: name };
  if (d.credential_process) return { kind: 'process', profile: name };
  if (isSso(d)) return { kind: 'sso', profile: name };
  if (d.login_session) return { kind: 'login', profile: name };
  return { kind: 'other', profile: name };
}

/**
 * Lists the credential profiles of the shared files: merged per name as the SDK merges them (the
 * credentials file wins per key), classified, with the region the console uses for them (profile region,
 * else the default profile's, else us-east-1). Profiles that only hold settings are left out.
 */
export async function discoverSharedProfiles(loc: SharedConfigLocation = {}): Promise<Discovery> {
  const problems: string[] = [];
  const paths = resolveSharedConfigPaths(loc);
  const home = homeOf(loc);
  const [config, credentials] = await Promise.all([
    readIni(paths.configFile, problems),
    readIni(paths.credentialsFile, problems),
  ]);
  const merged = new Map<string, Data>();
  const origin = new Map<string, string>();
  for (const [section, values] of Object.entries(config)) {
    const name = configProfileName(section);
    if (name === undefined) continue;
    merged.set(name, { ...merged.get(name), ...values });
    origin.set(name, `${display(paths.configFile, home)} [${section}]`);
  }
  for (const [name, values] of Object.entries(credentials)) {
    merged.set(name, { ...merged.get(name), ...values });
    // Where the keys come from is what the operator edits when they expire.
    origin.set(name, `${display(paths.credentialsFile, home)} [${name}]`);
  }

  const defaultRegion = merged.get('default')?.region;
  const profiles: SharedProfile[] = [];
  for (const [name, data] of merged) {
    const own = classifyOwn(data);
    if (!own) continue;
    if (name.length > MAX_NAME) {
      problems.push(`profile name longer than ${MAX_NAME} characters skipped: ${name.slice(0, 40)}…`);
      continue;
    }
    const renewal = renewalOf(name, merged);
    // An assume-role profile is shared-config even when its chain starts at SSO; `renewal` says to log in.
    const kind = own === 'chain' ? 'shared-config' : own;
    let region = data.region ?? defaultRegion ?? FALLBACK_REGION;
    if (!regionSchema.safeParse(region).success) {
      problems.push(
        `profile ${name}: region '${region.slice(0, 40)}' is not a region name; using ${FALLBACK_REGION}`,
      );
      region = FALLBACK_REGION;
    }
    profiles.push({ name, kind, region, source: origin.get(name) ?? name, renewal });
  }
  profiles.sort((a, b) =>
    a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name),
  );
  return { profiles, problems };
}
