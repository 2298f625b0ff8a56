/**
 * One peer connection of a session plus its early-candidate buffers (kvs-reference §4.4: signaling
 * delivers candidates in any order): remote candidates that arrive before the remote description are held
 * and applied right after it; local candidates are held until our SDP has gone out over an open socket
 * (a camera creates its peer on our offer and drops candidates for a peer it does not have yet).
 */
import type { Logger, PeerPort } from './ports';

export class PeerSlot {
  /** The remote description of the current negotiation is applied. */
  remoteSet = false;
  /** Our SDP (offer or answer) of the current negotiation went out. */
  descSent = false;
  /** An offer went out and its answer has not been applied. */
  awaitingAnswer = false;
  /** The offer in flight is an ICE restart of a connected peer (a missing answer is not CameraOffline). */
  iceRestart = false;
  /** connectionState is 'connected'. */
  connected = false;
  private readonly pendingRemote: RTCIceCandidateInit[] = [];
  private readonly pendingLocal: RTCIceCandidateInit[] = [];

  constructor(
    readonly port: PeerPort,
    readonly gen: number,
    private readonly log: Logger,
  ) {}

  /** Candidates held in each direction (for logs and tests). */
  get held(): { remote: number; local: number } {
    return { remote: this.pendingRemote.length, local: this.pendingLocal.length };
  }

  /** A remote candidate from signaling: applied now, or held until the remote description is set. */
  remoteCandidate(candidate: RTCIceCandidateInit): void {
    if (!this.remoteSet) {
      this.pendingRemote.push(candidate);
      return;
    }
    this.apply(candidate);
  }

  /** Marks the remote description applied and applies the held candidates in arrival order. */
  remoteApplied(): void {
    this.remoteSet = true;
    for (const candidate of this.pendingRemote.splice(0)) this.apply(candidate);
  }

  /** A local candidate: sent now if our SDP is out and `send` exists (socket open), else held. */
  localCandidate(candidate: RTCIceCandidateInit, send: ((c: RTCIceCandidateInit) => void) | null): void {
    if (this.descSent && send) send(candidate);
    else this.pendingLocal.push(candidate);
  }

  /** Our SDP went out (or the socket reopened after it did): send what was held. */
  flushLocal(send: (c: RTCIceCandidateInit) => void): void {
    if (!this.descSent) return;
    for (const candidate of this.pendingLocal.splice(0)) send(candidate);
  }

  /** A new negotiation on the same peer (ICE restart, a re-offer): candidates of the old one are stale. */
  renegotiating(): void {
    this.remoteSet = false;
    this.descSent = false;
    this.pendingRemote.length = 0;
  }

  private apply(candidate: RTCIceCandidateInit): void {
    this.port.addRemoteCandidate(candidate).catch((error: unknown) => {
      // A candidate for an m-line or address family we did not negotiate is not worth failing over.
      this.log.debug('viewer: remote candidate rejected', { error: String(error) });
    });
  }
}
