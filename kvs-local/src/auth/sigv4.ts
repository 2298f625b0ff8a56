import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { KvsError, kvsErrors } from '../errors';
import type { CredentialStore } from './credentials';

/**
 * SigV4 verification for both planes (kvs-reference.md §1.0 and §4.1), written from the SigV4 spec
 * rather than borrowed from an SDK so that the conformance suite is a real second opinion on the signers.
 * The canonical request is rebuilt from the SignedHeaders the client named, never from a fixed list.
 */

export const SERVICE = 'kinesisvideo';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const SKEW_MS = 5 * 60_000;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface VerifyContext {
  store: CredentialStore;
  region: string;
  now: number;
  /** Signing name the route expects: `kinesisvideo` unless said otherwise (only STS says `sts`). */
  service?: string;
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX upper-case). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** `20200101T000000Z` → epoch ms, or NaN. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Canonical query from raw `k=v` pairs (already percent-encoded on the wire): decode, re-encode, sort. */
function canonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Splits a raw query string into decoded pairs; malformed percent-escapes are kept as-is. */
export function parseQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw.split('&').flatMap((part): Array<[string, string]> => {
    if (!part) return [];
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    return [[safeDecode(k), safeDecode(v)]];
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** Canonical URI for non-S3 services: each segment of the (already encoded) path encoded once more. */
function canonicalUri(rawPath: string): string {
  if (!rawPath || rawPath === '/') return '/';
  return rawPath
    .split('/')
    .map((seg) => uriEncode(safeDecode(seg)))
    .map((seg) => uriEncode(seg))
    .join('/');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  // Own properties only: SignedHeaders is client input, and a name like `constructor` or `__proto__`
  // would otherwise read an Object.prototype member (TypeError → 500 instead of a signature mismatch).
  const v = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v.join(',') : v).trim().replace(/\s+/g, ' ');
}

function checkClock(signedAt: number, now: number, amzDate: string): void {
  if (Number.isNaN(signedAt))
    throw kvsErrors.invalidSignature(
      `Date must be in ISO-8601 'basic format'. Got '${amzDate.slice(0, 40)}'.`,
    );
  if (signedAt < now - SKEW_MS) {
    throw kvsErrors.invalidSignature(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - SKEW_MS)} (${formatAmzDate(now)} - 5 min.)`,
    );
  }
  if (signedAt > now + SKEW_MS) {
    throw kvsErrors.invalidSignature(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(now + SKEW_MS)} (${formatAmzDate(now)} + 5 min.)`,
    );
  }
}

interface Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

function parseCredential(credential: string): Scope {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0]) {
    throw kvsErrors.invalidSignature(
      `Credential should be scoped to a valid region, not '${credential.slice(0, 100)}'.`,
    );
  }
  return { accessKeyId: parts[0], date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

function checkScope(scope: Scope, ctx: VerifyContext, amzDate: string): void {
  const service = ctx.service ?? SERVICE;
  if (scope.service !== service) {
    throw kvsErrors.invalidSignature(`Credential should be scoped to correct service: '${service}'.`);
  }
  if (scope.region !== ctx.region) {
    throw kvsErrors.invalidSignature(`Credential should be scoped to a valid region, not '${scope.region}'.`);
  }
  if (scope.date !== amzDate.slice(0, 8)) {
    throw kvsErrors.invalidSignature(`Credential should be scoped to a valid date: ${amzDate.slice(0, 8)}.`);
  }
}

function resolveSecret(ctx: VerifyContext, accessKeyId: string, token: string | undefined): string {
  const found = ctx.store.lookup(accessKeyId, token);
  if (found.ok) return found.creds.secretAccessKey;
  if (found.reason === 'expired') throw kvsErrors.expiredToken();
  throw kvsErrors.unrecognizedClient();
}

function compareSignature(expected: string, provided: string): void {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw kvsErrors.invalidSignature(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

function stringToSign(amzDate: string, scope: Scope, canonicalRequest: string): string {
  return [
    ALGORITHM,
    amzDate,
    `${scope.date}/${scope.region}/${scope.service}/aws4_request`,
    sha256Hex(canonicalRequest),
  ].join('\n');
}

/** Hex SigV4 signature of a canonical request. */
function signatureOf(secret: string, amzDate: string, scope: Scope, canonicalRequest: string): string {
  return createHmac('sha256', signingKey(secret, scope.date, scope.region, scope.service))
    .update(stringToSign(amzDate, scope, canonicalRequest))
    .digest('hex');
}

export interface HttpRequestParts {
  method: string;
  /** Path as received, percent-encoded, without the query. */
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Verifies header-based SigV4 (every HTTPS call); returns the caller's access key id or throws a wire error. */
export function verifyHeaderAuth(req: HttpRequestParts, ctx: VerifyContext): string {
  const auth = headerValue(req.headers, 'authorization');
  if (!auth) throw kvsErrors.missingAuth();
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m)
    throw kvsErrors.invalidSignature(
      'Authorization header requires Credential, SignedHeaders and Signature parameters.',
    );
  const scope = parseCredential(m[1]!);
  const signedHeaders = m[2]!.split(';');
  const amzDate = headerValue(req.headers, 'x-amz-date') ?? '';
  if (!signedHeaders.includes('host')) throw kvsErrors.invalidSignature("'Host' must be a signed header.");
  checkClock(parseAmzDate(amzDate), ctx.now, amzDate);
  checkScope(scope, ctx, amzDate);
  const secret = resolveSecret(ctx, scope.accessKeyId, headerValue(req.headers, 'x-amz-security-token'));
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${headerValue(req.headers, h) ?? ''}\n`).join('');
  const payloadHash = sha256Hex(req.body);
  const claimed = headerValue(req.headers, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== 'UNSIGNED-PAYLOAD' && claimed !== payloadHash) {
    throw kvsErrors.invalidSignature(
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  }
  const canonicalRequest = [
    req.method,
    canonicalUri(req.path),
    canonicalQuery(parseQuery(req.query)),
    canonicalHeaders,
    signedHeaders.join(';'),
    claimed === 'UNSIGNED-PAYLOAD' ? claimed : payloadHash,
  ].join('\n');
  compareSignature(signatureOf(secret, amzDate, scope, canonicalRequest), m[3]!);
  return scope.accessKeyId;
}

/**
 * Verifies a presigned WebSocket connect URL (§4.1): SignedHeaders must be `host`, the canonical query is
 * every parameter but X-Amz-Signature (the session token is inside it), payload hash of the empty string,
 * and X-Amz-Date + X-Amz-Expires must not be in the past (expiry is only checked at connect time).
 */
export function verifyPresignedUrl(
  path: string,
  query: Array<[string, string]>,
  host: string,
  ctx: VerifyContext,
): string {
  const get = (name: string): string | undefined => query.find(([k]) => k === name)?.[1];
  const signature = get('X-Amz-Signature');
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date') ?? '';
  if (!signature || !credential || get('X-Amz-Algorithm') !== ALGORITHM) throw kvsErrors.missingAuth();
  if ((get('X-Amz-SignedHeaders') ?? '').toLowerCase() !== 'host') {
    throw kvsErrors.invalidSignature("X-Amz-SignedHeaders must be 'host'.");
  }
  const expires = Number(get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
    throw kvsErrors.invalidSignature('X-Amz-Expires must be an integer between 1 and 604800.');
  }
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt)) checkClock(signedAt, ctx.now, amzDate);
  // Only the future direction gets the 5-minute skew; expiry itself is exact (a URL signed 6 min ago
  // with X-Amz-Expires=299 is refused).
  if (signedAt > ctx.now + SKEW_MS) checkClock(signedAt, ctx.now, amzDate);
  if (signedAt + expires * 1000 < ctx.now) {
    throw kvsErrors.invalidSignature(
      `Signature expired: ${formatAmzDate(signedAt + expires * 1000)} is now earlier than ${formatAmzDate(ctx.now)}.`,
    );
  }
  const scope = parseCredential(credential);
  checkScope(scope, ctx, amzDate);
  const secret = resolveSecret(ctx, scope.accessKeyId, get('X-Amz-Security-Token'));
  const canonicalRequest = [
    'GET',
    canonicalUri(path),
    canonicalQuery(query.filter(([k]) => k !== 'X-Amz-Signature')),
    `host:${host}\n`,
    'host',
    EMPTY_SHA256,
  ].join('\n');
  compareSignature(signatureOf(secret, amzDate, scope, canonicalRequest), signature);
  return scope.accessKeyId;
}

/**
 * Presigns a WebSocket connect URL the way the JS SDK's SigV4RequestSigner does (used by kvs-local's own
 * simulated cameras, which connect to the broker like any real device would).
 */
export function presignConnectUrl(
  endpoint: string,
  params: Record<string, string>,
  creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  now: number,
  expiresSeconds = 299,
): string {
  const url = new URL(endpoint);
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const query: Array<[string, string]> = [
    ...Object.entries(params),
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${creds.accessKeyId}/${date}/${region}/${SERVICE}/aws4_request`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  if (creds.sessionToken) query.push(['X-Amz-Security-Token', creds.sessionToken]);
  const canonical = canonicalQuery(query);
  const path = url.pathname || '/';
  const canonicalRequest = [
    'GET',
    canonicalUri(path),
    canonical,
    `host:${url.host}\n`,
    'host',
    EMPTY_SHA256,
  ].join('\n');
  const scope: Scope = { accessKeyId: creds.accessKeyId, date, region, service: SERVICE };
  const signature = signatureOf(creds.secretAccessKey, amzDate, scope, canonicalRequest);
  return `${url.protocol}//${url.host}${path}?${canonical}&X-Amz-Signature=${signature}`;
}

export { KvsError };
