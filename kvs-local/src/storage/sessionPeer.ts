import { MediaStreamTrack, RTCPeerConnection } from 'werift';
import { addCandidateQuietly, toCandidateInit } from './candidates';
import type { RTCIceCandidate, RTCPeerConnectionConfig, RTCRtpTransceiver } from 'werift';
import { answerRefused, BAD_ANSWER_MESSAGE } from './errors';
import type { AnswerResult } from './errors';
import { checkAnswer, storageAudioCodecs, storageVideoCodecs, stripCandidates } from './sdp';

/** ICE candidate as it travels in an ICE_CANDIDATE payload (JSON RTCIceCandidateInit). */
export interface CandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** A message the storage session sends to one participant over signaling. */
export type StorageSignal =
  | { messageType: 'SDP_OFFER'; payload: { type: 'offer'; sdp: string } }
  | { messageType: 'ICE_CANDIDATE'; payload: CandidateInit };

/** Connection states werift reports. */
export type PeerState = RTCPeerConnection['connectionState'];

/** Options of {@link SessionPeer}. */
export interface SessionPeerOptions {
  role: 'master' | 'viewer';
  /** Delivers a signaling message to this participant. */
  send: (message: StorageSignal) => void;
  /** Pause before the first candidate, then the offer, go out (they never leave synchronously). */
  offerDelayMs: number;
  /** Keep candidate lines inside the offer SDP as well as trickling them. */
  inlineCandidates: boolean;
  peerConfig: RTCPeerConnectionConfig;
  onState: (state: PeerState) => void;
}

/**
 * The storage session's end of one participant's connection. It is the offering, controlling
 * side (§6.2 step 4): master = H.264 recvonly + Opus sendrecv, viewer = H.264 sendonly + Opus
 * sendrecv. Candidates go out before the offer, which the reference allows and clients must buffer.
 */
export class SessionPeer {
  readonly pc: RTCPeerConnection;
  readonly video: RTCRtpTransceiver;
  readonly audio: RTCRtpTransceiver;
  private offerSent = false;
  private readonly earlyLocal: CandidateInit[] = [];
  private readonly earlyRemote: CandidateInit[] = [];
  private closed = false;
  private delay: NodeJS.Timeout | undefined;

  constructor(private readonly options: SessionPeerOptions) {
    this.pc = new RTCPeerConnection({
      ...options.peerConfig,
      codecs: { video: storageVideoCodecs(), audio: storageAudioCodecs() },
    });
    const master = options.role === 'master';
    this.video = master
      ? this.pc.addTransceiver('video', { direction: 'recvonly' })
      : this.pc.addTransceiver(new MediaStreamTrack({ kind: 'video' }), { direction: 'sendonly' });
    this.audio = this.pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendrecv' });
    this.pc.connectionStateChange.subscribe((state) => {
      if (!this.closed) options.onState(state);
    });
    this.pc.onIceCandidate.subscribe((candidate) => this.onLocalCandidate(candidate));
  }

  /** Current connection state. */
  get state(): PeerState {
    return this.pc.connectionState;
  }

  /** Creates the offer, then (after the delay) sends the gathered candidates followed by the offer. */
  async start(): Promise<void> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    if (this.closed) return;
    const sdp = this.pc.localDescription?.sdp ?? offer.sdp;
    await new Promise<void>((resolve) => {
      this.delay = setTimeout(resolve, this.options.offerDelayMs);
    });
    if (this.closed) return;
    for (const candidate of this.earlyLocal.splice(0)) {
      this.options.send({ messageType: 'ICE_CANDIDATE', payload: candidate });
    }
    this.offerSent = true;
    const offerSdp = this.options.inlineCandidates ? sdp : stripCandidates(sdp);
    this.options.send({ messageType: 'SDP_OFFER', payload: { type: 'offer', sdp: offerSdp } });
  }

  /** Applies the participant's answer after checking its codecs (H.264 + Opus). */
  async acceptAnswer(sdp: string): Promise<AnswerResult> {
    if (this.closed || this.pc.signalingState !== 'have-local-offer') {
      return answerRefused('InvalidArgumentException', 'No storage-session offer is awaiting an answer.');
    }
    const problem = checkAnswer(sdp, this.options.role);
    if (problem === 'codecs') return answerRefused('InvalidArgumentException', BAD_ANSWER_MESSAGE);
    if (problem) {
      const need = this.options.role === 'master' ? 'send' : 'receive';
      return answerRefused('InvalidArgumentException', `InvalidArgument: answer must ${need} H.264 video`);
    }
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return answerRefused('InvalidArgumentException', `InvalidArgument: answer rejected (${reason})`);
    }
    for (const candidate of this.earlyRemote.splice(0)) await this.addCandidate(candidate);
    return { ok: true };
  }

  /** Adds a participant's candidate; held back until its answer has been applied. */
  async addRemoteCandidate(candidate: CandidateInit): Promise<void> {
    if (this.closed || !candidate.candidate) return;
    if (!this.pc.remoteDescription) {
      this.earlyRemote.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  /** Closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.delay);
    await this.pc.close();
  }

  private async addCandidate(candidate: CandidateInit): Promise<void> {
    await addCandidateQuietly(this.pc, candidate);
  }

  private onLocalCandidate(candidate: RTCIceCandidate | undefined): void {
    const init = toCandidateInit(candidate);
    if (this.closed || !init) return;
    if (this.offerSent) this.options.send({ messageType: 'ICE_CANDIDATE', payload: init });
    else this.earlyLocal.push(init);
  }
}
