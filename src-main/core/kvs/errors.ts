import { IpcFailure, type ErrorCode } from '../../../src-shared/ipc/errors';
import { parseArn } from '../../../src-shared/kvs/validate';

/**
 * AWS SDK v3 errors → IpcFailure codes with a message that says what to do. The SDK names its exception
 * after `x-amzn-ErrorType` / `code` / `__type` even when the name is not in the model (kvs-reference §1.0),
 * so mapping by `name` covers the modelled errors and the front end's SigV4 failures alike.
 */

/** What was being done, for the message. Never holds a secret. */
export interface ErrorContext {
  /** The KVS operation, e.g. `GetSignalingChannelEndpoint` (named in permission messages). */
  operation?: string;
  channelArn?: string;
  profileId?: string;
  /** Set when the call was abandoned by our own per-call timeout (not by the caller). */
  timedOutAfterMs?: number;
}

/** The substring the service puts in a storage-session ClientLimitExceeded that is not throttling (§3, §6.3). */
const MAX_VIEWERS = /maximum number of viewers/i;

/** True for the storage session's "…maximum number of viewers connected to the session" (§3): never retried. */
export function isMaxViewersMessage(message: string): boolean {
  return MAX_VIEWERS.test(message);
}

/** Codes worth retrying as they are (§6.2: throttling, network/timeout, 5xx) — never max viewers. */
export function isTransient(failure: IpcFailure): boolean {
  return failure.code === 'Throttled' || failure.code === 'Offline';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface ErrorShape {
  name: string;
  message: string;
  status: number | undefined;
  fault: string | undefined;
  codes: string[];
}

function shapeOf(err: unknown): ErrorShape {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    cause?: unknown;
  };
  const codes: string[] = [];
  // Node puts the errno code on the error or, wrapped by fetch/undici-style layers, on its cause chain.
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    cur = (cur as { cause?: unknown }).cause;
  }
  const status = e.$metadata?.httpStatusCode;
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(err),
    status: typeof status === 'number' ? status : undefined,
    fault: typeof e.$fault === 'string' ? e.$fault : undefined,
    codes,
  };
}

function clip(s: string, n = 240): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 3)}...` : one;
}

function channelLabel(arn: string | undefined): string {
  if (!arn) return 'the resource';
  const parsed = parseArn(arn);
  return parsed ? `${parsed.resourceType} '${parsed.name}'` : 'the resource';
}

function profileLabel(ctx: ErrorContext): string {
  return ctx.profileId ? `profile '${ctx.profileId}'` : 'the active profile';
}

function fail(code: ErrorCode, message: string): IpcFailure {
  return new IpcFailure(code, message);
}

/**
 * Maps anything a KVS call threw to an IpcFailure. IpcFailures pass through unchanged; the original error is
 * kept as `cause` (main only: causes never cross IPC) so the credentials module can tell a rejected key.
 */
export function toIpcFailure(err: unknown, ctx: ErrorContext = {}): IpcFailure {
  if (err instanceof IpcFailure) return err;
  const failure = classify(err, ctx);
  failure.cause = err;
  return failure;
}

function classify(err: unknown, ctx: ErrorContext): IpcFailure {
  const { name, message, status, fault, codes } = shapeOf(err);
  const op = ctx.operation ?? 'the KVS call';
  const what = channelLabel(ctx.channelArn);
  const detail = message ? ` (KVS said: ${clip(message)})` : '';

  if (ctx.timedOutAfterMs !== undefined) {
    return fail(
      'Offline',
      `${op} got no answer within ${Math.round(ctx.timedOutAfterMs / 1000)} s. Check the network; it will be retried.`,
    );
  }
  if (name === 'AbortError') return fail('Cancelled', `${op} was cancelled.`);
  const network = codes.find((c) => NETWORK_CODES.has(c));
  if (network || name === 'TimeoutError') {
    return fail(
      'Offline',
      `Kinesis Video Streams could not be reached for ${op} (${network ?? 'timeout'}). Check the network or proxy; the catalog still works offline.`,
    );
  }

  switch (name) {
    case 'ResourceNotFoundException':
    case 'StreamEdgeConfigurationNotFoundException':
      return fail(
        'ChannelNotFound',
        `${what} does not exist or is not active any more (deleted?). Refresh the catalog.${detail}`,
      );
    case 'AccessDeniedException':
    case 'NotAuthorizedException':
      return fail(
        'AccessDenied',
        `${profileLabel(ctx)} may not call ${ctx.operation ? `kinesisvideo:${ctx.operation}` : op} on ${what}. Add that permission to its IAM policy or pick another profile.${detail}`,
      );
    case 'ClientLimitExceededException':
      if (isMaxViewersMessage(message)) {
        return fail(
          'ClientLimitExceeded',
          `${what} already has the maximum number of viewers in its storage session. Close a tile watching it (here or on another console) and try again later.`,
        );
      }
      return fail('Throttled', `KVS throttled ${op} (too many calls per second). Try again in a moment.`);
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return fail('Throttled', `KVS throttled ${op}. Try again in a moment.`);
    case 'InvalidArgumentException':
    case 'InvalidResourceFormatException':
    case 'InvalidDeviceException':
    case 'InvalidClientException':
    case 'ValidationException':
    case 'SerializationException':
      return fail('InvalidArgument', `KVS refused the request for ${op}${detail || '.'}`);
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'RequestExpired':
    case 'SessionExpiredException':
      return fail(
        'CredentialsExpired',
        `The credentials of ${profileLabel(ctx)} have expired. Log in again (SSO) or enter fresh keys, then retry.`,
      );
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return fail(
        'CredentialsMissing',
        `AWS does not recognise the access key of ${profileLabel(ctx)} (deleted, rotated or from another account). Enter current keys or choose another profile.`,
      );
    case 'IncompleteSignatureException':
    case 'MissingAuthenticationTokenException':
      return fail('CredentialsMissing', `${op} was sent without credentials. Choose a profile with keys.`);
    case 'InvalidSignatureException':
      // §1.0: the front end's clock-skew answers ("Signature expired" / "not yet current") are the same
      // exception as a wrong secret key; only the text tells them apart.
      if (/signature expired|not yet current/i.test(message)) {
        return fail(
          'AccessDenied',
          `AWS refused the request because this computer's clock is more than 5 minutes off. Set the clock (enable automatic time) and retry.`,
        );
      }
      return fail(
        'CredentialsMissing',
        `The secret access key of ${profileLabel(ctx)} does not match its access key id. Enter the keys again.`,
      );
    case 'CredentialsProviderError':
      if (/expired|refresh/i.test(message)) {
        return fail(
          'CredentialsExpired',
          `The credentials of ${profileLabel(ctx)} have expired and could not be refreshed. Log in again (SSO) or enter fresh keys.${detail}`,
        );
      }
      return fail(
        'CredentialsMissing',
        `No usable credentials for ${profileLabel(ctx)}. Check the profile or enter keys.${detail}`,
      );
    case 'VersionMismatchException':
      return fail('Conflict', `${what} changed meanwhile (version mismatch). Reload it and try again.`);
    case 'ResourceInUseException':
      return fail(
        'Conflict',
        `${what} is in use or not ACTIVE (e.g. the stream is already mapped to another channel).${detail}`,
      );
    case 'NoDataRetentionException':
      return fail(
        'Conflict',
        'The stream keeps no data (DataRetentionInHours is 0). Choose a stream with retention above 0 hours.',
      );
    case 'AccountChannelLimitExceededException':
    case 'AccountStreamLimitExceededException':
    case 'DeviceStreamLimitExceededException':
    case 'TagsPerResourceExceededLimitException':
      return fail(
        'Conflict',
        `An account limit stops ${op}.${detail} Ask for a quota increase or delete unused resources.`,
      );
  }
  if ((status !== undefined && status >= 500) || fault === 'server') {
    return fail(
      'Offline',
      `KVS had trouble answering ${op} (HTTP ${status ?? '5xx'}). It will be retried; try again shortly.`,
    );
  }
  return fail(
    'Internal',
    `Unexpected ${name}${status ? ` (HTTP ${status})` : ''} from ${op}${detail || '.'}`,
  );
}
