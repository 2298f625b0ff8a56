/**
 * The base of a tile's viewer session: state and the one transition function, snapshots, the public API,
 * retries and teardown. sessionSignaling.ts adds the connect step and the signaling socket's life;
 * session.ts adds what happens inside a negotiation (offer/answer, storage join, peer states, the
 * frozen-picture watchdog).
 *
 * The steps run one at a time on an {@link AsyncQueue}; closing or restarting aborts the step in flight.
 * Event handlers of a socket or a peer that has been replaced are ignored by generation number.
 */
import { AsyncQueue } from './asyncQueue';
import { describe, failureOf, isFatal, retryDelayMs, type Failure } from './backoff';
import { PeerSlot } from './peerSlot';
import type { PeerState, SignalingPort, ViewerDeps } from './ports';
import { SnapshotPublisher } from './snapshots';
import { NamedTimers } from './timers';
import type {
  PictureNote,
  TileStats,
  ViewerEvent,
  ViewerReason,
  ViewerSession,
  ViewerSnapshot,
  ViewerState,
  Waterfall,
} from './types';
import { FrozenWatchdog } from './watchdog';

/** No SDP_ANSWER this long after our offer: the camera is not answering. */
export const ANSWER_TIMEOUT_MS = 8_000;
/** No SDP_OFFER from the storage session this long after JoinStorageSessionAsViewer. */
export const STORAGE_OFFER_TIMEOUT_MS = 8_000;
/** The socket neither opened nor failed in this time. */
export const OPEN_TIMEOUT_MS = 10_000;
/** Remote description applied but ICE/DTLS not connected in this time. */
export const ICE_TIMEOUT_MS = 15_000;
/** 'disconnected' often heals by itself (a lost packet burst); only this long counts as failed media. */
export const DISCONNECTED_GRACE_MS = 3_000;

type TimerName = 'retry' | 'answer' | 'offer' | 'open' | 'ice' | 'disconnected' | 'watchdog' | 'signaling';
export type Prepared = {
  clientId: string;
  region: string;
  endpoints: { wss: string; https: string; webrtc: string | null };
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>;
  storage: { status: string };
};

export interface SigSlot {
  port: SignalingPort;
  gen: number;
  open: boolean;
  opened: Promise<void>;
  settle: (error?: unknown) => void;
}

export abstract class SessionBase implements ViewerSession {
  protected state: ViewerState = 'idle';
  protected reason: ViewerReason | null = null;
  protected mode: 'p2p' | 'storage' = 'p2p';
  protected framesDecoded = 0;
  protected lastPictureAt: number | null = null;
  protected frozenForMs: number | null = null;
  protected attempt = 0;
  protected nextRetryAt: number | null = null;
  protected waterfall: Waterfall = {};
  protected g2gMs: number | null = null;
  protected micTrack: MediaStreamTrack | null = null;
  protected currentStream: MediaStream | null = null;

  protected prepared: Prepared | null = null;
  protected attemptStart = 0;
  protected sig: SigSlot | null = null;
  protected peer: PeerSlot | null = null;
  protected mediaUpSince = 0;
  protected resumedAt = 0;
  protected paused = false;
  protected signalingAttempts = 0;
  protected started = false;
  protected closed = false;
  private closing: Promise<void> | null = null;
  private gen = 0;
  private readonly listeners = new Set<(event: ViewerEvent) => void>();
  protected readonly timers: NamedTimers<TimerName>;
  protected readonly queue: AsyncQueue;
  protected readonly watchdog: FrozenWatchdog;
  protected readonly publisher: SnapshotPublisher;

  constructor(
    readonly tileId: string,
    readonly channelArn: string,
    protected readonly deps: ViewerDeps,
  ) {
    this.timers = new NamedTimers(deps.clock);
    this.watchdog = new FrozenWatchdog(deps.random);
    this.queue = new AsyncQueue((name, error) => this.stepFailed(name, error));
    this.publisher = new SnapshotPublisher(
      deps.clock,
      () => this.buildSnapshot(),
      (snapshot) => this.emit({ type: 'snapshot', snapshot }),
    );
  }

  // --- public API ---------------------------------------------------------------------------------

  snapshot(): ViewerSnapshot {
    return this.publisher.snapshot;
  }

  stream(): MediaStream | null {
    return this.currentStream;
  }

  subscribe(listener: (event: ViewerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    if (this.started || this.closed) return Promise.resolve();
    this.started = true;
    return this.queue.push('connect', (signal) => this.connectStep(signal));
  }

  restart(reason?: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.started = true;
    this.deps.log.info('viewer: restart', { tileId: this.tileId, reason });
    // The step in flight (a connect waiting on a socket, say) gives way now rather than finishing first.
    this.queue.abortCurrent();
    return this.queue.push('restart', (signal) => {
      this.dropAll();
      this.timers.clear('retry', 'signaling');
      this.watchdog.reset();
      this.attempt = 0;
      this.reason = null;
      return this.connectStep(signal);
    });
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.timers.clearAll();
    this.closing = this.queue.stop('close', () => {
      this.dropAll();
      this.timers.clearAll();
      this.publisher.cancel();
      this.nextRetryAt = null;
      this.frozenForMs = null;
      this.setStream(null);
      this.transition('closed', null);
    });
    return this.closing;
  }

  async setMicTrack(track: MediaStreamTrack | null): Promise<void> {
    if (track && track.kind !== 'audio') throw new Error('setMicTrack only takes an audio track');
    this.micTrack = this.closed ? null : track;
    this.publisher.now();
    await this.peer?.port.setMicTrack(this.micTrack);
  }

  setVideoPaused(paused: boolean): void {
    if (this.paused === paused || this.closed) return;
    this.paused = paused;
    // Resuming restarts the clock the watchdog judges the picture by (RESUME_GRACE_MS until it advances).
    if (!paused) this.resumedAt = this.deps.clock.now();
    this.peer?.port.setVideoPaused(paused).catch((error: unknown) => {
      this.deps.log.warn('viewer: pausing video failed', { tileId: this.tileId, error: String(error) });
    });
  }

  getStats(): Promise<TileStats> {
    if (this.peer) return this.peer.port.getStats();
    return Promise.resolve(emptyStats(this.deps.clock.now()));
  }

  notePicture(info: PictureNote): void {
    if (this.closed) return;
    this.framesDecoded += Math.max(0, Math.floor(info.frames ?? 1));
    if (!info.advanced) {
      this.publisher.soon();
      return;
    }
    this.lastPictureAt = info.at;
    if (info.g2gMs !== null) this.g2gMs = info.g2gMs;
    if (this.waterfall.firstFrame === undefined && this.peer) {
      this.waterfall = { ...this.waterfall, firstFrame: Math.max(0, info.at - this.attemptStart) };
      this.publisher.now();
    }
    if (this.watchdog.frozen) {
      this.watchdog.reset();
      this.frozenForMs = null;
      if (this.peer?.connected) this.becameLive();
      else this.publisher.now();
      return;
    }
    this.publisher.soon();
  }

  // --- the one transition function ----------------------------------------------------------------

  protected transition(to: ViewerState, reason: ViewerReason | null): void {
    const from = this.state;
    if (from === 'closed') return;
    const reasonChanged = JSON.stringify(this.reason) !== JSON.stringify(reason);
    if (from === to && !reasonChanged) return;
    this.state = to;
    this.reason = reason;
    if (to !== 'recovering' || reason?.code !== 'Frozen') this.frozenForMs = null;
    if (from !== to) {
      this.deps.log.info(`viewer ${this.tileId}: ${from} -> ${to}`, { reason: reason?.code ?? null });
      this.emit({ type: 'transition', from, to, reason });
    }
    this.publisher.now();
  }

  // --- implemented by sessionSignaling.ts and session.ts ------------------------------------------

  protected abstract connectStep(signal: AbortSignal): Promise<void>;
  protected abstract renegotiateStep(signal: AbortSignal, waitedFor?: number): Promise<void>;
  protected abstract onPeerState(slot: PeerSlot, state: PeerState): void;
  protected abstract becameLive(): void;

  // --- plumbing ------------------------------------------------------------------------------------------

  protected beginAttempt(): void {
    this.attempt += 1;
    this.attemptStart = this.deps.clock.now();
    this.waterfall = {};
  }

  protected mark(step: keyof Waterfall): void {
    if (this.waterfall[step] !== undefined) return;
    this.waterfall = { ...this.waterfall, [step]: Math.max(0, this.deps.clock.now() - this.attemptStart) };
    this.publisher.now();
  }

  protected nextGen(): number {
    this.gen += 1;
    return this.gen;
  }

  protected retryLater(failure: Failure, next: 'connect' | 'renegotiate', keepPeer = false): void {
    if (this.closed) return;
    if (isFatal(failure.code)) {
      this.dropAll();
      this.timers.clear('retry', 'signaling');
      this.nextRetryAt = null;
      this.watchdog.reset();
      this.setStream(null);
      this.transition('failed', describe(failure, null));
      return;
    }
    const delay = retryDelayMs(failure.code, Math.max(1, this.attempt), this.deps.random);
    if (next === 'connect') this.dropAll();
    else if (!keepPeer) this.dropPeer();
    const waitedFor = keepPeer ? this.peer?.gen : undefined;
    this.nextRetryAt = this.deps.clock.now() + delay;
    this.deps.log.info('viewer: retrying', { tileId: this.tileId, code: failure.code, delay, next });
    this.timers.set('retry', delay, () => {
      this.nextRetryAt = null;
      void this.queue.push(next, (signal) =>
        next === 'connect' ? this.connectStep(signal) : this.renegotiateStep(signal, waitedFor),
      );
    });
    this.transition('recovering', describe(failure, delay));
    // nextRetryAt (and the attempt count) changed even when state and reason did not.
    this.publisher.now();
  }

  protected newPeer(): PeerSlot {
    const gen = this.nextGen();
    const mine = (): boolean => !this.closed && this.peer?.gen === gen;
    const port = this.deps.peer({
      mode: this.mode,
      iceServers: this.prepared?.iceServers ?? [],
      events: {
        onCandidate: (candidate) => {
          if (!mine() || !candidate) return;
          const sig = this.sig;
          slot.localCandidate(candidate, sig?.open ? (c) => sig.port.sendCandidate(c) : null);
        },
        onConnectionState: (state) => {
          if (mine()) this.onPeerState(slot, state);
        },
        onStream: (stream) => {
          if (mine()) this.setStream(stream);
        },
      },
    });
    const slot = new PeerSlot(port, gen, this.deps.log);
    this.peer = slot;
    if (this.micTrack) port.setMicTrack(this.micTrack).catch(() => {});
    if (this.paused) port.setVideoPaused(true).catch(() => {});
    return slot;
  }

  protected dropPeer(): void {
    this.timers.clear('answer', 'offer', 'ice', 'disconnected');
    const peer = this.peer;
    this.peer = null;
    peer?.port.close();
  }

  protected dropSignaling(): void {
    this.timers.clear('open', 'signaling');
    const sig = this.sig;
    this.sig = null;
    if (!sig) return;
    sig.settle(new Error('signaling replaced'));
    sig.port.close();
  }

  protected dropAll(): void {
    this.dropPeer();
    this.dropSignaling();
    this.timers.clear('watchdog');
  }

  protected setStream(stream: MediaStream | null): void {
    if (this.currentStream === stream) return;
    this.currentStream = stream;
    this.emit({ type: 'stream', stream });
  }

  protected emit(event: ViewerEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.deps.log.warn('viewer: listener threw', { tileId: this.tileId, error: String(error) });
      }
    }
  }

  private stepFailed(name: string, error: unknown): void {
    if (this.closed) return;
    this.deps.log.warn('viewer: step failed', { tileId: this.tileId, step: name, error: String(error) });
    this.retryLater(failureOf(error, this.mode), 'connect');
  }

  private buildSnapshot(): ViewerSnapshot {
    return {
      tileId: this.tileId,
      channelArn: this.channelArn,
      state: this.state,
      reason: this.reason,
      mode: this.mode,
      signalingOpen: this.sig?.open ?? false,
      framesDecoded: this.framesDecoded,
      lastPictureAt: this.lastPictureAt,
      frozenForMs: this.frozenForMs,
      attempt: this.attempt,
      nextRetryAt: this.nextRetryAt,
      waterfall: this.waterfall,
      g2gMs: this.g2gMs,
      talking: this.micTrack !== null,
    };
  }
}

/** What a live tile says while its signaling reconnects behind flowing media. */
export const SIGNALING_LOST_LIVE: ViewerReason = {
  code: 'SignalingLost',
  message: 'Signaling closed; the picture continues — reconnecting signaling…',
  retrying: true,
};

/** A promise's outcome, so an offer created while the socket connects cannot reject unobserved. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export function emptyStats(at: number): TileStats {
  return {
    at,
    fps: null,
    width: null,
    height: null,
    bitrateKbps: null,
    rttMs: null,
    jitterMs: null,
    packetsLostPct: null,
    candidateType: null,
    relayed: null,
    audioLevel: null,
    codec: null,
  };
}
