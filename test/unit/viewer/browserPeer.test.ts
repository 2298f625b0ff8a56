/**
 * browserPeer.ts over a minimal stand-in for RTCPeerConnection (Node has none): what it asks of the browser —
 * transceiver directions, replaceTrack rather than addTrack, the pause as an unsent local offer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browserPeerFactory } from '../../../src-renderer/viewer/browserPeer';
import type { PeerEvents, PeerPort } from '../../../src-renderer/viewer/ports';

class FakeSender {
  track: { kind: string } | null = null;
  replaceTrack(track: { kind: string } | null): Promise<void> {
    this.track = track;
    return Promise.resolve();
  }
}

class FakeTransceiver {
  readonly sender = new FakeSender();
  readonly receiver: { track: { kind: string; enabled: boolean } };
  currentDirection: string | null = null;
  constructor(
    kind: string,
    public direction: string,
  ) {
    this.receiver = { track: { kind, enabled: true } };
  }
}

class FakePc extends EventTarget {
  static last: FakePc | null = null;
  readonly transceivers: FakeTransceiver[] = [];
  readonly calls: string[] = [];
  signalingState = 'stable';
  remoteDescription: RTCSessionDescriptionInit | null = null;
  localDescription: RTCSessionDescriptionInit | null = null;
  readonly localDescriptions: RTCSessionDescriptionInit[] = [];
  connectionState = 'new';
  stats: Array<Record<string, unknown>> = [];

  constructor(readonly config: RTCConfiguration) {
    super();
    FakePc.last = this;
  }
  addTransceiver(kind: string, init: { direction: string }): FakeTransceiver {
    this.calls.push(`addTransceiver:${kind}:${init.direction}`);
    const t = new FakeTransceiver(kind, init.direction);
    this.transceivers.push(t);
    return t;
  }
  addTrack(): never {
    throw new Error('addTrack must not be used');
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  createOffer(): Promise<RTCSessionDescriptionInit> {
    const dirs = this.transceivers.map((t) => `${t.receiver.track.kind}=${t.direction}`).join(',');
    return Promise.resolve({ type: 'offer', sdp: `offer ${dirs}` });
  }
  createAnswer(): Promise<RTCSessionDescriptionInit> {
    const dirs = this.transceivers.map((t) => `${t.receiver.track.kind}=${t.direction}`).join(',');
    return Promise.resolve({ type: 'answer', sdp: `answer ${dirs}` });
  }
  setLocalDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push(`setLocal:${d.type}`);
    if (d.type === 'rollback') this.signalingState = 'stable';
    else {
      this.localDescription = d;
      this.localDescriptions.push(d);
      this.signalingState = d.type === 'offer' ? 'have-local-offer' : 'stable';
    }
    this.dispatchEvent(new Event('signalingstatechange'));
    return Promise.resolve();
  }
  setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.calls.push(`setRemote:${d.type}`);
    this.remoteDescription = d;
    if (d.type === 'offer' && this.transceivers.length === 0) {
      // As the browser does for a remote offer: recvonly transceivers for its m-lines.
      this.transceivers.push(
        new FakeTransceiver('audio', 'recvonly'),
        new FakeTransceiver('video', 'recvonly'),
      );
    }
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
    this.dispatchEvent(new Event('signalingstatechange'));
    return Promise.resolve();
  }
  addIceCandidate(): Promise<void> {
    return Promise.resolve();
  }
  getStats(): Promise<Map<string, Record<string, unknown>>> {
    return Promise.resolve(new Map(this.stats.map((s) => [s.id as string, s])));
  }
  close(): void {
    this.calls.push('close');
  }
}

const events = (): PeerEvents => ({ onCandidate: () => {}, onConnectionState: () => {}, onStream: () => {} });
const audio = { kind: 'audio' } as MediaStreamTrack;
const video = { kind: 'video' } as MediaStreamTrack;
const pc = (): FakePc => {
  if (!FakePc.last) throw new Error('no peer connection');
  return FakePc.last;
};

describe('browserPeer', () => {
  beforeEach(() => vi.stubGlobal('RTCPeerConnection', FakePc));
  afterEach(() => vi.unstubAllGlobals());

  it('P2P offers recvonly video + sendrecv audio; the mic goes on the audio sender by replaceTrack', async () => {
    const peer: PeerPort = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
    expect(pc().calls).toEqual(['addTransceiver:video:recvonly', 'addTransceiver:audio:sendrecv']);
    const offer = await peer.createOffer();
    expect(offer.sdp).toBe('offer video=recvonly,audio=sendrecv');
    await peer.setMicTrack(audio);
    const [v, a] = pc().transceivers;
    expect(a?.sender.track).toBe(audio);
    expect(v?.sender.track).toBeNull();
    await expect(peer.setMicTrack(video)).rejects.toThrow();
    expect(v?.sender.track).toBeNull();
    expect(pc().transceivers).toHaveLength(2);
    await peer.setMicTrack(null);
    expect(a?.sender.track).toBeNull();
  });

  it('storage mode answers with audio sendrecv and video recvonly, mic applied before the answer', async () => {
    const peer = browserPeerFactory()({ mode: 'storage', iceServers: [], events: events() });
    expect(pc().transceivers).toHaveLength(0);
    await peer.setMicTrack(audio);
    const answer = await peer.acceptOffer({ type: 'offer', sdp: 'v=0' });
    expect(answer.sdp).toBe('answer audio=sendrecv,video=recvonly');
    const a = pc().transceivers.find((t) => t.receiver.track.kind === 'audio');
    const v = pc().transceivers.find((t) => t.receiver.track.kind === 'video');
    expect(a?.sender.track).toBe(audio);
    expect(v?.sender.track).toBeNull();
  });

  it('pauses video with an unsent local offer that sets video inactive; resumes with a recvonly one, rolled back', async () => {
    const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
    await peer.createOffer();
    await peer.acceptAnswer({ type: 'answer', sdp: 'v=0' });
    pc().calls.length = 0;
    await peer.setVideoPaused(true);
    expect(pc().localDescription?.sdp).toBe('offer video=inactive,audio=sendrecv');
    expect(pc().signalingState).toBe('have-local-offer');
    await peer.setVideoPaused(false);
    // The recvonly offer restarts the receive stream (a rollback alone leaves it stopped in Chromium).
    expect(pc().calls).toEqual(['setLocal:offer', 'setLocal:offer', 'setLocal:rollback']);
    expect(pc().localDescriptions.map((d) => d.sdp)).toEqual([
      'offer video=recvonly,audio=sendrecv',
      'offer video=inactive,audio=sendrecv',
      'offer video=recvonly,audio=sendrecv',
    ]);
    expect(pc().signalingState).toBe('stable');
    expect(pc().transceivers[0]?.direction).toBe('recvonly');
  });

  it('does not lose a resume asked for while the pause is being applied', async () => {
    const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
    await peer.createOffer();
    await peer.acceptAnswer({ type: 'answer', sdp: 'v=0' });
    pc().calls.length = 0;
    // A tile scrolled out and straight back in: both calls arrive before the pause offer is applied.
    await Promise.all([peer.setVideoPaused(true), peer.setVideoPaused(false)]);
    expect(pc().calls).toEqual(['setLocal:offer', 'setLocal:offer', 'setLocal:rollback']);
    expect(pc().signalingState).toBe('stable');
    expect(pc().transceivers[0]?.direction).toBe('recvonly');
    expect(pc().transceivers[0]?.receiver.track.enabled).toBe(true);
  });

  it('maps getStats to TileStats, with bitrate and loss from deltas', async () => {
    const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
    const base = [
      { id: 'T', type: 'transport', timestamp: 0, selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', timestamp: 0, localCandidateId: 'L', currentRoundTripTime: 0.023 },
      { id: 'L', type: 'local-candidate', timestamp: 0, candidateType: 'relay' },
      { id: 'C', type: 'codec', timestamp: 0, mimeType: 'video/VP8' },
      { id: 'A', type: 'inbound-rtp', kind: 'audio', timestamp: 0, audioLevel: 0.25 },
    ];
    const video = (t: number, bytes: number, lost: number, received: number) => ({
      id: 'V',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: t,
      codecId: 'C',
      framesPerSecond: 25,
      frameWidth: 640,
      frameHeight: 360,
      jitter: 0.004,
      bytesReceived: bytes,
      packetsLost: lost,
      packetsReceived: received,
    });
    pc().stats = [...base, video(1_000, 100_000, 0, 100)];
    await peer.getStats();
    pc().stats = [...base, video(2_000, 200_000, 10, 190)];
    const s = await peer.getStats();
    expect(s).toMatchObject({
      fps: 25,
      width: 640,
      height: 360,
      bitrateKbps: 800,
      rttMs: 23,
      jitterMs: 4,
      packetsLostPct: 10,
      candidateType: 'relay',
      relayed: true,
      audioLevel: 0.25,
      codec: 'video/VP8',
    });
  });

  describe('bitrate across a new RTP stream', () => {
    const stream = (id: string, t: number, bytes: number, received: number, lastPacket = t) => ({
      id,
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: t,
      bytesReceived: bytes,
      packetsLost: 0,
      packetsReceived: received,
      lastPacketReceivedTimestamp: lastPacket,
    });

    it('starts over when the inbound-rtp id changes (new SSRC), never reporting a negative rate', async () => {
      const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
      pc().stats = [stream('V1', 1_000, 9_000_000, 9_000)];
      await peer.getStats();
      pc().stats = [stream('V1', 2_000, 10_000_000, 10_000)];
      expect((await peer.getStats()).bitrateKbps).toBe(8_000);
      // The camera's new session: a new stream whose counters start from zero.
      pc().stats = [stream('V2', 3_000, 343_000, 300)];
      const first = await peer.getStats();
      expect(first.bitrateKbps).toBeNull();
      expect(first.packetsLostPct).toBe(0);
      pc().stats = [stream('V2', 4_000, 443_000, 400)];
      expect((await peer.getStats()).bitrateKbps).toBe(800);
    });

    it('starts over when a counter goes backwards under the same id', async () => {
      const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
      pc().stats = [stream('V', 1_000, 700_000, 700)];
      await peer.getStats();
      pc().stats = [stream('V', 2_000, 42_000, 40)];
      expect((await peer.getStats()).bitrateKbps).toBeNull();
      pc().stats = [stream('V', 3_000, 142_000, 140)];
      expect((await peer.getStats()).bitrateKbps).toBe(800);
    });

    it('reports no rate rather than an absurd one', async () => {
      const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
      pc().stats = [stream('V', 1_000, 0, 0)];
      await peer.getStats();
      pc().stats = [stream('V', 1_001, 2 ** 40, 10)];
      expect((await peer.getStats()).bitrateKbps).toBeNull();
    });

    it('reads the stream that received last when the old one is still listed', async () => {
      const peer = browserPeerFactory()({ mode: 'p2p', iceServers: [], events: events() });
      pc().stats = [stream('OLD', 1_000, 5_000_000, 5_000, 500), stream('NEW', 1_000, 100_000, 100, 990)];
      await peer.getStats();
      pc().stats = [stream('OLD', 2_000, 5_000_000, 5_000, 500), stream('NEW', 2_000, 200_000, 200, 1_990)];
      expect((await peer.getStats()).bitrateKbps).toBe(800);
    });
  });
});
