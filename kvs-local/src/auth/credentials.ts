import { randomBytes } from 'node:crypto';

/** One set of local credentials the emulator accepts (long-term, or temporary with a session token). */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Entry extends LocalCredentials {
  /** Rotated-out credentials are remembered so that using them yields ExpiredTokenException, as AWS does. */
  expired: boolean;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = out.length; i < length; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  return out;
}

/**
 * Generates obviously local credentials: the key id starts with `LOCALKVS` so it can never be mistaken
 * for (or collide with) a real AWS key.
 */
export function generateCredentials(temporary: boolean): LocalCredentials {
  const creds: LocalCredentials = {
    accessKeyId: randomId('LOCALKVS', 20),
    secretAccessKey: `local/${randomBytes(27).toString('base64url')}`,
  };
  if (temporary) creds.sessionToken = `LocalSessionToken/${randomBytes(48).toString('base64')}`;
  return creds;
}

export type CredentialLookup =
  | { ok: true; creds: LocalCredentials }
  | { ok: false; reason: 'unknown' | 'expired' | 'token-mismatch' | 'token-missing' };

/** The credentials kvs-local currently accepts; `rotate()` expires the active set (admin API). */
export class CredentialStore {
  private readonly entries = new Map<string, Entry>();
  private active: Entry;

  constructor(initial: LocalCredentials) {
    this.active = { ...initial, expired: false };
    this.entries.set(initial.accessKeyId, this.active);
  }

  current(): LocalCredentials {
    const { accessKeyId, secretAccessKey, sessionToken } = this.active;
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  }

  /** Replaces the active credentials; the old ones now fail with ExpiredTokenException. */
  rotate(
    next: LocalCredentials = generateCredentials(this.active.sessionToken !== undefined),
  ): LocalCredentials {
    this.active.expired = true;
    this.active = { ...next, expired: false };
    this.entries.set(next.accessKeyId, this.active);
    return this.current();
  }

  /** Marks the active credentials expired without issuing new ones (simulates an expired session). */
  expireActive(): void {
    this.active.expired = true;
  }

  lookup(accessKeyId: string, sessionToken: string | undefined): CredentialLookup {
    const entry = this.entries.get(accessKeyId);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.sessionToken !== undefined) {
      if (sessionToken === undefined) return { ok: false, reason: 'token-missing' };
      if (sessionToken !== entry.sessionToken) return { ok: false, reason: 'token-mismatch' };
    } else if (sessionToken !== undefined) {
      return { ok: false, reason: 'token-mismatch' };
    }
    // A rotated-out session token is "expired"; a rotated-out long-term key simply no longer exists.
    if (entry.expired) return { ok: false, reason: entry.sessionToken !== undefined ? 'expired' : 'unknown' };
    return { ok: true, creds: entry };
  }
}

/**
 * Credentials for an SDK client inside kvs-local that always re-reads the current set: the SDK caches a
 * credential provider's result until it is within 5 minutes of `expiration`, so an expiration a minute
 * away makes it ask again on every call and pick up a rotation at once.
 */
export function fresh(creds: LocalCredentials): LocalCredentials & { expiration: Date } {
  return { ...creds, expiration: new Date(Date.now() + 60_000) };
}
