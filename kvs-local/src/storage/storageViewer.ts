import type { RTCPeerConnectionConfig, RTCRtpCodecParameters } from 'werift';
import { AnsweringPeer } from './answeringPeer';
import { OpusLevelMeter } from './audioMeter';
import { H264Depacketizer } from './h264Depacketizer';
import { OpusTone } from './opusTone';
import type { CandidateInit, PeerState } from './sessionPeer';

/** Counters of a {@link StorageViewer}. */
export interface StorageViewerStats {
  state: PeerState;
  videoPackets: number;
  /** Complete H.264 access units rebuilt from the received RTP. */
  videoFrames: number;
  keyframes: number;
  incompleteFrames: number;
  audioPacketsReceived: number;
  audioPacketsSent: number;
}

/** Options of {@link StorageViewer}. */
export interface StorageViewerOptions {
  peerConfig?: RTCPeerConnectionConfig;
  codecs?: { video?: RTCRtpCodecParameters[]; audio?: RTCRtpCodecParameters[] };
}

/**
 * A storage-session viewer on werift, for tests and benchmarks: it answers the session's offer,
 * rebuilds the H.264 it receives into frames (proving the forwarded stream is intact), meters the
 * master's audio, and can talk back with an in-process Opus tone.
 */
export class StorageViewer {
  private readonly peer: AnsweringPeer;
  private readonly depacketizer = new H264Depacketizer();
  private readonly meter = new OpusLevelMeter();
  private tone: OpusTone | undefined;
  private closed = false;
  private talkedPackets = 0;
  private counters = { videoPackets: 0, videoFrames: 0, keyframes: 0, incompleteFrames: 0 };

  constructor(options: StorageViewerOptions = {}) {
    this.peer = new AnsweringPeer({ role: 'viewer', ...options });
    // werift announces remote tracks while the offer is applied, so listen before answering.
    this.peer.pc.onTrack.subscribe((track) => {
      if (track.kind === 'audio') {
        track.onReceiveRtp.subscribe((packet) => this.meter.pushOpus(packet.payload));
        return;
      }
      track.onReceiveRtp.subscribe((packet) => {
        this.counters.videoPackets += 1;
        for (const unit of this.depacketizer.push(packet)) {
          if (!unit.complete) this.counters.incompleteFrames += 1;
          else this.counters.videoFrames += 1;
          if (unit.complete && unit.keyframe) this.counters.keyframes += 1;
        }
      });
    });
  }

  /** Connection state of the viewer's peer connection. */
  get connectionState(): PeerState {
    return this.peer.connectionState;
  }

  /** Registers where the viewer's candidates go. */
  onLocalCandidate(listener: (candidate: CandidateInit) => void): void {
    this.peer.onLocalCandidate(listener);
  }

  /** Adds one of the session's candidates (those before the offer are buffered). */
  async addRemoteCandidate(candidate: CandidateInit): Promise<void> {
    await this.peer.addRemoteCandidate(candidate);
  }

  /** Answers the session's offer: video recvonly, audio sendrecv. */
  async answer(offerSdp: string): Promise<string> {
    return this.peer.answer(offerSdp);
  }

  /** Resolves once connected (rejects on failure or timeout). */
  async connected(timeoutMs?: number): Promise<void> {
    await this.peer.connected(timeoutMs);
  }

  /** Starts talking: a sine tone at `frequencyHz`, amplitude 0..1 of full scale. */
  talk(frequencyHz: number, amplitude = 0.3): void {
    if (this.closed) return;
    this.stopTalking();
    this.tone = new OpusTone(frequencyHz, amplitude, (packet) => {
      const sender = this.peer.audio?.sender;
      if (sender && this.peer.connectionState === 'connected') sender.sendRtp(packet).catch(() => undefined);
    });
    this.tone.start();
  }

  /** Stops talking. */
  stopTalking(): void {
    this.talkedPackets += this.tone?.packets ?? 0;
    this.tone?.close();
    this.tone = undefined;
  }

  /** RMS level, dBFS, of the master's audio received over the last `windowMs`. */
  receivedLevel(windowMs = 500): number {
    return this.meter.levelDbfs(windowMs);
  }

  /** Counters for tests and benchmarks. */
  stats(): StorageViewerStats {
    return {
      state: this.peer.connectionState,
      ...this.counters,
      audioPacketsReceived: this.meter.packets,
      audioPacketsSent: this.talkedPackets + (this.tone?.packets ?? 0),
    };
  }

  /** Stops talking and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTalking();
    await this.peer.close();
    this.meter.close();
  }
}
