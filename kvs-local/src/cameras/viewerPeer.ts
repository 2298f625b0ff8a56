/**
 * One viewer's peer connection on a simulated camera (the KVS master side of a P2P session):
 * the camera's shared video and audio go out, the viewer's talk-back audio comes in and is metered.
 * Created by {@link CameraMedia.createViewerPeer}; the camera owns the sources, this owns the peer.
 */
import { LevelMeter, peakDbfs } from '../../../src-shared/media/audioLevel';
import { wrtc } from './wrtc';
import type {
  WrtcAudioSink,
  WrtcIceCandidateInit,
  WrtcIceServer,
  WrtcMediaStreamTrack,
  WrtcPeerConnection,
  WrtcPeerConnectionState,
  WrtcTrackEvent,
} from './wrtcTypes';

/** Why a viewer peer closed. */
export type ViewerCloseReason = 'failed' | 'disconnected' | 'replaced' | 'closed' | 'camera-closed';

/** What the camera hears from one viewer (its talk-back). */
export interface ViewerLevel {
  viewerId: string;
  /** RMS level over the meter window, dBFS (−100, the meter's floor, for silence or no audio). */
  levelDb: number;
  /** Peak over the meter window, dBFS. */
  peakDb: number;
  /** Epoch ms of the last 10 ms chunk louder than the "heard" threshold; null if never. */
  lastHeardAt: number | null;
  /** Epoch ms of the last chunk of any level; null if no audio has arrived. */
  lastDataAt: number | null;
  /** Audio sample frames (per channel) received from this viewer so far. */
  samples: number;
  connectionState: WrtcPeerConnectionState;
}

/** Callbacks from one viewer peer to whoever relays its signaling. */
export interface ViewerPeerEvents {
  /** A local ICE candidate to trickle to the viewer; `null` once gathering is complete. */
  onIceCandidate?: (candidate: WrtcIceCandidateInit | null) => void;
  /** Every connection state change, including the final 'closed'. */
  onConnectionStateChange?: (state: WrtcPeerConnectionState) => void;
  /** Called once when the peer is gone, whatever closed it. */
  onClose?: (reason: ViewerCloseReason) => void;
}

/** What a {@link ViewerPeer} needs from its camera. */
export interface ViewerPeerInit {
  viewerId: string;
  iceServers: WrtcIceServer[];
  videoTrack: WrtcMediaStreamTrack;
  audioTrack: WrtcMediaStreamTrack;
  events: ViewerPeerEvents;
  levelWindowMs: number;
  /** How long 'disconnected' may last before the peer is closed. */
  disconnectGraceMs: number;
  /** A chunk whose peak exceeds this counts as "heard". */
  heardThresholdDb: number;
  now: () => number;
  /** Bookkeeping hook for the camera; runs before `events.onClose`. */
  detach: (peer: ViewerPeer) => void;
}

/** One viewer's RTCPeerConnection plus its negotiation helpers and talk-back meter. */
export class ViewerPeer {
  readonly viewerId: string;
  readonly pc: WrtcPeerConnection;
  readonly #init: ViewerPeerInit;
  readonly #meter: LevelMeter;
  // Candidates that arrive before the offer cannot be applied yet (kvs-reference §4: signaling
  // delivers them in any order); they are applied in arrival order once the offer is set.
  readonly #pendingCandidates: WrtcIceCandidateInit[] = [];
  #sinks: WrtcAudioSink[] = [];
  #remoteSet = false;
  #closed = false;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #lastHeardAt: number | null = null;
  #lastDataAt: number | null = null;
  #samples = 0;

  constructor(init: ViewerPeerInit) {
    this.#init = init;
    this.viewerId = init.viewerId;
    this.#meter = new LevelMeter({ windowMs: init.levelWindowMs, now: init.now });
    this.pc = new wrtc.RTCPeerConnection({ iceServers: init.iceServers, bundlePolicy: 'max-bundle' });
    // Tracks go in before the offer is applied: JSEP then pairs these addTrack transceivers with the
    // viewer's m-lines by kind, and the answer carries an msid, so a browser viewer's
    // `event.streams[0]` (what the KVS viewer sample binds to <video>) is populated.
    const stream = new wrtc.MediaStream();
    this.pc.addTrack(init.videoTrack, stream);
    this.pc.addTrack(init.audioTrack, stream);
    this.pc.addEventListener('icecandidate', this.#onIceCandidate);
    this.pc.addEventListener('track', this.#onTrack);
    this.pc.addEventListener('connectionstatechange', this.#onConnectionStateChange);
  }

  /** True once closed (by anyone); a closed peer never reopens. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Applies the viewer's SDP offer and returns the camera's answer (already set as local description).
   * VP8 is preferred for video; remote candidates queued before the offer are applied right after it.
   * Rejects on a malformed offer or if the peer closes meanwhile; the caller then closes the peer.
   */
  async answer(offerSdp: string): Promise<string> {
    this.#assertOpen();
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    this.#assertOpen();
    this.#remoteSet = true;
    // In arrival order, before any candidate that comes in while the answer is being made.
    for (const candidate of this.#pendingCandidates.splice(0)) void this.#apply(candidate);
    this.#preferVp8();
    const answer = await this.pc.createAnswer();
    this.#assertOpen();
    await this.pc.setLocalDescription(answer);
    this.#assertOpen();
    return this.pc.localDescription?.sdp ?? answer.sdp ?? '';
  }

  /**
   * Adds a candidate trickled by the viewer. Queued until the offer is applied; an empty candidate
   * (end of candidates) and candidates the ICE agent rejects are dropped, as browsers do.
   */
  async addRemoteCandidate(candidate: WrtcIceCandidateInit): Promise<void> {
    if (this.#closed || !candidate.candidate) return;
    if (!this.#remoteSet) {
      this.#pendingCandidates.push(candidate);
      return;
    }
    await this.#apply(candidate);
  }

  /** What the camera currently hears from this viewer. */
  level(): ViewerLevel {
    const reading = this.#meter.read();
    return {
      viewerId: this.viewerId,
      levelDb: reading.levelDb,
      peakDb: reading.peakDb,
      lastHeardAt: this.#lastHeardAt,
      lastDataAt: this.#lastDataAt,
      samples: this.#samples,
      connectionState: this.#closed ? 'closed' : this.pc.connectionState,
    };
  }

  /** Closes the peer, stops its sinks and tracks. Idempotent. */
  close(reason: ViewerCloseReason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    this.pc.removeEventListener('icecandidate', this.#onIceCandidate);
    this.pc.removeEventListener('track', this.#onTrack);
    this.pc.removeEventListener('connectionstatechange', this.#onConnectionStateChange);
    for (const sink of this.#sinks) {
      sink.ondata = null;
      sink.stop();
    }
    this.#sinks = [];
    this.#pendingCandidates.length = 0;
    // Only this viewer's tracks stop; the camera's sources keep feeding the other viewers.
    this.#init.videoTrack.stop();
    this.#init.audioTrack.stop();
    this.pc.close();
    this.#init.detach(this);
    this.#init.events.onConnectionStateChange?.('closed');
    this.#init.events.onClose?.(reason);
  }

  async #apply(candidate: WrtcIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // A candidate for an m-line or family we did not negotiate is not worth failing the call for.
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error(`viewer ${this.viewerId}: peer connection closed during negotiation`);
  }

  #preferVp8(): void {
    const codecs = wrtc.RTCRtpSender.getCapabilities('video')?.codecs ?? [];
    const vp8First = [
      ...codecs.filter((c) => c.mimeType.toLowerCase() === 'video/vp8'),
      ...codecs.filter((c) => c.mimeType.toLowerCase() !== 'video/vp8'),
    ];
    for (const t of this.pc.getTransceivers()) {
      if (t.sender.track?.kind !== 'video' || vp8First.length === 0) continue;
      try {
        t.setCodecPreferences(vp8First);
      } catch {
        // Preferences are a wish: without them libwebrtc answers in the offer's order (VP8 first in
        // Chromium and in libwebrtc itself).
      }
    }
  }

  readonly #onIceCandidate = (event: { candidate: WrtcIceCandidateInit | null }): void => {
    if (this.#closed) return;
    const c = event.candidate;
    this.#init.events.onIceCandidate?.(
      c?.candidate
        ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }
        : null,
    );
  };

  readonly #onTrack = (event: WrtcTrackEvent): void => {
    if (this.#closed || event.track.kind !== 'audio') return;
    const sink = new wrtc.nonstandard.RTCAudioSink(event.track);
    sink.ondata = (data): void => {
      if (this.#closed) return;
      const now = this.#init.now();
      this.#meter.push(data.samples);
      this.#samples += data.numberOfFrames;
      this.#lastDataAt = now;
      if (peakDbfs(data.samples) > this.#init.heardThresholdDb) this.#lastHeardAt = now;
    };
    this.#sinks.push(sink);
  };

  readonly #onConnectionStateChange = (): void => {
    if (this.#closed) return;
    const state = this.pc.connectionState;
    this.#init.events.onConnectionStateChange?.(state);
    // A viewer that hangs up sends a DTLS close_notify: its transport goes 'closed' while the spec's
    // aggregate state stays 'connected' (closed transports count as connected) until ICE times out
    // ~18 s later. Real peers treat the alert as the end of the call; so does the camera.
    if (this.pc.getSenders().some((s) => s.transport?.state === 'closed')) this.close('closed');
    else if (state === 'failed') this.close('failed');
    else if (state === 'closed') this.close('closed');
    else if (state === 'disconnected') {
      // ICE often recovers from a short outage on its own; only a lasting one ends the session.
      this.#graceTimer ??= setTimeout(() => {
        this.#graceTimer = undefined;
        if (this.pc.connectionState === 'disconnected') this.close('disconnected');
      }, this.#init.disconnectGraceMs);
    } else {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    }
  };
}
