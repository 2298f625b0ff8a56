import { BODY_MUTATIONS, hugeBody, mostlyValidBody, mutateBody } from './bodyMutations';
import { OPERATIONS, type HttpFixtures } from './operations';
import type { Rng } from './prng';
import { randomAlnum, randomHex } from './values';

/** How a request is authenticated: correctly, or broken in one particular way. */
export const AUTH_MODES = {
  valid: 0,
  missing: 2,
  garbage: 2,
  'bad-signature': 2,
  'wrong-secret': 1,
  'unknown-key': 1,
  expired: 1,
  future: 1,
  'wrong-region': 1,
  'wrong-service': 1,
  'body-tampered': 1,
  'no-date': 1,
  'bad-date': 1,
  'host-unsigned': 1,
  'odd-signed-headers': 2,
  'scope-date': 1,
  'token-mismatch': 1,
} as const;
export type AuthMode = keyof typeof AUTH_MODES;

export interface HttpCase {
  index: number;
  /** Seed of the draws made while signing (signing is async, so it cannot share the sequential stream). */
  seed: number;
  target: string;
  /** Coarse kind of the input, for the table. */
  category: 'body' | 'auth' | 'method' | 'path' | 'huge' | 'headers';
  /** Finer detail: the body mutation, auth mode, method… */
  detail: string;
  method: string;
  /** Raw request target: path and query as sent. */
  path: string;
  /** The router knows this path for POST (after splitting off the query). */
  knownRoute: boolean;
  operation: string | undefined;
  auth: AuthMode;
  /** Bytes that are signed. */
  body: Buffer;
  /** Bytes that are sent when they differ from what was signed (body-tampered). */
  sentBody: Buffer | undefined;
  chunked: boolean;
  contentType: string | null;
  extraHeaders: Record<string, string>;
  unsignedPayload: boolean;
}

const BAD_PATHS = (hex: string): string[] => [
  '/',
  '/createsignalingchannel',
  '/CreateSignalingChannel',
  '/createSignalingChannel/',
  '//createSignalingChannel',
  '/createSignalingChannel%00',
  '/%2e%2e/createSignalingChannel',
  '/v1/get-ice-server-config',
  `/w-${hex}/v1/get-ice-server-config`,
  `/r-${hex}/createSignalingChannel`,
  `/r-${hex}`,
  `/r-${hex}/`,
  `/m-${hex}`,
  `/v-${hex}`,
  `/b-${hex}/getMedia`,
  `/x-${hex}/joinStorageSession`,
  '/r-XYZXYZXY/v1/get-ice-server-config',
  '/r-1234567/v1/get-ice-server-config',
  `/R-${hex}/v1/get-ice-server-config`,
  '/joinStorageSession',
  '/admin/faults',
  '/favicon.ico',
  `/${'a'.repeat(4000)}`,
  '/%ff%fe',
  '/createSignalingChannel;x=1',
  '/2017-09-30/createSignalingChannel',
];

/** Draws one HTTP fuzz case against an instance's fixtures. */
export function generateHttpCase(rng: Rng, index: number, target: string, f: HttpFixtures): HttpCase {
  const category = rng.weighted({ body: 57, auth: 15, method: 8, path: 12, huge: 2, headers: 6 } as const);
  const op = rng.pick(OPERATIONS);
  const prefix = op.kind === 'root' ? '' : `/${op.kind}-${rng.chance(0.9) ? f.endpointHex : randomHex(rng)}`;
  const c: HttpCase = {
    index,
    seed: rng.int(2 ** 32),
    target,
    category,
    detail: '',
    method: 'POST',
    path: prefix + op.path,
    knownRoute: true,
    operation: op.name,
    auth: 'valid',
    body: Buffer.alloc(0),
    sentBody: undefined,
    chunked: false,
    contentType: 'application/json',
    extraHeaders: {},
    unsignedPayload: false,
  };
  const base = op.base(rng, f);
  switch (category) {
    case 'body': {
      const kind = rng.weighted(BODY_MUTATIONS);
      c.detail = kind;
      c.body = mutateBody(rng, base, kind);
      break;
    }
    case 'auth': {
      const mode = rng.weighted(AUTH_MODES);
      c.auth = mode;
      c.detail = mode;
      c.body = mostlyValidBody(rng, base);
      if (mode === 'body-tampered') c.sentBody = mutateBody(rng, { ...base, tampered: true }, 'as-is');
      break;
    }
    case 'method': {
      c.method = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      c.detail = c.method;
      c.knownRoute = false;
      if (c.method === 'PUT' || c.method === 'PATCH' || c.method === 'DELETE')
        c.body = mutateBody(rng, base, 'as-is');
      if (rng.chance(0.2)) c.auth = 'missing';
      break;
    }
    case 'path': {
      c.path = rng.chance(0.7)
        ? rng.pick(BAD_PATHS(f.endpointHex))
        : `/${randomAlnum(rng, rng.range(1, 12))}/${randomHex(rng)}`;
      c.operation = undefined;
      c.knownRoute = false;
      c.detail = 'unknown path';
      c.body = mutateBody(rng, base, 'as-is');
      if (rng.chance(0.3)) c.auth = rng.weighted(AUTH_MODES);
      break;
    }
    case 'huge': {
      // Around the 1 MiB limit: at most 1 MiB is parsed, above it the router refuses before authenticating.
      const size = rng.chance(0.5)
        ? rng.range(900 * 1024, 1024 * 1024)
        : rng.range(1024 * 1024 + 1, 1536 * 1024);
      c.body = hugeBody(rng, Object.keys(base)[0] ?? 'x', size);
      c.detail = size > 1024 * 1024 ? 'over 1 MiB' : 'under 1 MiB';
      if (rng.chance(0.2)) c.chunked = true;
      break;
    }
    case 'headers': {
      c.body = mostlyValidBody(rng, base);
      const kind = rng.pick([
        'no content-type',
        'text/plain',
        'amz-json',
        'chunked',
        'unsigned payload',
        'junk headers',
        'query string',
      ]);
      c.detail = kind;
      if (kind === 'no content-type') c.contentType = null;
      if (kind === 'text/plain') c.contentType = 'text/plain; charset=latin1';
      if (kind === 'amz-json') c.contentType = 'application/x-amz-json-1.1';
      if (kind === 'chunked') c.chunked = true;
      if (kind === 'unsigned payload') c.unsignedPayload = true;
      if (kind === 'junk headers') {
        c.extraHeaders = {
          'x-amz-target': `KinesisVideo_20170930.${randomAlnum(rng, 8)}`,
          'content-encoding': rng.pick(['gzip', 'identity', 'br']),
          'x-amzn-errortype': 'SpoofedException',
          [`x-${randomAlnum(rng, 6)}`]: randomAlnum(rng, 40),
        };
      }
      // Queries the signer and the verifier must canonicalize alike (no repeated keys: the signer's
      // query object holds one value per key).
      if (kind === 'query string')
        c.path += rng.pick([
          `?${randomAlnum(rng, 3)}=${randomAlnum(rng, 5)}&Action=${op.name}`,
          '?flag',
          '?empty=',
          '?x=a%20b&y=%2F%3D%2B',
          `?z=${encodeURIComponent('é中😀')}&a=1`,
          '?b=~._-&A=upper',
        ]);
      break;
    }
  }
  return c;
}
