import type { ServerResponse } from 'node:http';

/**
 * An error as KVS puts it on the wire (kvs-reference.md §1.0). The emulator recipe that satisfies every
 * SDK: status + `x-amzn-ErrorType: <Name>` + body `{"__type":"<Name>","Message":"..."}`; we add the
 * lowercase `message` as well because the signaling, storage and front-end auth shapes model that casing.
 */
export class KvsError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  /** The JSON body the service sends with this error. */
  body(): Record<string, string> {
    return { __type: this.type, Message: this.message, message: this.message };
  }
}

/** Modelled errors and their statuses (kinesisvideo model; storage/WSS use 403 for AccessDenied). */
export const kvsErrors = {
  invalidArgument: (m: string) => new KvsError('InvalidArgumentException', 400, m),
  resourceNotFound: (m = 'The requested channel is not found or not active.') =>
    new KvsError('ResourceNotFoundException', 404, m),
  resourceInUse: (m: string) => new KvsError('ResourceInUseException', 400, m),
  versionMismatch: (m = 'The version of the resource does not match the version specified in the request.') =>
    new KvsError('VersionMismatchException', 400, m),
  clientLimit: (m = 'Your request has been throttled. Try making the call later.') =>
    new KvsError('ClientLimitExceededException', 400, m),
  accountChannelLimit: (
    m = 'You have reached the maximum limit of active signaling channels for this account.',
  ) => new KvsError('AccountChannelLimitExceededException', 400, m),
  accountStreamLimit: (m = 'The number of streams created for the account is too high.') =>
    new KvsError('AccountStreamLimitExceededException', 400, m),
  tagsLimit: (m = 'The number of tags on the resource exceeds the limit of 50.') =>
    new KvsError('TagsPerResourceExceededLimitException', 400, m),
  noDataRetention: (m = 'The stream has no data retention configured.') =>
    new KvsError('NoDataRetentionException', 400, m),
  accessDenied: (m = 'You do not have required permissions to perform this operation.', status = 401) =>
    new KvsError('AccessDeniedException', status, m),
  notAuthorized: (m = 'The caller is not authorized to perform this operation.') =>
    new KvsError('NotAuthorizedException', 401, m),
  // Front-end SigV4 failures (§1.0 "Generic SigV4 failures"): all 403.
  missingAuth: (m = 'Missing Authentication Token') =>
    new KvsError('MissingAuthenticationTokenException', 403, m),
  invalidSignature: (m: string) => new KvsError('InvalidSignatureException', 403, m),
  unrecognizedClient: (m = 'The security token included in the request is invalid.') =>
    new KvsError('UnrecognizedClientException', 403, m),
  expiredToken: (m = 'The security token included in the request is expired') =>
    new KvsError('ExpiredTokenException', 403, m),
  unknownOperation: (path: string) =>
    new KvsError('UnknownOperationException', 404, `No operation matches ${path.slice(0, 200)}`),
  internal: (m = 'An internal error occurred. Try again.') => new KvsError('InternalFailure', 500, m),
} as const;

/** Coerces anything thrown by a handler into a wire error; unexpected errors become InternalFailure. */
export function toKvsError(err: unknown): KvsError {
  if (err instanceof KvsError) return err;
  return kvsErrors.internal();
}

/** Writes `err` as an HTTP response exactly as §1.0 describes. */
export function writeKvsError(res: ServerResponse, err: KvsError, requestId: string): void {
  const body = JSON.stringify(err.body());
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'x-amzn-errortype': err.type,
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
