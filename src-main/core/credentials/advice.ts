import { IpcFailure } from '../../../src-shared/ipc/errors';
import type { RenewalRoot } from './sharedConfig';

/**
 * What the operator does when a profile's credentials stop working, and how a failure becomes an
 * IpcFailure whose message is safe to show (never a key, never a credential_process's output).
 */

export type ExpiryAction = 'login' | 'rekey' | 'retry';

/** How a profile's credentials are renewed by a person. */
export interface Renewal {
  action: ExpiryAction;
  /** One sentence saying what to do. */
  remedy: string;
}

/** The renewal advice for a shared-config profile, from the root of its source_profile chain. */
export function sharedRenewal(root: RenewalRoot, source: string): Renewal {
  switch (root.kind) {
    case 'sso':
      return { action: 'login', remedy: `Run \`aws sso login --profile ${root.profile}\` and try again.` };
    case 'login':
      return { action: 'login', remedy: `Run \`aws login --profile ${root.profile}\` and try again.` };
    case 'process':
      return {
        action: 'retry',
        remedy: `The credential_process of profile ${root.profile} failed or returned expired credentials: run it in a terminal to see why, then retry.`,
      };
    case 'static':
      return {
        action: 'retry',
        remedy: `Update the keys of profile ${root.profile} in ${source.replace(/ \[.*$/, '')}, then retry.`,
      };
    default:
      return {
        action: 'retry',
        remedy: `Check profile ${root.profile} in ${source.replace(/ \[.*$/, '')}, then retry.`,
      };
  }
}

export function keysRenewal(name: string): Renewal {
  return { action: 'rekey', remedy: `Enter new keys for "${name}" in Settings → Profiles.` };
}

export const localDemoRenewal: Renewal = {
  action: 'retry',
  remedy: 'The local demo service (kvs-local) no longer accepts these credentials: restart it, then retry.',
};

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

const REJECTED_NAMES = new Set([
  // STS / IAM query-protocol codes
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'RequestExpired',
  // KVS and other JSON-protocol front ends
  'UnrecognizedClientException',
  'InvalidSignatureException',
  // SSO portal (revoked or expired access token)
  'UnauthorizedException',
  'InvalidGrantException',
]);

function prop(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/** The service could not be reached at all (DNS, refused, timeout): nothing is wrong with the credentials. */
export function isNetworkError(err: unknown): boolean {
  const code = prop(err, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const name = prop(err, 'name');
  if (name === 'TimeoutError' || name === 'RequestTimeout') return true;
  // The SDK wraps a socket failure without a response: no $metadata.httpStatusCode.
  const cause = prop(err, 'cause');
  return cause !== undefined && cause !== err && isNetworkError(cause);
}

/** An AWS service answered that these credentials are expired or not valid (any protocol). */
export function isCredentialRejection(err: unknown): boolean {
  const name = prop(err, 'name');
  const code = prop(err, 'Code') ?? prop(err, 'code');
  return (
    (typeof name === 'string' && REJECTED_NAMES.has(name)) ||
    (typeof code === 'string' && REJECTED_NAMES.has(code))
  );
}

/** First line of an SDK message, bounded; only for providers whose messages cannot carry program output. */
export function safeDetail(err: unknown): string {
  const message = prop(err, 'message');
  if (typeof message !== 'string' || !message) return '';
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** The failure to throw when credentials cannot be had: Offline for the network, otherwise expired/missing. */
export function credentialFailure(
  err: unknown,
  profileName: string,
  renewal: Renewal,
  missing = false,
): IpcFailure {
  if (err instanceof IpcFailure) return err;
  if (isNetworkError(err)) {
    return new IpcFailure(
      'Offline',
      `Could not reach AWS to get credentials for "${profileName}". Check the network and retry.`,
    );
  }
  return new IpcFailure(
    missing ? 'CredentialsMissing' : 'CredentialsExpired',
    `${missing ? 'No usable credentials' : 'The credentials have expired'} for "${profileName}". ${renewal.remedy}`,
  );
}
