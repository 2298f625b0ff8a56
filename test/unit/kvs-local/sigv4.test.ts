import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../../kvs-local/src/auth/credentials';
import { parseQuery, presignConnectUrl, verifyPresignedUrl } from '../../../kvs-local/src/auth/sigv4';

const ARN = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/c/1';
const T0 = Date.UTC(2020, 0, 1);

function split(url: string) {
  const u = new URL(url);
  return { path: u.pathname, query: parseQuery(u.search.slice(1)), host: u.host };
}

describe('presigned connect URLs', () => {
  it('reproduces the reference test vector of the JS SDK signer', () => {
    const url = presignConnectUrl(
      'wss://v-1.kinesisvideo.us-west-2.amazonaws.com',
      { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'viewer1' },
      { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      'us-west-2',
      T0,
    );
    expect(url).toContain('X-Amz-Signature=27c4719776cb6ed5ce0da6e81aa04ef48ab2cb92f71387e3802d88a633b19cca');
  });

  const store = new CredentialStore({
    accessKeyId: 'LOCALKVSUNIT0000001',
    secretAccessKey: 'fake/unit',
    sessionToken: 'tok/+=',
  });
  const creds = store.current();
  const sign = (now: number, params: Record<string, string> = { 'X-Amz-ChannelARN': ARN }) =>
    split(presignConnectUrl('ws://127.0.0.1:9000/v-0123abcd', params, creds, 'us-west-2', now));
  const verify = (p: ReturnType<typeof split>, now: number) =>
    verifyPresignedUrl(p.path, p.query, p.host, { store, region: 'us-west-2', now });

  it('accepts a fresh URL with a session token inside the signed query', () => {
    expect(verify(sign(T0), T0 + 1000)).toBe('LOCALKVSUNIT0000001');
  });

  it('refuses an expired URL, a future one, a tampered query and another host', () => {
    expect(() => verify(sign(T0), T0 + 300_000)).toThrow(/Signature expired/);
    expect(() => verify(sign(T0 + 6 * 60_000), T0)).toThrow(/not yet current/);
    const tampered = sign(T0);
    tampered.query = tampered.query.map(([k, v]) => [k, k === 'X-Amz-ChannelARN' ? `${v}0` : v]);
    expect(() => verify(tampered, T0)).toThrow(/does not match/);
    expect(() => verify({ ...sign(T0), host: '127.0.0.1:9001' }, T0)).toThrow(/does not match/);
  });

  it('tells an unknown key from a rotated-out session token', () => {
    const p = sign(T0);
    store.rotate();
    try {
      verify(p, T0);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe('ExpiredTokenException');
    }
    const unknown = split(
      presignConnectUrl(
        'ws://127.0.0.1:9000/v-0123abcd',
        { 'X-Amz-ChannelARN': ARN },
        { accessKeyId: 'LOCALKVSNOPE', secretAccessKey: 'x' },
        'us-west-2',
        T0,
      ),
    );
    expect(() => verify(unknown, T0)).toThrow(/security token included in the request is invalid/);
  });
});
