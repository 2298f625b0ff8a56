import { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { addCandidateQuietly, toCandidateInit } from './candidates';
import type {
  RTCIceCandidate,
  RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
  RTCRtpTransceiver,
} from 'werift';
import { storageAudioCodecs, storageVideoCodecs } from './sdp';
import type { CandidateInit, PeerState } from './sessionPeer';

/** Options of {@link AnsweringPeer}. */
export interface AnsweringPeerOptions {
  /** master: sends video and audio, receives audio; viewer: receives video, sends and receives audio. */
  role: 'master' | 'viewer';
  peerConfig?: RTCPeerConnectionConfig;
  /** Codecs this peer supports (default H.264 + Opus); tests narrow them to provoke a refusal. */
  codecs?: { video?: RTCRtpCodecParameters[]; audio?: RTCRtpCodecParameters[] };
}

/**
 * The participant's end of a storage-session connection on werift: it answers the session's offer
 * (the session is the controlling side, §6.3) and buffers candidates that arrive before the offer,
 * like the JS SDK's early-candidate buffering in ingestion mode (§4.7).
 */
export class AnsweringPeer {
  readonly pc: RTCPeerConnection;
  /** The negotiated video and audio transceivers (set by {@link answer}). */
  video: RTCRtpTransceiver | undefined;
  audio: RTCRtpTransceiver | undefined;
  private readonly earlyRemote: CandidateInit[] = [];
  private readonly earlyLocal: CandidateInit[] = [];
  private localListener: ((candidate: CandidateInit) => void) | undefined;
  private closed = false;

  constructor(private readonly options: AnsweringPeerOptions) {
    this.pc = new RTCPeerConnection({
      iceAdditionalHostAddresses: ['127.0.0.1'],
      ...options.peerConfig,
      codecs: {
        video: options.codecs?.video ?? storageVideoCodecs(),
        audio: options.codecs?.audio ?? storageAudioCodecs(),
      },
    });
    this.pc.onIceCandidate.subscribe((candidate) => this.emitLocal(candidate));
  }

  /** Connection state as werift reports it. */
  get connectionState(): PeerState {
    return this.pc.connectionState;
  }

  /** Registers where this peer's own candidates go (sent as ICE_CANDIDATE without recipient). */
  onLocalCandidate(listener: (candidate: CandidateInit) => void): void {
    this.localListener = listener;
    for (const candidate of this.earlyLocal.splice(0)) listener(candidate);
  }

  /** Answers the session's offer; `prepare` attaches tracks before the answer is created. */
  async answer(
    offerSdp: string,
    prepare?: (video: RTCRtpTransceiver | undefined, audio: RTCRtpTransceiver | undefined) => void,
  ): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const transceivers = this.pc.getTransceivers();
    this.video = transceivers.find((t) => t.kind === 'video');
    this.audio = transceivers.find((t) => t.kind === 'audio');
    const master = this.options.role === 'master';
    if (this.video) {
      if (master) {
        await this.video.sender.replaceTrack(new MediaStreamTrack({ kind: 'video' }));
        this.video.setDirection('sendonly');
      } else {
        this.video.setDirection('recvonly');
      }
    }
    if (this.audio) {
      await this.audio.sender.replaceTrack(new MediaStreamTrack({ kind: 'audio' }));
      this.audio.setDirection('sendrecv');
    }
    prepare?.(this.video, this.audio);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    for (const candidate of this.earlyRemote.splice(0)) await this.addCandidate(candidate);
    return this.pc.localDescription?.sdp ?? answer.sdp;
  }

  /** Adds a candidate of the session; candidates that arrive before the offer wait for it. */
  async addRemoteCandidate(candidate: CandidateInit): Promise<void> {
    if (this.closed || !candidate.candidate) return;
    if (!this.pc.remoteDescription) {
      this.earlyRemote.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  /** Resolves once connected; rejects on failure, close or after `timeoutMs`. */
  async connected(timeoutMs = 15_000): Promise<void> {
    const state = this.pc.connectionState;
    if (state === 'connected') return;
    if (this.closed || state === 'closed' || state === 'failed') throw new Error(`connection ${state}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unSubscribe();
        reject(new Error(`not connected within ${timeoutMs} ms (${this.pc.connectionState})`));
      }, timeoutMs);
      const sub = this.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected' || state === 'failed' || state === 'closed') {
          clearTimeout(timer);
          sub.unSubscribe();
          if (state === 'connected') resolve();
          else reject(new Error(`connection ${state}`));
        }
      });
    });
  }

  /** Closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close();
  }

  private async addCandidate(candidate: CandidateInit): Promise<void> {
    await addCandidateQuietly(this.pc, candidate);
  }

  private emitLocal(candidate: RTCIceCandidate | undefined): void {
    const init = toCandidateInit(candidate);
    if (this.closed || !init) return;
    if (this.localListener) this.localListener(init);
    else this.earlyLocal.push(init);
  }
}
