import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import type { ClientCreds } from '../kvsLocal';
import type { HttpCase } from './httpCases';
import { Rng } from './prng';
import { printable } from './values';

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const signers = new Map<string, SignatureV4>();

function signerFor(creds: ClientCreds, region: string, service: string): SignatureV4 {
  const key = `${creds.accessKeyId}|${creds.secretAccessKey}|${creds.sessionToken ?? ''}|${region}|${service}`;
  let s = signers.get(key);
  if (!s) {
    s = new SignatureV4({ credentials: creds, region, service, sha256: Sha256 });
    signers.set(key, s);
  }
  return s;
}

/**
 * The headers to send for a case: SigV4 header auth by an independent signer (@smithy/signature-v4), then
 * broken as `c.auth` says. The payload hash is computed with node:crypto and handed to the signer through
 * `x-amz-content-sha256`, which it then signs instead of hashing the (possibly 1.5 MiB) body in JS.
 */
export async function signedHeaders(
  c: HttpCase,
  creds: ClientCreds,
  region: string,
  host: string,
  nowMs: number,
): Promise<Record<string, string>> {
  const rng = new Rng(c.seed);
  const q = c.path.indexOf('?');
  const path = q < 0 ? c.path : c.path.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(c.path.slice(q + 1))) query[k] = v;
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': c.unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256Hex(c.body),
    ...c.extraHeaders,
  };
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  if (c.auth === 'missing') return headers;
  if (c.auth === 'garbage') {
    headers['x-amz-date'] = formatAmzDate(nowMs);
    headers.authorization = rng.pick([
      'Bearer abc',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=',
      `AWS4-HMAC-SHA256 Credential=A/B/C/D/E, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}, SignedHeaders=host, Signature=${'f'.repeat(64)}`,
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
      printable(rng, rng.range(1, 3000)),
    ]);
    return headers;
  }
  let signCreds: ClientCreds = creds;
  let signRegion = region;
  let service = 'kinesisvideo';
  let date = nowMs;
  if (c.auth === 'wrong-secret') signCreds = { ...creds, secretAccessKey: 'local/not-the-secret' };
  if (c.auth === 'unknown-key') signCreds = { ...creds, accessKeyId: 'LOCALKVSNOSUCHKEY000' };
  if (c.auth === 'token-mismatch') {
    signCreds = creds.sessionToken
      ? rng.chance(0.5)
        ? { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }
        : { ...creds, sessionToken: `${creds.sessionToken}x` }
      : { ...creds, sessionToken: 'LocalSessionToken/not-issued' };
  }
  if (c.auth === 'expired') date = nowMs - rng.range(6, 60) * 60_000;
  if (c.auth === 'future') date = nowMs + rng.range(6, 60) * 60_000;
  if (c.auth === 'wrong-region') signRegion = rng.pick(['eu-central-1', 'us-east-1', 'US-WEST-2', '']);
  if (c.auth === 'wrong-service')
    service = rng.pick(['kinesis-video-signaling', 'kinesisvideo-webrtc', 's3']);
  const signed = await signerFor(signCreds, signRegion, service).sign(
    {
      method: c.method,
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      path,
      query,
      headers: { ...headers },
      body: c.body,
    },
    { signingDate: new Date(date) },
  );
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  const auth = out.authorization ?? '';
  switch (c.auth) {
    case 'bad-signature': {
      const i = auth.length - 1 - rng.int(64);
      const ch = auth[i] === '0' ? '1' : '0';
      out.authorization = auth.slice(0, i) + ch + auth.slice(i + 1);
      break;
    }
    case 'no-date':
      delete out['x-amz-date'];
      break;
    case 'bad-date':
      out['x-amz-date'] = rng.pick([
        '',
        '2020-01-01T00:00:00Z',
        'yesterday',
        '20200101T000000',
        '99999999T999999Z',
      ]);
      break;
    case 'host-unsigned':
      out.authorization = auth.replace(/SignedHeaders=([^,]+)/, (_m, list: string) => {
        const rest = list
          .split(';')
          .filter((h) => h !== 'host')
          .join(';');
        return `SignedHeaders=${rest || 'x-amz-date'}`;
      });
      break;
    case 'odd-signed-headers': {
      const odd = rng.pick([
        'constructor',
        '__proto__',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'x-not-sent',
      ]);
      out.authorization = auth.replace(
        /SignedHeaders=([^,]+)/,
        (_m, list: string) => `SignedHeaders=${list};${odd}`,
      );
      break;
    }
    case 'scope-date':
      out.authorization = auth.replace(
        /Credential=([^/]+)\/(\d{8})\//,
        (_m, id: string) => `Credential=${id}/19990101/`,
      );
      break;
    default:
      break;
  }
  return out;
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
