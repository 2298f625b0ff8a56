import type { Catalog } from './catalog';
import type { KeysProfileRecord, ProfileStore, SealedSecret, SealedSecretStore } from './credentials';

/**
 * The credentials module's stores over the catalog: profile metadata in `profiles` (names and regions only),
 * sealed key blobs in `secrets` (ciphertext from the SecretBox, with its backend). Nothing in clear.
 */
export function catalogSecretStore(catalog: Catalog): SealedSecretStore {
  return {
    put: (profileId, backend, sealed) => catalog.profiles.putSealedSecret(profileId, { backend, sealed }),
    get: (profileId): SealedSecret | undefined => catalog.profiles.sealedSecret(profileId),
    delete: (profileId) => catalog.profiles.removeSecret(profileId),
  };
}

export function catalogProfileStore(catalog: Catalog, backend: () => string): ProfileStore {
  return {
    list: (): KeysProfileRecord[] =>
      catalog.profiles
        .list()
        .filter((p) => p.kind === 'keys')
        .map((p) => ({ id: p.id, name: p.name, region: p.region, updatedAt: 0 })),
    upsert: (record) =>
      catalog.profiles.save({
        id: record.id,
        name: record.name,
        kind: 'keys',
        region: record.region,
        source: `keys sealed with ${backend()}`,
      }),
    delete: (id) => catalog.profiles.remove(id),
  };
}
