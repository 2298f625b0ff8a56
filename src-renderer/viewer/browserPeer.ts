/**
 * The {@link PeerPort} over a browser RTCPeerConnection. P2P: the viewer offers recvonly video and
 * sendrecv audio — the audio sender has no track until push-to-talk. Storage (kvs-reference §6.3): the
 * media server offers, the viewer answers with audio sendrecv and video recvonly. Video is never sent:
 * there is no video sender to put a track on, and `setMicTrack` only ever replaces the audio sender's track.
 */
import type { PeerFactory, PeerInit, PeerPort } from './ports';
import { emptyStats } from './sessionBase';
import type { TileStats } from './types';

export function browserPeerFactory(): PeerFactory {
  return (init) => new BrowserPeer(init);
}

type Stat = { id: string; type: string; timestamp: number; [key: string]: unknown };

class BrowserPeer implements PeerPort {
  private readonly pc: RTCPeerConnection;
  private stream: MediaStream | null = null;
  private micTrack: MediaStreamTrack | null = null;
  private wantPaused = false;
  private pause: 'off' | 'localOffer' | 'trackDisabled' = 'off';
  private negotiating = 0;
  private closed = false;
  private previous: { id: string; at: number; bytes: number; lost: number; received: number } | null = null;

  constructor(private readonly init: PeerInit) {
    this.pc = new RTCPeerConnection({ iceServers: init.iceServers, bundlePolicy: 'max-bundle' });
    if (init.mode === 'p2p') {
      this.pc.addTransceiver('video', { direction: 'recvonly' });
      this.pc.addTransceiver('audio', { direction: 'sendrecv' });
    }
    this.pc.addEventListener('icecandidate', (event) => {
      if (!this.closed) init.events.onCandidate(event.candidate ? event.candidate.toJSON() : null);
    });
    this.pc.addEventListener('connectionstatechange', () => {
      if (!this.closed) init.events.onConnectionState(this.pc.connectionState);
    });
    this.pc.addEventListener('track', (event) => {
      // One stream of our own for every remote track: the media server may put audio and video under
      // different msids, and the tile binds one stream to its <video>.
      const first = this.stream === null;
      this.stream ??= new MediaStream();
      if (!this.stream.getTracks().includes(event.track)) this.stream.addTrack(event.track);
      if (first && !this.closed) init.events.onStream(this.stream);
    });
    this.pc.addEventListener('signalingstatechange', () => void this.applyPause());
  }

  async createOffer(options?: { iceRestart?: boolean }): Promise<RTCSessionDescriptionInit> {
    return this.negotiate(async () => {
      const offer = await this.pc.createOffer(options?.iceRestart ? { iceRestart: true } : {});
      await this.pc.setLocalDescription(offer);
      return this.localDescription();
    });
  }

  async acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void> {
    await this.negotiate(() => this.pc.setRemoteDescription(answer));
  }

  async acceptOffer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    return this.negotiate(async () => {
      await this.pc.setRemoteDescription(offer);
      for (const t of this.pc.getTransceivers()) {
        const kind = t.receiver.track.kind;
        // Talk-back may go to the storage session; video never leaves this console.
        t.direction = kind === 'audio' ? 'sendrecv' : 'recvonly';
      }
      await this.applyMic();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      return this.localDescription();
    });
  }

  async addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!candidate.candidate) return;
    await this.pc.addIceCandidate(candidate);
  }

  async setMicTrack(track: MediaStreamTrack | null): Promise<void> {
    if (track && track.kind !== 'audio') throw new Error('only an audio track can be sent');
    this.micTrack = track;
    await this.applyMic();
  }

  // Pausing video for an off-screen tile: the video transceiver's direction is set to 'inactive' in a
  // LOCAL offer that is applied (setLocalDescription) but never sent. libwebrtc applies a local description's
  // direction to the channel at once, so the video receive stream stops: RTP is dropped before the jitter
  // buffer and nothing is decoded, while audio, ICE and signaling carry on (test/e2e/pause.spec.ts: 0 frames
  // decoded in 4 s). Sending the offer instead would stop the camera's encoder too, but KVS masters
  // (kvs-local's cameras, the C SDK sample) take every SDP_OFFER as a new session, so that is not an option.
  // Disabling the remote track would only blank the picture — Chromium keeps decoding — and is kept as the
  // fallback where rollback is unavailable. Resuming: see resume(). The session does not judge the picture
  // while paused and gives it RESUME_GRACE_MS after resuming (watchdog.ts).
  async setVideoPaused(paused: boolean): Promise<void> {
    this.wantPaused = paused;
    await this.applyPause();
  }

  async getStats(): Promise<TileStats> {
    const report = await this.pc.getStats();
    const stats = new Map<string, Stat>();
    report.forEach((s: Stat) => stats.set(s.id, s));
    const all = [...stats.values()];
    const at = Date.now();
    const video = latestInbound(all.filter((s) => s.type === 'inbound-rtp' && s.kind === 'video'));
    const audio = all.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    const transport = all.find(
      (s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string',
    );
    const pair =
      (transport ? stats.get(transport.selectedCandidatePairId as string) : undefined) ??
      all.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
    const local = pair ? stats.get(pair.localCandidateId as string) : undefined;
    const codec = video ? stats.get(video.codecId as string) : undefined;
    const out = emptyStats(at);
    if (video) {
      out.fps = num(video.framesPerSecond);
      out.width = num(video.frameWidth);
      out.height = num(video.frameHeight);
      const jitter = num(video.jitter);
      out.jitterMs = jitter === null ? null : Math.round(jitter * 1000);
      const bytes = num(video.bytesReceived) ?? 0;
      const lost = Math.max(0, num(video.packetsLost) ?? 0);
      const received = num(video.packetsReceived) ?? 0;
      // Counters restart with a new RTP stream (a new inbound-rtp id: the camera's new SSRC after a
      // renegotiation) and can never go back within one: either way the previous sample says nothing about
      // this one, and a delta across it once showed −5257 kb/s. Such a sample only starts the next delta.
      const prev =
        this.previous?.id === video.id && bytes >= this.previous.bytes && received >= this.previous.received
          ? this.previous
          : null;
      if (prev && video.timestamp > prev.at) {
        // bytes·8 / ms = kbit/s
        out.bitrateKbps = plausibleKbps(((bytes - prev.bytes) * 8) / (video.timestamp - prev.at));
        const dl = lost - prev.lost;
        const dr = received - prev.received;
        out.packetsLostPct = dl + dr > 0 ? round1((100 * Math.max(0, dl)) / (dl + dr)) : 0;
      } else {
        out.packetsLostPct = lost + received > 0 ? round1((100 * lost) / (lost + received)) : null;
      }
      this.previous = { id: video.id, at: video.timestamp, bytes, lost, received };
    }
    const rtt = pair ? num(pair.currentRoundTripTime) : null;
    out.rttMs = rtt === null ? null : Math.round(rtt * 1000);
    out.candidateType = typeof local?.candidateType === 'string' ? local.candidateType : null;
    out.relayed = out.candidateType === null ? null : out.candidateType === 'relay';
    out.audioLevel = audio ? num(audio.audioLevel) : null;
    out.codec = typeof codec?.mimeType === 'string' ? codec.mimeType : null;
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }

  // --- internals --------------------------------------------------------------------------------------

  private async negotiate<T>(step: () => Promise<T>): Promise<T> {
    this.negotiating += 1;
    try {
      await this.unpauseForNegotiation();
      return await step();
    } finally {
      this.negotiating -= 1;
      void this.applyPause();
    }
  }

  private localDescription(): RTCSessionDescriptionInit {
    const d = this.pc.localDescription;
    if (!d) throw new Error('no local description after setLocalDescription');
    return { type: d.type, sdp: d.sdp };
  }

  private audioSender(): RTCRtpSender | null {
    const t = this.pc.getTransceivers().find((x) => x.receiver.track.kind === 'audio');
    return t && t.currentDirection !== 'stopped' ? t.sender : null;
  }

  private videoTransceiver(): RTCRtpTransceiver | null {
    return this.pc.getTransceivers().find((x) => x.receiver.track.kind === 'video') ?? null;
  }

  private async applyMic(): Promise<void> {
    // Before the storage offer there is no audio transceiver yet; acceptOffer applies the track then.
    const sender = this.audioSender();
    if (sender && sender.track !== this.micTrack) await sender.replaceTrack(this.micTrack);
  }

  /** A real negotiation is about to happen: take the local pause offer back first. */
  private async unpauseForNegotiation(): Promise<void> {
    if (this.pause !== 'localOffer') return;
    await this.resume();
  }

  private async applyPause(): Promise<void> {
    if (this.closed || this.negotiating > 0) return;
    const video = this.videoTransceiver();
    if (!video) return;
    if (!this.wantPaused) {
      if (this.pause === 'off') return;
      await this.exclusive(() => this.resume());
    } else {
      if (this.pause !== 'off' || this.pc.signalingState !== 'stable' || !this.pc.remoteDescription) return;
      await this.exclusive(async () => {
        try {
          video.direction = 'inactive';
          await this.pc.setLocalDescription(await this.pc.createOffer());
          this.pause = 'localOffer';
        } catch {
          video.direction = 'recvonly';
          video.receiver.track.enabled = false;
          this.pause = 'trackDisabled';
        }
      });
    }
    // The tile changed its mind while the descriptions were being applied (a quick scroll back).
    if ((this.pause === 'off') === this.wantPaused) await this.applyPause();
  }

  /** Runs a pause step with negotiations (and the signalingstatechange it causes) held off. */
  private async exclusive(step: () => Promise<void>): Promise<void> {
    this.negotiating += 1;
    try {
      await step();
    } finally {
      this.negotiating -= 1;
    }
  }

  // A rollback alone does not restart the video receive stream: Chromium 156 leaves the channel as the
  // inactive offer set it, no frame is decoded until the watchdog rebuilds the peer (measured: still none
  // after 10 s; the console showed "Frozen" meanwhile). So a second unsent local offer with video recvonly
  // is applied first — that starts the receive stream, whose first delta frames make it send one PLI, and
  // the camera's key frame arrives within ~0.5 s (pause.spec.ts prints it) — and then rolled back to the
  // negotiated state ('stable'), which leaves the running stream alone.
  private async resume(): Promise<void> {
    const video = this.videoTransceiver();
    const mode = this.pause;
    this.pause = 'off';
    if (!video) return;
    video.direction = 'recvonly';
    if (mode === 'localOffer' && this.pc.signalingState === 'have-local-offer') {
      try {
        await this.pc.setLocalDescription(await this.pc.createOffer());
      } finally {
        await this.pc.setLocalDescription({ type: 'rollback' });
      }
    }
    video.receiver.track.enabled = true;
  }
}

/** Above this a received video rate is a counter glitch, not a camera (KVS ingests up to ~10 Mbit/s). */
const MAX_PLAUSIBLE_KBPS = 1_000_000;

function plausibleKbps(kbps: number): number | null {
  return Number.isFinite(kbps) && kbps >= 0 && kbps <= MAX_PLAUSIBLE_KBPS ? Math.round(kbps) : null;
}

/**
 * The video stream that is flowing now: after a renegotiation Chromium may still report the old SSRC's
 * inbound-rtp next to the new one, and the one that received a packet last is the one on screen.
 */
function latestInbound(streams: Stat[]): Stat | undefined {
  let best: Stat | undefined;
  for (const s of streams) {
    if (!best || (num(s.lastPacketReceivedTimestamp) ?? 0) > (num(best.lastPacketReceivedTimestamp) ?? 0))
      best = s;
  }
  return best;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
