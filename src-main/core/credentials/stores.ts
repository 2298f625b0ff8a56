/**
 * Persistence seams for keys typed in the app. Metadata (name, region) and sealed secrets live apart:
 * the catalog's SQLite implementations back them in the app, the in-memory ones back the tests.
 */

/** A sealed blob and the backend that sealed it. */
export interface SealedSecret {
  backend: string;
  sealed: Buffer;
}

/** Sealed secrets by profile id (the catalog's `secrets` table in the app). Never holds a secret in clear
 * unless its backend is `plaintext`, which the operator explicitly allowed. */
export interface SealedSecretStore {
  put(profileId: string, backend: string, sealed: Buffer): void;
  get(profileId: string): SealedSecret | undefined;
  delete(profileId: string): void;
}

/** Metadata of a profile whose keys were typed in the app: no key id, no secret. */
export interface KeysProfileRecord {
  id: string;
  name: string;
  region: string;
  /** Epoch ms of the last time its keys were entered. */
  updatedAt: number;
}

/** App-entered profiles' metadata. */
export interface ProfileStore {
  list(): KeysProfileRecord[];
  upsert(record: KeysProfileRecord): void;
  delete(id: string): void;
}

/** In-memory {@link SealedSecretStore}; copies buffers in and out so callers cannot alter what is stored. */
export class MemorySealedSecretStore implements SealedSecretStore {
  private readonly blobs = new Map<string, SealedSecret>();

  put(profileId: string, backend: string, sealed: Buffer): void {
    this.blobs.set(profileId, { backend, sealed: Buffer.from(sealed) });
  }

  get(profileId: string): SealedSecret | undefined {
    const found = this.blobs.get(profileId);
    return found && { backend: found.backend, sealed: Buffer.from(found.sealed) };
  }

  delete(profileId: string): void {
    this.blobs.delete(profileId);
  }

  /** Every stored blob (tests assert what would land on disk). */
  dump(): Array<{ profileId: string } & SealedSecret> {
    return [...this.blobs].map(([profileId, s]) => ({
      profileId,
      backend: s.backend,
      sealed: Buffer.from(s.sealed),
    }));
  }
}

/** In-memory {@link ProfileStore}, listed in insertion order. */
export class MemoryProfileStore implements ProfileStore {
  private readonly records = new Map<string, KeysProfileRecord>();

  list(): KeysProfileRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  upsert(record: KeysProfileRecord): void {
    this.records.set(record.id, { ...record });
  }

  delete(id: string): void {
    this.records.delete(id);
  }
}
