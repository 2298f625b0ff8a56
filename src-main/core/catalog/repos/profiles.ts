import type { Profile } from '../model';
import type { Sql } from '../sql';

type ProfileRow = { id: string; name: string; kind: Profile['kind']; region: string; source: string };

/** A sealed secret as the credentials module stored it: ciphertext plus the backend that can unseal it. */
export interface SealedSecret {
  /** Which SecretBox sealed it (e.g. `safeStorage:kwallet6`), so a changed backend is detected, not misread. */
  backend: string;
  sealed: Buffer;
}

/**
 * Profiles (names, kinds, regions, where they come from; never a key), their sealed secrets, and which one
 * is active. Secrets are opaque ciphertext here: sealing and unsealing belong to the credentials module.
 */
export class ProfilesRepo {
  private readonly all;
  private readonly one;
  private readonly upsert;
  private readonly del;
  private readonly delChannels;
  private readonly delStreams;
  private readonly putSecret;
  private readonly getSecret;
  private readonly delSecret;
  private readonly getState;
  private readonly setState;
  private readonly delState;

  constructor(
    private readonly sql: Sql,
    private readonly now: () => number,
  ) {
    this.all = sql.prepare<void, ProfileRow>(
      'profiles.list',
      'SELECT id, name, kind, region, source FROM profiles ORDER BY name, id',
    );
    this.one = sql.prepare<{ id: string }, ProfileRow>(
      'profiles.get',
      'SELECT id, name, kind, region, source FROM profiles WHERE id = :id',
    );
    this.upsert = sql.prepare<ProfileRow & { at: number }>(
      'profiles.save',
      `INSERT INTO profiles (id, name, kind, region, source, updated_at)
       VALUES (:id, :name, :kind, :region, :source, :at)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, region = excluded.region,
         source = excluded.source, updated_at = excluded.updated_at`,
    );
    this.del = sql.prepare<{ id: string }>('profiles.remove', 'DELETE FROM profiles WHERE id = :id');
    this.delChannels = sql.prepare<{ id: string }>(
      'profiles.removeChannels',
      'DELETE FROM channels WHERE profile_id = :id',
    );
    this.delStreams = sql.prepare<{ id: string }>(
      'profiles.removeStreams',
      'DELETE FROM streams WHERE profile_id = :id',
    );
    this.putSecret = sql.prepare<{ id: string; backend: string; sealed: Buffer; at: number }>(
      'secrets.put',
      `INSERT INTO secrets (profile_id, backend, sealed, updated_at) VALUES (:id, :backend, :sealed, :at)
       ON CONFLICT (profile_id) DO UPDATE SET backend = excluded.backend, sealed = excluded.sealed,
         updated_at = excluded.updated_at`,
    );
    this.getSecret = sql.prepare<{ id: string }, SealedSecret>(
      'secrets.get',
      'SELECT backend, sealed FROM secrets WHERE profile_id = :id',
    );
    this.delSecret = sql.prepare<{ id: string }>(
      'secrets.remove',
      'DELETE FROM secrets WHERE profile_id = :id',
    );
    this.getState = sql.prepare<{ key: string }, { value: string }>(
      'appState.get',
      'SELECT value FROM app_state WHERE key = :key',
    );
    this.setState = sql.prepare<{ key: string; value: string }>(
      'appState.set',
      `INSERT INTO app_state (key, value) VALUES (:key, :value)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.delState = sql.prepare<{ key: string }>('appState.delete', 'DELETE FROM app_state WHERE key = :key');
  }

  /** Every stored profile, by name. */
  list(): Profile[] {
    return this.all.all().map((r) => ({ ...r }));
  }

  get(id: string): Profile | undefined {
    const r = this.one.get({ id });
    return r && { ...r };
  }

  /** Inserts or updates a profile (what the renderer may see of it; keys go through `putSecret`). */
  save(profile: Profile): void {
    const { id, name, kind, region, source } = profile;
    this.upsert.run({ id, name, kind, region, source, at: this.now() });
  }

  /**
   * Forgets a profile: its row, its sealed secret, its channels and streams, and the active mark if it held
   * it — in one transaction. Groups and layouts stay (they name ARNs, and the operator built them).
   */
  remove(id: string): void {
    this.sql.tx('profiles.remove', () => {
      this.delChannels.run({ id });
      this.delStreams.run({ id });
      this.del.run({ id });
      if (this.active() === id) this.delState.run({ key: 'activeProfileId' });
    });
  }

  /**
   * Stores a secret that a SecretBox has already sealed. The profile must be saved first (foreign key).
   * Pass ciphertext only: this table never holds a key in clear, and the column accepts only bytes.
   */
  putSealedSecret(profileId: string, secret: SealedSecret): void {
    this.putSecret.run({ id: profileId, backend: secret.backend, sealed: secret.sealed, at: this.now() });
  }

  /** The sealed secret of a profile, still sealed. */
  sealedSecret(profileId: string): SealedSecret | undefined {
    return this.getSecret.get({ id: profileId });
  }

  removeSecret(profileId: string): void {
    this.delSecret.run({ id: profileId });
  }

  /** The profile chosen last (survives restarts), or null. */
  active(): string | null {
    const row = this.getState.get({ key: 'activeProfileId' });
    return row ? (JSON.parse(row.value) as string | null) : null;
  }

  setActive(profileId: string | null): void {
    if (profileId === null) this.delState.run({ key: 'activeProfileId' });
    else this.setState.run({ key: 'activeProfileId', value: JSON.stringify(profileId) });
  }
}
