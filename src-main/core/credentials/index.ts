export { aesGcmBox, plaintextBox, type SecretBox } from './secretBox';
export {
  MemoryProfileStore,
  MemorySealedSecretStore,
  type KeysProfileRecord,
  type ProfileStore,
  type SealedSecret,
  type SealedSecretStore,
} from './stores';
export {
  discoverSharedProfiles,
  resolveSharedConfigPaths,
  type Discovery,
  type SharedConfigLocation,
  type SharedConfigPaths,
  type SharedProfile,
} from './sharedConfig';
export { RefreshingCredentials, type RefreshHooks, type RefreshTiming } from './refreshing';
export { isCredentialRejection, isNetworkError, type ExpiryAction } from './advice';
export { getCallerIdentity, type CallerIdentity, type IdentityLookup } from './identity';
export type { LocalDemoInfo } from './sources';
export {
  CredentialsService,
  LOCAL_DEMO_ID,
  type AddKeysInput,
  type CredentialsServiceOptions,
  type ExpiredEmitter,
  type ExpiredEvent,
  type Profile,
} from './service';
