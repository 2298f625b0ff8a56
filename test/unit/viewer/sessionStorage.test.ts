import { describe, expect, it } from 'vitest';
import { CHANNEL, TILE, fail, goLive, rig, settle } from './fakes';

describe('ViewerSession: storage mode', () => {
  it('opens signaling, joins the storage session, answers its offer and never offers itself', async () => {
    const r = rig({ storage: true, autoOpen: false });
    void r.session.start();
    await settle();
    expect(r.api.count('storage:joinAsViewer')).toBe(0);
    r.sig().accept();
    await settle();
    expect(r.session.snapshot().mode).toBe('storage');
    expect(r.api.calls.map((c) => c.channel)).toEqual([
      'kvs:prepareViewer',
      'kvs:signConnectUrl',
      'storage:joinAsViewer',
    ]);
    expect(r.api.calls.at(-1)?.req).toEqual({ channelArn: CHANNEL, tileId: TILE });
    expect(r.peer().init.mode).toBe('storage');

    // The media server trickles first, then offers without a senderClientId.
    r.sig().candidate('server-1');
    r.peer().localCandidate('viewer-1');
    r.sig().offer('v=0 media server offer');
    await settle();
    expect(r.peer().remoteDescriptions).toEqual([{ type: 'offer', sdp: 'v=0 media server offer' }]);
    expect(r.peer().remoteCandidates).toEqual(['server-1']);
    expect(r.sig().sent.map((s) => s.type)).toEqual(['answer', 'candidate']);
    expect(r.sig().offers()).toHaveLength(0);
    r.peer().state('connected');
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: null });
    const s = r.session.snapshot();
    expect(s.state).toBe('live');
    expect(s.waterfall.offerAnswer).toBeDefined();
  });

  it('backs off like ClientLimitExceeded when the storage session is full, then joins again', async () => {
    const r = rig({ storage: true, random: () => 0 });
    r.api.on('storage:joinAsViewer', () =>
      fail(
        'ClientLimitExceeded',
        'The channel already has the maximum number of viewers in its storage session.',
      ),
    );
    await r.session.start();
    await settle();
    const s = r.session.snapshot();
    expect(s.state).toBe('recovering');
    expect(s.reason?.code).toBe('ClientLimitExceeded');
    expect(s.reason?.message).toMatch(
      /^Too many viewers in this channel's storage session — retrying in \d+ s$/,
    );
    const wait = (s.nextRetryAt ?? 0) - r.clock.now();
    expect(wait).toBeGreaterThanOrEqual(7_500);
    r.api.on('storage:joinAsViewer', () => ({ ok: true, value: {} }));
    await r.clock.advance(wait - 1);
    expect(r.api.count('storage:joinAsViewer')).toBe(1);
    await r.clock.advance(1);
    expect(r.api.count('storage:joinAsViewer')).toBe(2);
    // Rejoined over the same socket, with a fresh peer.
    expect(r.sigs).toHaveLength(1);
    expect(r.peers).toHaveLength(2);
  });

  it('joins again when the storage session sends no offer', async () => {
    const r = rig({ storage: true, random: () => 0 });
    await r.session.start();
    await r.clock.advance(8_000);
    expect(r.session.snapshot().reason?.code).toBe('CameraOffline');
    await r.clock.advance(1_000);
    expect(r.api.count('storage:joinAsViewer')).toBe(2);
  });

  it('switches to P2P when storage turned out to be disabled (restart re-prepares)', async () => {
    const r = rig({ storage: true });
    r.api.on('storage:joinAsViewer', () => fail('StorageNotEnabled', 'not enabled'));
    await r.session.start();
    await settle();
    const p2p = rig().api;
    r.api.on('kvs:prepareViewer', (req) => p2p.invoke('kvs:prepareViewer', req));
    await r.clock.advance(1_000);
    expect(r.session.snapshot().mode).toBe('p2p');
    expect(r.sig().offers()).toHaveLength(1);
  });

  it('restart() prepares again and switches mode', async () => {
    const r = rig();
    await goLive(r);
    const storage = rig({ storage: true }).api;
    r.api.on('kvs:prepareViewer', (req) => storage.invoke('kvs:prepareViewer', req));
    await r.session.restart('storage enabled');
    await settle();
    expect(r.peers[0]?.closed).toBe(true);
    expect(r.sigs[0]?.closedByClient).toBe(true);
    expect(r.session.snapshot().mode).toBe('storage');
    expect(r.api.count('storage:joinAsViewer')).toBe(1);
  });
});

describe('ViewerSession: talk-back', () => {
  const track = (kind: 'audio' | 'video'): MediaStreamTrack => ({ kind, id: kind }) as MediaStreamTrack;

  it('puts the mic on the audio sender, keeps it across a peer rebuild, and never sends video', async () => {
    const r = rig();
    await goLive(r);
    await r.session.setMicTrack(track('audio'));
    expect(r.peer().audioTrack?.kind).toBe('audio');
    expect(r.session.snapshot().talking).toBe(true);

    await expect(r.session.setMicTrack(track('video'))).rejects.toThrow(/audio/);
    expect(r.peer().sendersAdded).toEqual([]);
    expect(r.peer().audioTrack?.kind).toBe('audio');

    r.peer().state('failed');
    await r.clock.advance(1_000);
    expect(r.peers).toHaveLength(2);
    expect(r.peer().audioTrack?.kind).toBe('audio');

    await r.session.setMicTrack(null);
    expect(r.peer().audioTrack).toBeNull();
    expect(r.session.snapshot().talking).toBe(false);
    expect(r.peers.flatMap((p) => p.sendersAdded)).toEqual([]);
  });
});
