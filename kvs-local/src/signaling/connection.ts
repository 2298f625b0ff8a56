import { WebSocket } from 'ws';
import type { PendingMailbox } from './pending';
import type { ConnectionInfo, SignalingRole, StorageRouter } from './types';

/** Broker-side state of one signaling channel that has (or recently had) connections or pending messages. */
export interface ChannelState {
  arn: string;
  name: string;
  /** The current master: the newest ConnectAsMaster wins (§4.2). */
  master: Conn | null;
  /** Current viewers by ClientId: the newest connection per ClientId wins (§4.2). */
  viewers: Map<string, Conn>;
  mailbox: PendingMailbox;
  router: StorageRouter | null;
  /** Every open socket of the channel, including superseded ones still closing. */
  sockets: Set<Conn>;
  /**
   * SendAlexaOfferToMaster callers waiting for the master's SDP_ANSWER, by their SenderClientId: the HTTP
   * call returns the answer instead of a WebSocket receiving it (kvs-reference.md §2).
   */
  answerWaiters: Map<string, (messagePayload: string) => void>;
}

/** One accepted WebSocket. */
export interface Conn {
  id: string;
  ws: WebSocket;
  channel: ChannelState;
  role: SignalingRole;
  /** Viewer ClientId; null for the master (also the `senderClientId` its relayed frames carry). */
  clientId: string | null;
  remoteAddress: string;
  connectedAt: number;
  /** Last client frame, ping or pong (idle timer, §4.6). */
  lastActivityAt: number;
  /** Last client data frame. */
  lastMessageAt: number | null;
  /** False once superseded, closed, dropped or retired: it no longer sends or receives routed traffic. */
  live: boolean;
  /**
   * Token buckets for SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE (§5 per-connection TPS): indexes 0–2 hold the
   * tokens, 3–5 the time they were last refilled. One typed array per socket instead of keyed maps keeps
   * the per-message path allocation-free.
   */
  buckets: Float64Array;
  /** Epoch ms the connection will be closed (maximum duration or end of a GO_AWAY grace); Infinity if never. */
  endsAt: number;
  goAwayTimer: NodeJS.Timeout | null;
  endTimer: NodeJS.Timeout | null;
}

/** Fills a fresh connection's buckets (full burst, as if idle for a second). */
export function initBuckets(sdpTps: number, iceTps: number, now: number): Float64Array {
  const b = new Float64Array(6);
  b[0] = sdpTps;
  b[1] = sdpTps;
  b[2] = iceTps;
  b[3] = now;
  b[4] = now;
  b[5] = now;
  return b;
}

/** Takes one token from bucket `i` refilled at `perSecond` (burst = one second's worth); 0 disables the limit. */
export function takeToken(b: Float64Array, i: 0 | 1 | 2, perSecond: number, now: number): boolean {
  if (perSecond <= 0) return true;
  let tokens = b[i]! + ((now - b[i + 3]!) / 1000) * perSecond;
  if (tokens > perSecond) tokens = perSecond;
  b[i + 3] = now;
  if (tokens < 1) {
    b[i] = tokens;
    return false;
  }
  b[i] = tokens - 1;
  return true;
}

/** The admin view of a connection. */
export function connectionInfo(c: Conn): ConnectionInfo {
  const info: ConnectionInfo = {
    id: c.id,
    channelArn: c.channel.arn,
    channelName: c.channel.name,
    role: c.role,
    connectedAt: c.connectedAt,
    lastMessageAt: c.lastMessageAt,
    remoteAddress: c.remoteAddress,
  };
  if (c.clientId !== null) info.clientId = c.clientId;
  return info;
}

/** Sends a frame to a routed, open connection; false when it is retired or not open. */
export function sendFrame(conn: Conn, frame: string): boolean {
  if (!conn.live || conn.ws.readyState !== WebSocket.OPEN) return false;
  conn.ws.send(frame);
  return true;
}
