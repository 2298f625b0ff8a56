import { describe, expect, it } from 'vitest';
import { ICE_GRACE_MS, iceCacheMs, stunUrl, toRtcIceServers } from '../../../src-main/core/kvs/ice';

describe('ICE servers', () => {
  const answer = [
    {
      Uris: [
        'turn:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com:443?transport=udp',
        'turns:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com:443?transport=udp',
        'turns:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com:443?transport=tcp',
      ],
      Username: '1605557886:djE6YXJu',
      Password: 'a/b+c=',
      Ttl: 300,
    },
    { Uris: ['turn:x:443?transport=udp'], Username: 'u2', Password: 'p2', Ttl: 120 },
  ];

  it('converts GetIceServerConfig entries to RTCIceServer {urls, username, credential}', () => {
    expect(toRtcIceServers(answer)).toEqual([
      { urls: answer[0]!.Uris, username: '1605557886:djE6YXJu', credential: 'a/b+c=' },
      { urls: ['turn:x:443?transport=udp'], username: 'u2', credential: 'p2' },
    ]);
    expect(toRtcIceServers(undefined)).toEqual([]);
    expect(toRtcIceServers([{ Uris: [] }])).toEqual([]);
  });

  it('caches until the shortest Ttl minus 15 s', () => {
    expect(iceCacheMs(answer)).toBe(120_000 - ICE_GRACE_MS);
    expect(iceCacheMs([answer[0]!])).toBe(285_000);
    // Ttl below the model's 30 s minimum is clamped rather than trusted.
    expect(iceCacheMs([{ Uris: ['turn:x'], Ttl: 1 }])).toBe(15_000);
  });

  it('builds the STUN URL clients add themselves (kvs-reference §7)', () => {
    expect(stunUrl('us-west-2')).toBe('stun:stun.kinesisvideo.us-west-2.amazonaws.com:443');
    expect(stunUrl('cn-north-1')).toBe('stun:stun.kinesisvideo.cn-north-1.amazonaws.com.cn:443');
  });
});
