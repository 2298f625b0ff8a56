import { fromIni, fromSSO } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@smithy/types';
import { plaintextBox, type SecretBox } from './secretBox';
import type { SharedConfigPaths, SharedProfile } from './sharedConfig';
import type { SealedSecretStore } from './stores';

/**
 * Where each kind of profile gets its credentials from. These functions are the only code that sees key
 * material; what they return goes to the refreshing provider and from there to SDK signers in main.
 */

export type CredentialSource = () => Promise<AwsCredentialIdentity>;

/**
 * A shared-config profile through the SDK's own providers: fromSSO for SSO profiles (it takes the file
 * paths; fromIni's nested SSO lookup would read only the default ones), fromIni for everything else —
 * static keys, assume-role chains, credential_process. `ignoreCache` re-reads the files on every refresh,
 * so an edited file or a fresh `aws sso login` is picked up without a restart.
 */
export function sharedSource(profile: SharedProfile, paths: SharedConfigPaths): CredentialSource {
  const files = { filepath: paths.credentialsFile, configFilepath: paths.configFile, ignoreCache: true };
  const provider =
    profile.kind === 'sso'
      ? fromSSO({ profile: profile.name, ...files })
      : // The assume-role STS client defaults to the profile's region rather than us-east-1.
        fromIni({ profile: profile.name, ...files, clientConfig: { region: profile.region } });
  return () => provider();
}

/** Thrown when typed keys cannot be opened: sealed by another backend, or the blob is damaged. */
export class SealedKeysUnavailable extends Error {
  override readonly name = 'SealedKeysUnavailable';
}

/** The JSON sealed for a profile of typed keys. */
export interface KeysPayload {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Seals typed keys as one JSON document (the key id too: nothing of the key lands outside the blob). */
export function sealKeys(box: SecretBox, keys: KeysPayload): Buffer {
  const payload: KeysPayload = { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  if (keys.sessionToken) payload.sessionToken = keys.sessionToken;
  return box.seal(JSON.stringify(payload));
}

/** Opens the sealed keys of a profile with the backend that sealed them. */
export function keysSource(profileId: string, secrets: SealedSecretStore, box: SecretBox): CredentialSource {
  return () => {
    const stored = secrets.get(profileId);
    if (!stored)
      return Promise.reject(new SealedKeysUnavailable('no sealed keys are stored for this profile'));
    const opener = stored.backend === plaintextBox.backend ? plaintextBox : box;
    if (opener.backend !== stored.backend) {
      return Promise.reject(
        new SealedKeysUnavailable(
          `the keys were sealed by '${stored.backend}', which this session does not have ('${box.backend}')`,
        ),
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(opener.open(stored.sealed));
    } catch {
      // Not the secret itself: the box's or JSON's error could quote the plaintext.
      return Promise.reject(
        new SealedKeysUnavailable(`the keys sealed by '${stored.backend}' could not be opened`),
      );
    }
    const p = parsed as Partial<KeysPayload>;
    if (typeof p.accessKeyId !== 'string' || typeof p.secretAccessKey !== 'string') {
      return Promise.reject(new SealedKeysUnavailable('the sealed keys are incomplete'));
    }
    const { accessKeyId, secretAccessKey, sessionToken } = p;
    return Promise.resolve(
      typeof sessionToken === 'string'
        ? { accessKeyId, secretAccessKey, sessionToken }
        : { accessKeyId, secretAccessKey },
    );
  };
}

/** How the composition root reaches kvs-local (the CLI's first stdout line, or startKvsLocal's info). */
export interface LocalDemoInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** kvs-local's credentials; read through a function so a restarted or rotated kvs-local is picked up. */
export function localDemoSource(info: () => LocalDemoInfo): CredentialSource {
  return () => {
    const { accessKeyId, secretAccessKey, sessionToken } = info();
    return Promise.resolve(
      sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey },
    );
  };
}
