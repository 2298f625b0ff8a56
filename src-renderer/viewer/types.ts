/**
 * The public face of one tile's viewer connection (design.md "Viewer session"). The Svelte layer only
 * observes a {@link ViewerSession}: it reads {@link ViewerSnapshot}s and calls the methods below; it never
 * touches signaling or the peer connection itself. Connections live outside components, so re-laying the
 * grid never drops a stream.
 */
import type { ErrorCode } from '../../src-shared/ipc/errors';

/** The closed set of states (design.md); one transition function moves between them. */
export type ViewerState =
  'idle' | 'preparing' | 'signaling' | 'negotiating' | 'live' | 'recovering' | 'failed' | 'closed';

/** Why a session is recovering or failed, in words an operator can act on. */
export interface ViewerReason {
  /** An IPC error code, or one of the session's own conditions. */
  code:
    | ErrorCode
    /** The camera does not answer (no master, or its media stopped). Retried until it returns. */
    | 'CameraOffline'
    /** No new picture for a while although the connection is up. */
    | 'Frozen'
    /** The peer connection failed (ICE or DTLS). */
    | 'MediaFailed'
    /** The signaling socket closed (idle, 1 h cap, GO_AWAY, network). Media may still be flowing. */
    | 'SignalingLost';
  message: string;
  /** False: the session gave up and will not retry by itself (AccessDenied, ChannelNotFound, bad ClientId). */
  retrying: boolean;
}

/** Milliseconds from the start of the current connection attempt to each step (the tile's waterfall). */
export interface Waterfall {
  prepare?: number;
  sign?: number;
  socketOpen?: number;
  offerAnswer?: number;
  ice?: number;
  firstFrame?: number;
}

/** What the tile shows; a new object on every change (safe to keep in `$state.raw`). */
export interface ViewerSnapshot {
  readonly tileId: string;
  readonly channelArn: string;
  readonly state: ViewerState;
  readonly reason: ViewerReason | null;
  /** 'storage' when the tile joined through JoinStorageSessionAsViewer (the media server offers). */
  readonly mode: 'p2p' | 'storage';
  /** Whether the signaling socket is open right now (it reconnects in the background while media flows). */
  readonly signalingOpen: boolean;
  /** Decoded frames since the tile opened (keeps counting across reconnects). */
  readonly framesDecoded: number;
  /** When the picture last changed (epoch ms), or null before the first frame. */
  readonly lastPictureAt: number | null;
  /** Age of the picture in ms while frozen (state 'recovering' with reason 'Frozen'), else null. */
  readonly frozenForMs: number | null;
  /** Connection attempts since the last time the tile was live. */
  readonly attempt: number;
  /** When the next retry happens (epoch ms), while waiting for one. */
  readonly nextRetryAt: number | null;
  readonly waterfall: Waterfall;
  /** Glass-to-glass latency of the last stamped frame (simulated cameras embed capture time), ms. */
  readonly g2gMs: number | null;
  /** True while this tile's microphone sender carries the mic track. */
  readonly talking: boolean;
}

/** Live numbers for the stats overlay (sampled once a second while someone looks). */
export interface TileStats {
  at: number;
  fps: number | null;
  width: number | null;
  height: number | null;
  bitrateKbps: number | null;
  rttMs: number | null;
  jitterMs: number | null;
  packetsLostPct: number | null;
  /** 'host' | 'srflx' | 'prflx' | 'relay' of the selected local candidate. */
  candidateType: string | null;
  relayed: boolean | null;
  /** Level (0..1) of the incoming audio. */
  audioLevel: number | null;
  codec: string | null;
}

export type ViewerEvent =
  | { type: 'transition'; from: ViewerState; to: ViewerState; reason: ViewerReason | null }
  | { type: 'snapshot'; snapshot: ViewerSnapshot }
  | { type: 'stream'; stream: MediaStream | null };

/** What the frame probe reports to {@link ViewerSession.notePicture}. */
export interface PictureNote {
  /** When the sampled frame was presented (epoch ms). */
  at: number;
  /** The picture changed since the previous note (stamp seq, or fingerprint for unstamped cameras). */
  advanced: boolean;
  /** Glass-to-glass latency of this frame when it carries a capture stamp, else null. */
  g2gMs: number | null;
  /**
   * Frames presented since the previous note (rVFC `presentedFrames` delta): the probe samples pixels a
   * few times a second but still counts every frame. Defaults to 1.
   */
  frames?: number;
}

export interface ViewerSession {
  readonly tileId: string;
  readonly channelArn: string;
  /** The current snapshot (a new object after every change). */
  snapshot(): ViewerSnapshot;
  /** The remote stream for the tile's <video>, once there is one. */
  stream(): MediaStream | null;
  /** Calls `listener` on every event; returns the unsubscribe function. */
  subscribe(listener: (event: ViewerEvent) => void): () => void;
  /** Opens the connection (idempotent while open). */
  start(): Promise<void>;
  /** Closes everything; idempotent; the session cannot be started again. */
  close(): Promise<void>;
  /** Drops the connection and connects again now (the operator's "retry" and the storage mode switch). */
  restart(reason?: string): Promise<void>;
  /** Puts `track` on the tile's audio sender (push-to-talk) or removes it (null). Never sends video. */
  setMicTrack(track: MediaStreamTrack | null): Promise<void>;
  /** Pauses or resumes receiving video (tile off-screen or window hidden); audio and signaling stay. */
  setVideoPaused(paused: boolean): void;
  /** Samples the stats overlay's numbers. */
  getStats(): Promise<TileStats>;
  /**
   * The tile's frame probe reports each presented frame: `advanced` is false when the picture repeats
   * (same embedded stamp, or the same fingerprint), which is how a frozen camera that keeps sending the same
   * frame is told from a live one. Feeds framesDecoded, lastPictureAt, g2gMs and the frozen watchdog.
   */
  notePicture(info: PictureNote): void;
}
