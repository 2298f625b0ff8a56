import { describe, expect, it } from 'vitest';
import {
  checkSignRequest,
  presignConnectUrl,
  signingDateOf,
  type SignRequestCheck,
} from '../../../src-main/core/kvs/presign';

const ARN = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/c/1';
const WSS = 'wss://v-1.kinesisvideo.us-west-2.amazonaws.com';

describe('presignConnectUrl', () => {
  it('reproduces the reference test vector of the JS SDK signer (kvs-reference §4.1)', async () => {
    const url = await presignConnectUrl({
      endpoint: WSS,
      queryParams: { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'viewer1' },
      region: 'us-west-2',
      credentials: () => Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' }),
      signingDate: new Date('2020-01-01T00:00:00Z'),
    });
    const u = new URL(url);
    expect(`${u.protocol}//${u.host}${u.pathname}`).toBe(`${WSS}/`);
    expect(u.searchParams.get('X-Amz-Signature')).toBe(
      '27c4719776cb6ed5ce0da6e81aa04ef48ab2cb92f71387e3802d88a633b19cca',
    );
    expect(u.searchParams.get('X-Amz-Expires')).toBe('299');
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(u.searchParams.get('X-Amz-Credential')).toBe('AKID/20200101/us-west-2/kinesisvideo/aws4_request');
    expect(u.searchParams.get('X-Amz-ChannelARN')).toBe(ARN);
    expect(u.searchParams.get('X-Amz-ClientId')).toBe('viewer1');
    expect(u.searchParams.has('X-Amz-Security-Token')).toBe(false);
  });

  it('carries (and signs) the session token of temporary credentials, and keeps an endpoint path', async () => {
    const url = await presignConnectUrl({
      endpoint: 'ws://127.0.0.1:4566/v-0a1b2c3d',
      queryParams: { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'viewer1' },
      region: 'us-west-2',
      credentials: () =>
        Promise.resolve({ accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'tok/+=' }),
      signingDate: new Date('2020-01-01T00:00:00Z'),
    });
    const u = new URL(url);
    expect(u.pathname).toBe('/v-0a1b2c3d');
    expect(u.host).toBe('127.0.0.1:4566');
    expect(u.searchParams.get('X-Amz-Security-Token')).toBe('tok/+=');
    expect(url).not.toContain('SECRET');
  });
});

describe('checkSignRequest', () => {
  const ok: SignRequestCheck = {
    endpoint: WSS,
    queryParams: { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'wf-12345678-t1' },
    channelArn: ARN,
    clientId: 'wf-12345678-t1',
    resolvedWss: WSS,
  };

  it('accepts exactly the viewer query on the resolved endpoint', () => {
    expect(() => checkSignRequest(ok)).not.toThrow();
  });

  const refused: Array<[string, Partial<SignRequestCheck>]> = [
    ['another host', { endpoint: 'wss://evil.example.com' }],
    ['the resolved host with a path added', { endpoint: `${WSS}/x` }],
    ['the MASTER endpoint', { endpoint: 'wss://m-1.kinesisvideo.us-west-2.amazonaws.com' }],
    ['another ClientId', { queryParams: { 'X-Amz-ChannelARN': ARN, 'X-Amz-ClientId': 'someone-else' } }],
    [
      'another channel',
      { queryParams: { 'X-Amz-ChannelARN': `${ARN}0`, 'X-Amz-ClientId': 'wf-12345678-t1' } },
    ],
    ['no ClientId (a MASTER query)', { queryParams: { 'X-Amz-ChannelARN': ARN } }],
    [
      'an extra X-Amz-Expires',
      {
        queryParams: {
          'X-Amz-ChannelARN': ARN,
          'X-Amz-ClientId': 'wf-12345678-t1',
          'X-Amz-Expires': '604800',
        },
      },
    ],
  ];
  for (const [label, change] of refused) {
    it(`refuses ${label} as InvalidArgument`, () => {
      expect(() => checkSignRequest({ ...ok, ...change })).toThrow(
        expect.objectContaining({ code: 'InvalidArgument' }),
      );
    });
  }
});

describe('signingDateOf', () => {
  const now = Date.UTC(2024, 0, 1);
  it('uses now without a date, the caller date within the 5-minute skew window, and refuses beyond it', () => {
    expect(signingDateOf(undefined, now).getTime()).toBe(now);
    expect(signingDateOf(now - 60_000, now).getTime()).toBe(now - 60_000);
    expect(() => signingDateOf(now + 6 * 60_000, now)).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    expect(() => signingDateOf(now - 24 * 3600_000, now)).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  });
});
