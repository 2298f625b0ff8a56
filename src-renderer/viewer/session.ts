/**
 * One tile's viewer connection (design.md "Viewer session"): `idle -> preparing -> signaling ->
 * negotiating -> live`, with `recovering`, `failed` and `closed`. sessionBase.ts holds the state, the
 * transition function, retry and teardown, sessionSignaling.ts the connect step and the socket; this layer
 * holds what happens inside a negotiation:
 *
 * - P2P: the viewer offers (recvonly video, sendrecv audio); no answer in 8 s -> CameraOffline, retried
 *   with a short capped backoff while the unanswered peer keeps waiting for a late answer.
 * - Storage (kvs-reference §6.3): signaling opens, then JoinStorageSessionAsViewer; the media server offers
 *   (no senderClientId) and the session answers.
 * - Media: 'failed', or 'disconnected' for more than 3 s, rebuilds the peer (signaling is left alone).
 * - Frozen picture (watchdog.ts): live -> recovering 'Frozen' with the picture's age, ICE restart, then new
 *   peers, and back to live as soon as the frame probe reports an advanced picture.
 */
import { abortable, checkAborted } from './asyncQueue';
import { CAMERA_OFFLINE, FROZEN, MEDIA_FAILED, STORAGE_SILENT, describe, ipcFailure } from './backoff';
import type { PeerSlot } from './peerSlot';
import type { PeerState, SignalingStatus, ViewerDeps } from './ports';
import {
  ANSWER_TIMEOUT_MS,
  DISCONNECTED_GRACE_MS,
  ICE_TIMEOUT_MS,
  SIGNALING_LOST_LIVE,
  STORAGE_OFFER_TIMEOUT_MS,
  type Settled,
} from './sessionBase';
import { SignalingSession } from './sessionSignaling';
import type { ViewerSession } from './types';
import { FROZEN_AFTER_MS, RESUME_GRACE_MS, WATCHDOG_TICK_MS } from './watchdog';

export class ViewerSessionImpl extends SignalingSession {
  // --- P2P: offer / answer ------------------------------------------------------------------------------

  protected sendOffer(offer: Settled<RTCSessionDescriptionInit>, signal: AbortSignal): void {
    checkAborted(signal);
    if (!offer.ok) throw offer.error;
    const peer = this.peer;
    const sig = this.sig;
    if (!peer || !sig?.open) return;
    sig.port.resetCandidates();
    sig.port.sendOffer(offer.value, `offer-${peer.gen}`);
    peer.descSent = true;
    peer.awaitingAnswer = true;
    peer.flushLocal((c) => sig.port.sendCandidate(c));
    this.timers.set('answer', ANSWER_TIMEOUT_MS, () => this.answerTimedOut(peer));
  }

  private answerTimedOut(peer: PeerSlot): void {
    if (this.closed || this.peer !== peer || !peer.awaitingAnswer) return;
    if (peer.iceRestart) {
      // The old path still carries whatever it carries; the watchdog's next step is a new peer.
      peer.iceRestart = false;
      peer.awaitingAnswer = false;
      this.watchdog.escalateNow(this.deps.clock.now());
      return;
    }
    this.retryLater(CAMERA_OFFLINE, 'renegotiate', true);
  }

  protected onAnswer(gen: number, answer: RTCSessionDescriptionInit): void {
    if (!this.isCurrentSig(gen) || this.mode !== 'p2p') return;
    void this.queue.push('answer', async (signal) => {
      const peer = this.peer;
      if (!peer?.awaitingAnswer) {
        this.deps.log.debug('viewer: answer without an offer waiting, ignored', { tileId: this.tileId });
        return;
      }
      this.timers.clear('answer');
      peer.awaitingAnswer = false;
      const restart = peer.iceRestart;
      peer.iceRestart = false;
      if (!restart) this.mark('offerAnswer');
      try {
        await abortable(peer.port.acceptAnswer(answer), signal);
      } catch (error) {
        checkAborted(signal);
        if (!restart) throw error;
        // A master that treats every offer as a new session answers with new DTLS parameters.
        this.deps.log.info('viewer: ICE restart answer refused, rebuilding', { error: String(error) });
        this.watchdog.escalateNow(this.deps.clock.now());
        return;
      }
      if (this.peer !== peer) return;
      this.remoteApplied(peer);
    });
  }

  // --- storage session: join, then answer the media server's offer -------------------------------------

  protected async joinStorage(signal: AbortSignal): Promise<void> {
    const peer = this.peer ?? this.newPeer();
    this.sig?.port.resetCandidates();
    const reply = await abortable(
      this.deps.api.invoke('storage:joinAsViewer', { channelArn: this.channelArn, tileId: this.tileId }),
      signal,
    );
    if (!reply.ok) {
      const failure = ipcFailure(reply.error.code, reply.error.message, 'storage');
      // Storage was disabled meanwhile: prepare again, which switches the tile to P2P.
      this.retryLater(failure, reply.error.code === 'StorageNotEnabled' ? 'connect' : 'renegotiate');
      return;
    }
    if (this.peer === peer && !peer.remoteSet)
      this.timers.set('offer', STORAGE_OFFER_TIMEOUT_MS, () => {
        if (this.peer === peer && !peer.remoteSet && !this.closed)
          this.retryLater(STORAGE_SILENT, 'renegotiate', true);
      });
  }

  protected onOffer(gen: number, offer: RTCSessionDescriptionInit, sender: string | undefined): void {
    if (!this.isCurrentSig(gen)) return;
    if (this.mode !== 'storage') {
      this.deps.log.debug('viewer: SDP_OFFER in P2P mode ignored', { tileId: this.tileId, sender });
      return;
    }
    void this.queue.push('offer', async (signal) => {
      const peer = this.peer;
      if (!peer || !this.sig?.open) return;
      this.timers.clear('offer');
      this.mark('offerAnswer');
      const answer = await abortable(peer.port.acceptOffer(offer), signal);
      const sig = this.sig;
      if (this.peer !== peer || !sig?.open) return;
      this.remoteApplied(peer);
      // No recipient: a viewer's messages go to the storage session (§6.3).
      sig.port.sendAnswer(answer, `answer-${peer.gen}`);
      peer.descSent = true;
      peer.flushLocal((c) => sig.port.sendCandidate(c));
    });
  }

  private remoteApplied(peer: PeerSlot): void {
    peer.remoteApplied();
    this.sig?.port.remoteDescriptionApplied();
    // A late answer (or offer) to the peer kept waiting: the scheduled retry is not needed any more.
    if (this.timers.has('retry') && this.reason?.code === 'CameraOffline') {
      this.timers.clear('retry');
      this.nextRetryAt = null;
    }
    if (!peer.connected)
      this.timers.set('ice', ICE_TIMEOUT_MS, () => {
        if (this.peer === peer && !peer.connected && !this.closed)
          this.retryLater(MEDIA_FAILED, 'renegotiate');
      });
    this.publisher.now();
  }

  protected onStatus(gen: number, status: SignalingStatus): void {
    if (!this.isCurrentSig(gen)) return;
    this.deps.log.warn('viewer: signaling status response', { tileId: this.tileId, ...status });
    const peer = this.peer;
    const forGen = Number(status.correlationId?.split('-')[1]);
    if (!peer || forGen !== peer.gen || !status.errorType) return;
    const what = this.mode === 'p2p' ? 'offer' : 'answer';
    this.retryLater(
      {
        code: 'Internal',
        message: `The signaling service refused this tile's ${what}: ${status.description ?? status.errorType}`,
      },
      'renegotiate',
    );
  }

  // --- media ---------------------------------------------------------------------------------------------

  protected onPeerState(slot: PeerSlot, state: PeerState): void {
    switch (state) {
      case 'connected': {
        slot.connected = true;
        this.timers.clear('ice', 'disconnected');
        this.mark('ice');
        const now = this.deps.clock.now();
        this.mediaUpSince = now;
        if (!this.timers.has('watchdog')) this.timers.set('watchdog', WATCHDOG_TICK_MS, () => this.tick());
        if (this.watchdog.frozen) {
          // Still the same picture: stay frozen until the probe sees it advance.
          this.watchdog.reconnected(now);
          this.showFrozen(now);
        } else {
          this.becameLive();
        }
        return;
      }
      case 'disconnected':
        slot.connected = false;
        this.timers.set('disconnected', DISCONNECTED_GRACE_MS, () => {
          if (this.peer === slot && !slot.connected && !this.closed)
            this.retryLater(MEDIA_FAILED, 'renegotiate');
        });
        return;
      case 'failed':
        slot.connected = false;
        this.timers.clear('disconnected');
        this.retryLater(MEDIA_FAILED, 'renegotiate');
        return;
      default:
        return;
    }
  }

  protected becameLive(): void {
    this.timers.clear('retry');
    this.nextRetryAt = null;
    this.attempt = 0;
    this.transition('live', this.sig?.open ? null : SIGNALING_LOST_LIVE);
  }

  // --- frozen-picture watchdog (one tick a second while media is up) ----------------------------------

  private tick(): void {
    if (this.closed) return;
    this.timers.set('watchdog', WATCHDOG_TICK_MS, () => this.tick());
    const now = this.deps.clock.now();
    const peer = this.peer;
    let action = 'none';
    // Paused video (tile off-screen) presents no frames by design: not a freeze.
    if (peer?.connected && !this.paused && (this.state === 'live' || this.watchdog.frozen)) {
      const canIceRestart = this.mode === 'p2p' && this.sig?.open === true;
      action = this.watchdog.check(now, this.pictureBaseline(), canIceRestart);
    }
    if (this.watchdog.frozen && (this.state === 'live' || this.reason?.code === 'Frozen'))
      this.showFrozen(now);
    if (action === 'iceRestart') void this.queue.push('iceRestart', (signal) => this.iceRestartStep(signal));
    else if (action === 'newPeer')
      void this.queue.push('renegotiate', (signal) => this.renegotiateStep(signal));
  }

  /**
   * Since when the picture is expected to advance: the last advanced picture, the moment media came up, or
   * the resume. A resumed receiver first needs a key frame (browserPeer.ts resume(): ~0.5 s measured in
   * Chromium 156; 4–6 s was reported with the former rollback-only resume), so until the first
   * advanced picture after `setVideoPaused(false)` the watchdog waits RESUME_GRACE_MS, not FROZEN_AFTER_MS;
   * after that picture, or once the grace is over, the usual rules and staged recovery apply.
   */
  private pictureBaseline(): number {
    const sinceResume = this.resumedAt > (this.lastPictureAt ?? 0);
    const resumeBaseline = sinceResume ? this.resumedAt + RESUME_GRACE_MS - FROZEN_AFTER_MS : this.resumedAt;
    return Math.max(this.lastPictureAt ?? 0, this.mediaUpSince, resumeBaseline);
  }

  private showFrozen(now: number): void {
    // Time spent paused is not picture age: a tile scrolled back after a minute that gets no picture says
    // "Frozen 10 s" (since the resume), not "Frozen 70 s".
    this.frozenForMs = Math.max(0, now - Math.max(this.lastPictureAt ?? this.mediaUpSince, this.resumedAt));
    this.transition('recovering', describe(FROZEN, 0));
    // frozenForMs changes every tick even when the state does not.
    this.publisher.now();
  }

  private async iceRestartStep(signal: AbortSignal): Promise<void> {
    const peer = this.peer;
    if (!peer?.connected || !this.sig?.open || this.mode !== 'p2p' || !this.watchdog.frozen) return;
    this.deps.log.info('viewer: frozen picture, ICE restart', { tileId: this.tileId });
    peer.renegotiating();
    peer.iceRestart = true;
    let offer: RTCSessionDescriptionInit;
    try {
      offer = await abortable(peer.port.createOffer({ iceRestart: true }), signal);
    } catch {
      checkAborted(signal);
      peer.iceRestart = false;
      this.watchdog.escalateNow(this.deps.clock.now());
      return;
    }
    this.sendOffer({ ok: true, value: offer }, signal);
  }
}

/** A session over injected dependencies (the browser wiring is in index.ts). */
export function createSession(tile: { tileId: string; channelArn: string }, deps: ViewerDeps): ViewerSession {
  return new ViewerSessionImpl(tile.tileId, tile.channelArn, deps);
}
