import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { CredentialStore } from '../auth/credentials';
import { parseQuery, verifyHeaderAuth, type HttpRequestParts } from '../auth/sigv4';
import { KvsError } from '../errors';

/**
 * STS `GetCallerIdentity` over the awsQuery protocol, so the console's profile check ("who am I?") runs
 * through the same SDK code path against kvs-local as against AWS. Only this one action exists here:
 * `POST /`, form-encoded `Action=GetCallerIdentity&Version=2011-06-15`, SigV4 signing name `sts`,
 * XML replies. Faults and TPS quotas do not apply (they model KVS, not STS).
 */

const STS_VERSION = '2011-06-15';
const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_SERVICE = 'sts';

export interface StsDeps {
  credentials: CredentialStore;
  region: string;
  accountId: string;
  now: number;
}

/** Is this the STS query endpoint (root path, POST, form body)? JSON posts to `/` stay unknown KVS operations. */
export function isStsRequest(
  method: string | undefined,
  rootPath: boolean,
  headers: IncomingHttpHeaders,
): boolean {
  const type = headers['content-type'] ?? '';
  return method === 'POST' && rootPath && /^application\/x-www-form-urlencoded\b/i.test(type);
}

/** An STS error as the query protocol puts it on the wire. */
class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// The KVS front end's SigV4 failures, renamed to the codes STS itself answers with, so the SDK raises the
// same named errors as against AWS (InvalidClientTokenId, ExpiredToken, SignatureDoesNotMatch…).
function fromKvsError(err: KvsError): StsError {
  switch (err.type) {
    case 'MissingAuthenticationTokenException':
      return new StsError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
    case 'UnrecognizedClientException':
      return new StsError(
        'InvalidClientTokenId',
        403,
        'The security token included in the request is invalid.',
      );
    case 'ExpiredTokenException':
      return new StsError('ExpiredToken', 403, 'The security token included in the request is expired');
    case 'InvalidSignatureException':
      return err.message.startsWith('Authorization header requires')
        ? new StsError('IncompleteSignature', 403, err.message)
        : new StsError('SignatureDoesNotMatch', 403, err.message);
    default:
      return err.status < 500
        ? new StsError('InvalidParameterValue', 400, err.message)
        : new StsError('InternalFailure', 500, 'An internal error occurred. Try again.');
  }
}

/** Text-node escaping (the values never go into attributes). */
function xmlEscape(s: string): string {
  return s.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

/** A stable, IAM-looking unique id derived from the access key id (AIDA… for users, AROA… for roles). */
function uniqueId(prefix: string, accessKeyId: string): string {
  const digest = createHash('sha256').update(accessKeyId).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = prefix;
  for (let i = 0; out.length < 21; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

function callerIdentity(req: HttpRequestParts, deps: StsDeps): string {
  const accessKeyId = verifyHeaderAuth(req, {
    store: deps.credentials,
    region: deps.region,
    now: deps.now,
    service: STS_SERVICE,
  });
  const form = new Map(parseQuery(req.body.toString('utf8')));
  const action = form.get('Action');
  const version = form.get('Version');
  if (action !== 'GetCallerIdentity' || version !== STS_VERSION) {
    throw new StsError(
      'InvalidAction',
      400,
      `Could not find operation ${(action ?? '').slice(0, 64)} for version ${(version ?? '').slice(0, 16)}`,
    );
  }
  // Temporary credentials (a session token) look like an assumed role, long-term keys like an IAM user.
  const temporary = req.headers['x-amz-security-token'] !== undefined;
  const arn = temporary
    ? `arn:aws:sts::${deps.accountId}:assumed-role/KvsLocalRole/kvs-local`
    : `arn:aws:iam::${deps.accountId}:user/kvs-local`;
  const userId = temporary ? `${uniqueId('AROA', accessKeyId)}:kvs-local` : uniqueId('AIDA', accessKeyId);
  return (
    `<GetCallerIdentityResponse xmlns="${XMLNS}"><GetCallerIdentityResult>` +
    `<Arn>${xmlEscape(arn)}</Arn><UserId>${xmlEscape(userId)}</UserId><Account>${xmlEscape(deps.accountId)}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata>` +
    `</GetCallerIdentityResponse>`
  );
}

function errorXml(err: StsError, requestId: string): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(err.code)}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/**
 * Answers one STS request: SigV4 (signing name `sts`) → Action → XML. Returns the operation name and
 * status for the router's reply counters.
 */
export function answerSts(
  res: ServerResponse,
  req: HttpRequestParts,
  deps: StsDeps,
  requestId: string,
  log: (line: string) => void,
): { operation: string; status: number } {
  let status = 200;
  let text: string;
  try {
    text = callerIdentity(req, deps).replace('{requestId}', requestId);
  } catch (err) {
    let e: StsError;
    if (err instanceof StsError) e = err;
    else if (err instanceof KvsError) e = fromKvsError(err);
    else {
      log(`kvs-local: GetCallerIdentity failed unexpectedly: ${String(err)}`);
      e = new StsError('InternalFailure', 500, 'An internal error occurred. Try again.');
    }
    status = e.status;
    text = errorXml(e, requestId);
  }
  res.writeHead(status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': requestId,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
  return { operation: 'GetCallerIdentity', status };
}
