/**
 * What a {@link ViewerSession} depends on, as small interfaces: the browser adapters (sdkSignaling.ts,
 * browserPeer.ts) implement them in Chromium, the fakes in test/unit/viewer/fakes.ts implement them in Node.
 */
import type { WatchfloorApi } from '../../src-shared/ipc/api';
import type { TileStats } from './types';

/** Only `invoke` of the preload's API: the session never listens to main's events itself. */
export type ViewerApi = Pick<WatchfloorApi, 'invoke'>;

/** Injected time, so tests can move it by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Uniform in [0, 1), for jitter. */
export type Random = () => number;

export interface Logger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

/** The official SDK's `RequestSigner` shape, without importing the SDK. */
export interface UrlSigner {
  getSignedURL(endpoint: string, queryParams: Record<string, string>, date?: Date): Promise<string>;
}

/** A STATUS_RESPONSE frame (only sent for failures of messages that carried a correlationId, §4.4). */
export interface SignalingStatus {
  correlationId?: string;
  errorType?: string;
  statusCode?: string;
  description?: string;
}

/** Callbacks from one signaling connection to the session. */
export interface SignalingEvents {
  onOpen(): void;
  /**
   * The connection is gone: `wasOpen` false means it never opened (refused upgrade, signing failed,
   * network). `error` is the last error seen (a {@link ViewerIpcError} when signing was refused).
   */
  onClose(info: { wasOpen: boolean; error: unknown }): void;
  onOffer(offer: RTCSessionDescriptionInit, senderClientId: string | undefined): void;
  onAnswer(answer: RTCSessionDescriptionInit): void;
  onCandidate(candidate: RTCIceCandidateInit): void;
  onStatus(status: SignalingStatus): void;
}

/** One signaling WebSocket as a VIEWER. Calls its events until `onClose`; after that it is spent. */
export interface SignalingPort {
  /** Signs (through the signer) and connects; reports `onOpen` or `onClose({wasOpen:false})`. */
  open(): void;
  /** Closes; `onClose` is NOT called for a close the session asked for. Idempotent. */
  close(): void;
  sendOffer(offer: RTCSessionDescriptionInit, correlationId?: string): void;
  sendAnswer(answer: RTCSessionDescriptionInit, correlationId?: string): void;
  sendCandidate(candidate: RTCIceCandidateInit): void;
  /** The session applied a remote description: release candidates the adapter held for it. */
  remoteDescriptionApplied(): void;
  /** A new negotiation starts: candidates of the previous one must not be taken for this one's. */
  resetCandidates(): void;
}

export interface SignalingInit {
  channelArn: string;
  clientId: string;
  region: string;
  /** The WSS endpoint prepareViewer returned (main signs only that one). */
  endpoint: string;
  signer: UrlSigner;
  events: SignalingEvents;
}

export type SignalingFactory = (init: SignalingInit) => SignalingPort;

/** RTCPeerConnectionState, spelled out so the session compiles without DOM lib assumptions in tests. */
export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface PeerEvents {
  /** A local candidate to trickle; `null` at the end of gathering. */
  onCandidate(candidate: RTCIceCandidateInit | null): void;
  onConnectionState(state: PeerState): void;
  /** The remote stream for the tile's <video> (one per peer). */
  onStream(stream: MediaStream): void;
}

/**
 * One RTCPeerConnection. In 'p2p' mode it offers (recvonly video, sendrecv audio); in 'storage' mode it
 * answers the media server's offer (video recvonly, audio sendrecv). It never sends video.
 */
export interface PeerPort {
  /** Creates and sets the local offer; returns it to send. */
  createOffer(options?: { iceRestart?: boolean }): Promise<RTCSessionDescriptionInit>;
  acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void>;
  /** Sets the remote offer, creates and sets the answer; returns the answer to send. */
  acceptOffer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit>;
  addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  /** Puts `track` (audio) on the audio sender, or clears it. Never adds a sender. */
  setMicTrack(track: MediaStreamTrack | null): Promise<void>;
  setVideoPaused(paused: boolean): Promise<void>;
  getStats(): Promise<TileStats>;
  close(): void;
}

export interface PeerInit {
  mode: 'p2p' | 'storage';
  iceServers: RTCIceServer[];
  events: PeerEvents;
}

export type PeerFactory = (init: PeerInit) => PeerPort;

/** Everything a session needs besides its tile and channel. */
export interface ViewerDeps {
  api: ViewerApi;
  signaling: SignalingFactory;
  peer: PeerFactory;
  clock: Clock;
  random: Random;
  log: Logger;
}
