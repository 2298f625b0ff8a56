/**
 * The signaling layer of a viewer session (between sessionBase.ts and session.ts): the connect step
 * (prepare, sign, open), renegotiation over an open socket, and the socket's life — a close while media
 * flows only reconnects signaling in the background (design.md: signaling closing does not stop media),
 * a socket that never opens is reported to main (`kvs:connectFailed`) and retried.
 */
import { abortable, checkAborted } from './asyncQueue';
import {
  SIGNALING_LOST,
  describe,
  failureOf,
  ipcFailure,
  isFatal,
  retryDelayMs,
  type Failure,
} from './backoff';
import { createIpcSigner, isViewerIpcError } from './ipcSigner';
import type { SignalingStatus } from './ports';
import {
  OPEN_TIMEOUT_MS,
  SIGNALING_LOST_LIVE,
  SessionBase,
  settled,
  type Prepared,
  type SigSlot,
  toError,
  type Settled,
} from './sessionBase';

export abstract class SignalingSession extends SessionBase {
  // --- steps (run on the queue) ----------------------------------------------------------------------

  /** A full attempt: prepare, sign and open signaling, then negotiate. */
  protected async connectStep(signal: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.timers.clear('retry');
    this.nextRetryAt = null;
    this.dropAll();
    this.beginAttempt();
    const keep = this.attempt > 1 ? this.reason : null;
    this.transition('preparing', keep);
    const reply = await abortable(
      this.deps.api.invoke('kvs:prepareViewer', { channelArn: this.channelArn, tileId: this.tileId }),
      signal,
    );
    if (!reply.ok) {
      this.retryLater(ipcFailure(reply.error.code, reply.error.message, this.mode), 'connect');
      return;
    }
    this.mark('prepare');
    const prepared = reply.value;
    this.prepared = prepared;
    this.mode = prepared.storage.status === 'ENABLED' && prepared.endpoints.webrtc ? 'storage' : 'p2p';
    this.transition('signaling', keep);
    const sig = this.openSignaling(prepared, true);
    // P2P: gather while the socket connects; the offer and candidates wait for it (PeerSlot).
    const offer = this.mode === 'p2p' ? settled(this.newPeer().port.createOffer()) : null;
    try {
      await abortable(sig.opened, signal);
    } catch (error) {
      checkAborted(signal);
      this.connectFailed(error, 'connect');
      return;
    }
    this.transition('negotiating', keep);
    if (offer) this.sendOffer(await abortable(offer, signal), signal);
    else await this.joinStorage(signal);
  }

  /**
   * A new peer over the open socket (retry after CameraOffline, failed media, frozen picture). With
   * `waitedFor`, the retry is skipped if that peer got its remote description meanwhile (a late answer).
   */
  protected async renegotiateStep(signal: AbortSignal, waitedFor?: number): Promise<void> {
    if (this.closed) return;
    if (waitedFor !== undefined && this.peer?.gen === waitedFor && this.peer.remoteSet) return;
    if (!this.sig?.open || !this.prepared) return this.connectStep(signal);
    this.timers.clear('retry');
    this.nextRetryAt = null;
    this.dropPeer();
    this.beginAttempt();
    if (this.state !== 'recovering') this.transition('negotiating', this.reason);
    else this.publisher.now();
    if (this.mode === 'p2p') {
      const offer = settled(this.newPeer().port.createOffer());
      this.sendOffer(await abortable(offer, signal), signal);
    } else {
      await this.joinStorage(signal);
    }
  }

  /** Signaling reconnect while media flows: the state stays as it is, only `signalingOpen` changes. */
  protected async reconnectSignalingStep(signal: AbortSignal): Promise<void> {
    if (this.closed || this.sig || !this.prepared) return;
    this.signalingAttempts += 1;
    if (this.signalingAttempts > 1) {
      // The last try failed: endpoints may have moved (main dropped them on connectFailed).
      const reply = await abortable(
        this.deps.api.invoke('kvs:prepareViewer', { channelArn: this.channelArn, tileId: this.tileId }),
        signal,
      );
      if (!reply.ok) {
        this.signalingRetry(ipcFailure(reply.error.code, reply.error.message, this.mode));
        return;
      }
      this.prepared = reply.value;
    }
    const sig = this.openSignaling(this.prepared, false);
    try {
      await abortable(sig.opened, signal);
    } catch (error) {
      checkAborted(signal);
      this.connectFailed(error, 'background');
    }
  }

  // --- the negotiation half (session.ts) -------------------------------------------------------------

  protected abstract sendOffer(offer: Settled<RTCSessionDescriptionInit>, signal: AbortSignal): void;
  protected abstract joinStorage(signal: AbortSignal): Promise<void>;
  protected abstract onAnswer(gen: number, answer: RTCSessionDescriptionInit): void;
  protected abstract onOffer(gen: number, offer: RTCSessionDescriptionInit, sender: string | undefined): void;
  protected abstract onStatus(gen: number, status: SignalingStatus): void;

  protected isCurrentSig(gen: number): boolean {
    return !this.closed && this.sig?.gen === gen;
  }

  protected openSignaling(prepared: Prepared, foreground: boolean): SigSlot {
    const gen = this.nextGen();
    let settle: (error?: unknown) => void = () => {};
    const opened = new Promise<void>((resolve, reject) => {
      settle = (error?: unknown) => (error === undefined ? resolve() : reject(toError(error)));
    });
    opened.catch(() => {});
    const signer = createIpcSigner(this.deps.api, {
      channelArn: this.channelArn,
      tileId: this.tileId,
      onSigned: () => {
        if (foreground && this.isCurrentSig(gen)) this.mark('sign');
      },
    });
    const port = this.deps.signaling({
      channelArn: this.channelArn,
      clientId: prepared.clientId,
      region: prepared.region,
      endpoint: prepared.endpoints.wss,
      signer,
      events: {
        onOpen: () => this.onSignalingOpen(gen, foreground),
        onClose: (info) => this.onSignalingClose(gen, info),
        onAnswer: (answer) => this.onAnswer(gen, answer),
        onOffer: (offer, sender) => this.onOffer(gen, offer, sender),
        onCandidate: (candidate) => {
          if (this.isCurrentSig(gen)) this.peer?.remoteCandidate(candidate);
        },
        onStatus: (status) => this.onStatus(gen, status),
      },
    });
    const slot: SigSlot = { port, gen, open: false, opened, settle };
    this.sig = slot;
    this.timers.set('open', OPEN_TIMEOUT_MS, () => {
      if (this.isCurrentSig(gen) && !slot.open) {
        this.dropSignaling();
        slot.settle(new Error('the signaling socket did not open in time'));
      }
    });
    port.open();
    return slot;
  }

  private onSignalingOpen(gen: number, foreground: boolean): void {
    const sig = this.sig;
    if (!sig || !this.isCurrentSig(gen)) return;
    sig.open = true;
    this.timers.clear('open');
    this.signalingAttempts = 0;
    if (foreground) this.mark('socketOpen');
    this.peer?.flushLocal((c) => sig.port.sendCandidate(c));
    if (this.state === 'live' && this.reason !== null) this.transition('live', null);
    else this.publisher.now();
    sig.settle();
  }

  private onSignalingClose(gen: number, info: { wasOpen: boolean; error: unknown }): void {
    const sig = this.sig;
    if (!sig || !this.isCurrentSig(gen)) return;
    this.timers.clear('open');
    this.sig = null;
    if (!sig.open) {
      sig.settle(info.error ?? new Error('the signaling socket closed before it opened'));
      return;
    }
    this.deps.log.info('viewer: signaling closed', { tileId: this.tileId, state: this.state });
    if (this.peer?.connected) {
      // Idle timeout, the 1 h cap, GO_AWAY (which the SDK only shows as this close) or the network: media
      // is peer-to-peer (or to the media server) and keeps flowing. Reconnect signaling behind it.
      this.signalingRetry(SIGNALING_LOST);
    } else if (!this.timers.has('retry')) {
      this.retryLater(SIGNALING_LOST, 'connect');
    } else {
      this.publisher.now();
    }
  }

  /** The socket never opened (or signing was refused): tell main, then retry or give up. */
  private connectFailed(error: unknown, kind: 'connect' | 'background'): void {
    this.dropSignaling();
    const failure: Failure = isViewerIpcError(error)
      ? failureOf(error, this.mode)
      : { code: 'SignalingLost', message: 'Could not connect to the signaling channel' };
    if (!isViewerIpcError(error)) {
      // Main drops its cached endpoints so the next prepare/sign resolves them afresh (a moved or deleted
      // channel then answers ChannelNotFound there, which the browser cannot tell from a refused socket).
      this.deps.api
        .invoke('kvs:connectFailed', { channelArn: this.channelArn, tileId: this.tileId })
        .catch(() => {});
    }
    this.deps.log.warn('viewer: connect failed', { tileId: this.tileId, code: failure.code });
    if (kind === 'background') this.signalingRetry(failure);
    else this.retryLater(failure, 'connect');
  }

  /** Background signaling retry while media is up. */
  private signalingRetry(failure: Failure): void {
    if (this.closed) return;
    if (isFatal(failure.code)) {
      // Media may still flow; the next media failure re-prepares and then fails the tile for good.
      this.transition(this.state, describe(failure, null));
      return;
    }
    const delay = retryDelayMs('SignalingLost', this.signalingAttempts + 1, this.deps.random, 0);
    this.timers.set('signaling', delay, () => {
      void this.queue.push('signaling', (signal) => this.reconnectSignalingStep(signal));
    });
    if (this.state === 'live') this.transition('live', SIGNALING_LOST_LIVE);
    else this.publisher.now();
  }

  /**
   * After a failure: give up (failed, retrying false) or wait and try again. `keepPeer` leaves the peer
   * waiting (a late answer to our last offer still connects it while we wait).
   */
}
