import type { CredentialStore } from '../auth/credentials';
import type { KvsLocalLimits } from '../config';
import type { KvsError } from '../errors';
import type { FaultInjector } from '../faults';
import type { KvsStore } from '../state/store';

/** Which side of a signaling channel a WebSocket speaks for (ConnectAsMaster / ConnectAsViewer). */
export type SignalingRole = 'MASTER' | 'VIEWER';

/** The three client actions (kvs-reference.md §4.3). */
export type SignalingAction = 'SDP_OFFER' | 'SDP_ANSWER' | 'ICE_CANDIDATE';

/** Every server → client `messageType` (§4.4). */
export type ServerMessageType = SignalingAction | 'STATUS_RESPONSE' | 'GO_AWAY' | 'RECONNECT_ICE_SERVER';

/** What `SignalingBroker` needs from the rest of kvs-local. */
export interface SignalingBrokerOptions {
  store: KvsStore;
  limits: KvsLocalLimits;
  faults: FaultInjector;
  credentials: CredentialStore;
  /** Region presigned URLs must be scoped to. */
  region: string;
  /** Epoch milliseconds; injectable so SigV4 skew can be tested. */
  now: () => number;
  log: (line: string) => void;
}

/** One live signaling connection, as the admin API lists it. */
export interface ConnectionInfo {
  id: string;
  channelArn: string;
  channelName: string;
  role: SignalingRole;
  /** Viewers only. */
  clientId?: string;
  /** Epoch ms. */
  connectedAt: number;
  /** Epoch ms of the last client text/binary frame, or null when the client has sent none. */
  lastMessageAt: number | null;
  remoteAddress: string;
}

/** A client message handed to a storage session (decoded payload + what is needed to answer it). */
export interface StorageInboundMessage {
  action: SignalingAction;
  /** The base64 `messagePayload` decoded and parsed (an RTCSessionDescription / RTCIceCandidate init). */
  payload: unknown;
  /** The raw base64 text, for callers that forward it unchanged. */
  messagePayload: string;
  correlationId?: string;
  /** What the master put in `recipientClientId`, if anything (the JS sample sends none toward storage). */
  recipientClientId?: string;
}

/** What a storage router may return: an error becomes a STATUS_RESPONSE when the message was correlated. */
export type StorageRouteResult = KvsError | undefined | void;

/**
 * A storage session attached to a channel whose media storage is ENABLED (§4.5, §6): it receives what the
 * master and viewers send instead of the broker routing it peer-to-peer.
 */
export interface StorageRouter {
  fromMaster(msg: StorageInboundMessage): StorageRouteResult | Promise<StorageRouteResult>;
  fromViewer(clientId: string, msg: StorageInboundMessage): StorageRouteResult | Promise<StorageRouteResult>;
}

/** How one client message (or one storage-session message) was handled; emitted only when listened to. */
export interface BrokerMessageEvent {
  channelArn: string;
  /** The sending connection; null for messages injected through `sendToMaster`/`sendToViewer`. */
  connectionId: string | null;
  from: SignalingRole | 'STORAGE';
  /** The sending viewer's ClientId (null for master and storage). */
  senderClientId: string | null;
  action: SignalingAction;
  /** Target viewer, or null when the target is the master or the storage session. */
  recipientClientId: string | null;
  outcome: 'delivered' | 'queued' | 'storage' | 'rejected';
  /** Wire error type when `outcome` is `rejected`. */
  errorType?: string;
  /** Monotonic time (performance.now) the frame was received, for latency benchmarks. */
  receivedAt: number;
}

/** Why an upgrade was refused (also written to the log). */
export interface UpgradeRejectedEvent {
  path: string;
  status: number;
  errorType: string;
  message: string;
  remoteAddress: string;
}

/** Events of `SignalingBroker` (a typed EventEmitter). */
export interface SignalingBrokerEvents {
  connected: [ConnectionInfo];
  disconnected: [ConnectionInfo, { code: number; reason: string }];
  message: [BrokerMessageEvent];
  upgradeRejected: [UpgradeRejectedEvent];
}
