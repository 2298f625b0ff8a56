/**
 * Every knob kvs-local has. Defaults are the service's own numbers (kvs-reference.md §5); tests shorten
 * the timeouts so that idle close, GO_AWAY and session ends can be observed in seconds.
 */
export interface KvsLocalLimits {
  /** Concurrent viewers per channel (ConnectAsViewer soft limit). */
  viewersPerChannel: number;
  /** Viewers per storage session (JoinStorageSessionAsViewer); "3" is inferred from the JS sample. */
  viewersPerStorageSession: number;
  /** Close a signaling socket that has exchanged no message for this long. */
  idleTimeoutMs: number;
  /** Maximum signaling connection duration. */
  maxConnectionMs: number;
  /** How long before the maximum duration GO_AWAY is sent. */
  goAwayGraceMs: number;
  /** Connects per second per channel and role (ConnectAsMaster/ConnectAsViewer: 3 TPS). */
  connectTpsPerChannel: number;
  /** SendSdpOffer/SendSdpAnswer per WebSocket connection per second. */
  sdpTpsPerConnection: number;
  /** SendIceCandidate per WebSocket connection per second. */
  iceTpsPerConnection: number;
  /** Largest signaling message (the C SDK's MAX_SIGNALING_MESSAGE_LEN). */
  maxMessageBytes: number;
  /** ICE server credential lifetime (GetIceServerConfig Ttl). */
  iceTtlSeconds: number;
  /** Storage session maximum duration. */
  storageSessionMaxMs: number;
  /** Delay before the storage session's offer is sent after Join* (real calls took ~2 s; we default shorter). */
  storageOfferDelayMs: number;
  /** Multiplier for control-plane TPS quotas; 0 turns control-plane throttling off. */
  controlTpsScale: number;
  /** Signaling channels per account (AccountChannelLimitExceeded). */
  maxChannels: number;
  /** Channels with media storage ENABLED per account. */
  maxStorageChannels: number;
}

export const defaultLimits: KvsLocalLimits = {
  viewersPerChannel: 10,
  viewersPerStorageSession: 3,
  idleTimeoutMs: 10 * 60_000,
  maxConnectionMs: 60 * 60_000,
  goAwayGraceMs: 60_000,
  connectTpsPerChannel: 3,
  sdpTpsPerConnection: 5,
  iceTpsPerConnection: 20,
  maxMessageBytes: 10 * 1024,
  iceTtlSeconds: 300,
  storageSessionMaxMs: 60 * 60_000,
  storageOfferDelayMs: 300,
  controlTpsScale: 1,
  maxChannels: 10_000,
  maxStorageChannels: 100,
};

export interface CameraOptions {
  /** Number of simulated cameras (each gets its own channel `camera-<n>`). */
  count: number;
  fps: number;
  width: number;
  height: number;
}

export interface KvsLocalOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  host?: string;
  region?: string;
  accountId?: string;
  /** Serve HTTPS/WSS with a certificate generated at start. */
  tls?: boolean;
  /** Issue temporary credentials (with a session token) instead of long-term keys. */
  temporaryCredentials?: boolean;
  /** Fixed credentials (tests); generated when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Persist channels, streams and recordings here; in memory (recordings in a temp dir) when absent. */
  stateDir?: string;
  cameras?: Partial<CameraOptions>;
  limits?: Partial<KvsLocalLimits>;
  /** Clock, injectable for SigV4 skew tests. */
  now?: () => number;
  /** Log sink (stderr in the CLI); silent by default in tests. */
  log?: (line: string) => void;
}
