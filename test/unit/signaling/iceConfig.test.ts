import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KvsError } from '../../../kvs-local/src/errors';
import {
  buildIceServerConfig,
  getIceServerConfig,
  parseIceServerConfigRequest,
} from '../../../kvs-local/src/signaling/iceConfig';
import { KvsStore, newVersion, type Channel } from '../../../kvs-local/src/state/store';

const ARN = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/mychannel/1657142193914';
const NOW = 1_700_000_000_123;

function thrown(f: () => unknown): KvsError {
  try {
    f();
  } catch (err) {
    if (err instanceof KvsError) return err;
    throw err;
  }
  throw new Error('expected a KvsError');
}

describe('GetIceServerConfig request validation', () => {
  it('accepts what the JS examples and the C SDK send', () => {
    expect(parseIceServerConfigRequest({ ChannelARN: ARN })).toEqual({ channelArn: ARN });
    expect(
      parseIceServerConfigRequest({ ChannelARN: ARN, ClientId: 'viewer-1', Service: 'TURN', Other: 1 }),
    ).toEqual({
      channelArn: ARN,
      clientId: 'viewer-1',
      service: 'TURN',
    });
    expect(parseIceServerConfigRequest({ ChannelARN: ARN, Username: 'u.1' }).username).toBe('u.1');
  });

  it('refuses a missing or malformed ChannelARN, bad ClientId/Username and a Service other than TURN', () => {
    const cases: unknown[] = [
      {},
      { ChannelARN: 42 },
      { ChannelARN: '' },
      { ChannelARN: 'arn:aws-cn:kinesisvideo:cn-north-1:1:channel/c/1' }, // the signaling model fixes `aws`
      { ChannelARN: 'not-an-arn' },
      { ChannelARN: ARN, ClientId: '' },
      { ChannelARN: ARN, ClientId: 'has space' },
      { ChannelARN: ARN, ClientId: 'x'.repeat(257) },
      { ChannelARN: ARN, Username: 'a/b' },
      { ChannelARN: ARN, Service: 'STUN' },
      null,
      [],
    ];
    for (const body of cases) {
      const err = thrown(() => parseIceServerConfigRequest(body));
      expect([err.type, err.status]).toEqual(['InvalidArgumentException', 400]);
    }
    expect(thrown(() => parseIceServerConfigRequest({})).message).toMatch(/channelARN.*must not be null/);
  });
});

describe('GetIceServerConfig response', () => {
  it('has the real shape by default: 2 entries x 3 URIs, Ttl, username <expiry>:<b64(v1:arn)>', () => {
    const res = buildIceServerConfig(ARN, { nowMs: NOW, ttlSeconds: 300, turnPort: 3478 });
    expect(res.IceServerList).toHaveLength(2);
    expect(res.IceServerList[0]!.Uris).toEqual([
      'turn:127.0.0.1:3478?transport=udp',
      'turns:127.0.0.1:3478?transport=udp',
      'turns:127.0.0.1:3478?transport=tcp',
    ]);
    expect(res.IceServerList[1]!.Uris[0]).toBe('turn:127.0.0.1:3479?transport=udp');
    for (const server of res.IceServerList) {
      expect(server.Ttl).toBe(300);
      const [expiry, id] = server.Username.split(':');
      expect(Number(expiry)).toBe(Math.floor(NOW / 1000) + 300);
      expect(Buffer.from(id!, 'base64').toString()).toBe(`v1:${ARN}`);
      expect(server.Password).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(server.Password, 'base64')).toHaveLength(32);
    }
    expect(res.IceServerList[0]!.Password).not.toBe(res.IceServerList[1]!.Password);
  });

  it('returns an empty list for host-only ICE, and chunks configured URIs 3 per entry (at most 5)', () => {
    expect(buildIceServerConfig(ARN, { nowMs: NOW, ttlSeconds: 300, iceUris: [] })).toEqual({
      IceServerList: [],
    });
    const uris = Array.from({ length: 17 }, (_, i) => `turn:10.0.0.${i}:3478`);
    const res = buildIceServerConfig(ARN, { nowMs: NOW, ttlSeconds: 120, iceUris: uris });
    expect(res.IceServerList.map((s) => s.Uris.length)).toEqual([3, 3, 3, 3, 3]);
    expect(res.IceServerList[0]!.Ttl).toBe(120);
  });

  it('derives the password with the TURN REST scheme when a coturn secret is configured; brackets IPv6', () => {
    const res = buildIceServerConfig(ARN, {
      nowMs: NOW,
      ttlSeconds: 300,
      turnHost: '::1',
      turnSecret: 'coturn-secret',
    });
    const s = res.IceServerList[0]!;
    expect(s.Uris[0]).toBe('turn:[::1]:3478?transport=udp');
    expect(s.Password).toBe(createHmac('sha1', 'coturn-secret').update(s.Username).digest('base64'));
  });

  it('answers 404 for an unknown or inactive channel', () => {
    const store = new KvsStore('us-west-2', '123456789012');
    const channel: Channel = {
      name: 'mychannel',
      arn: ARN,
      type: 'SINGLE_MASTER',
      status: 'ACTIVE',
      creationTime: NOW,
      messageTtlSeconds: 60,
      version: newVersion(),
      tags: {},
      storage: { status: 'DISABLED', streamArn: null },
    };
    const opts = { nowMs: NOW, ttlSeconds: 300 };
    expect(thrown(() => getIceServerConfig({ ChannelARN: ARN }, store, opts)).status).toBe(404);
    store.addChannel(channel);
    expect(getIceServerConfig({ ChannelARN: ARN }, store, opts).IceServerList).toHaveLength(2);
    channel.status = 'DELETING';
    expect(thrown(() => getIceServerConfig({ ChannelARN: ARN }, store, opts)).type).toBe(
      'ResourceNotFoundException',
    );
  });
});
