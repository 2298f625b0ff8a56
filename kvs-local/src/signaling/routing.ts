import { performance } from 'node:perf_hooks';
import { WebSocket, type RawData } from 'ws';
import type { KvsLocalLimits } from '../config';
import { kvsErrors, toKvsError, type KvsError } from '../errors';
import type { KvsStore } from '../state/store';
import { sendFrame, takeToken, type ChannelState, type Conn } from './connection';
import {
  ACTION_INDEX,
  decodePayload,
  parseClientFrame,
  recipientProblem,
  relayFrame,
  statusResponseFrame,
  type ClientMessage,
} from './frames';
import { MASTER_KEY } from './pending';
import type { BrokerMessageEvent, SignalingAction, StorageInboundMessage, StorageRouteResult } from './types';

/** Sends now when the recipient is connected, else queues for the TTL; null when the mailbox is full. */
export function deliver(
  state: ChannelState,
  target: Conn | null,
  mailboxKey: string,
  action: SignalingAction,
  sender: string,
  frame: string,
  expiresAt: number,
): 'delivered' | 'queued' | null {
  if (target !== null && target.ws.readyState === WebSocket.OPEN) {
    target.ws.send(frame);
    return 'delivered';
  }
  return state.mailbox.add(mailboxKey, action, sender, frame, expiresAt) ? 'queued' : null;
}

// Sender identity of storage-session messages in the pending mailboxes: '*' is not a ClientId character,
// so a storage offer never overwrites a master's pending offer to the same viewer.
const STORAGE_SENDER = '*storage';

/** What the message router needs from the broker. */
export interface RoutingDeps {
  store: KvsStore;
  limits: KvsLocalLimits;
  now: () => number;
  log: (line: string) => void;
  /** True when someone listens to the broker's 'message' event (events are only built then). */
  listening(): boolean;
  emit(event: BrokerMessageEvent): void;
}

/**
 * The per-message path (kvs-reference.md §4.3–§4.5): validation, per-connection TPS, storage mode,
 * viewer → master and master → viewer relay with TTL queueing, and STATUS_RESPONSE on correlated failures.
 */
export class MessageRouter {
  constructor(private readonly deps: RoutingDeps) {}

  /** Handles one frame from a client. */
  onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    const now = this.deps.now();
    conn.lastActivityAt = now;
    conn.lastMessageAt = now;
    // §4.4: binary frames are not part of the protocol; ignore them rather than closing.
    if (isBinary || !conn.live) return;
    const receivedAt = this.deps.listening() ? performance.now() : 0;
    const parsed = parseClientFrame((data as Buffer).toString('utf8'), this.deps.limits.maxMessageBytes);
    if (parsed.kind === 'ignore') return;
    if (parsed.kind === 'invalid') {
      return this.fail(conn, parsed.correlationId, parsed.error, null, receivedAt);
    }
    const msg = parsed.msg;
    const rate =
      msg.action === 'ICE_CANDIDATE'
        ? this.deps.limits.iceTpsPerConnection
        : this.deps.limits.sdpTpsPerConnection;
    if (!takeToken(conn.buckets, ACTION_INDEX[msg.action], rate, now)) {
      return this.fail(conn, msg.correlationId, kvsErrors.clientLimit(), msg.action, receivedAt);
    }
    const channel = this.deps.store.channelByArn(conn.channel.arn);
    if (!channel) return; // Deleted: its sockets are being closed.
    // §4.5/§6: with media storage ENABLED, peer-to-peer routing is replaced by the storage session.
    if (channel.storage.status === 'ENABLED') return this.toStorage(conn, msg, receivedAt);

    const state = conn.channel;
    const expiresAt = now + channel.messageTtlSeconds * 1000;
    if (conn.clientId !== null) {
      // Viewer → always the current master; any recipient it names is ignored (§4.5).
      const frame = relayFrame(conn.clientId, msg.action, msg.messagePayload);
      const outcome = deliver(state, state.master, MASTER_KEY, msg.action, conn.clientId, frame, expiresAt);
      if (outcome === null)
        return this.fail(conn, msg.correlationId, kvsErrors.clientLimit(), msg.action, receivedAt);
      if (receivedAt) this.emitMessage(conn, msg.action, null, outcome, receivedAt);
      return;
    }
    const problem = recipientProblem(msg.recipient);
    if (problem !== null) {
      return this.fail(conn, msg.correlationId, kvsErrors.invalidArgument(problem), msg.action, receivedAt);
    }
    const recipient = msg.recipient as string;
    const waiter = state.answerWaiters.get(recipient);
    if (waiter) {
      // The recipient is an HTTP SendAlexaOfferToMaster caller: its answer ends that call, and candidates
      // have nowhere to go (the caller gathered its own into the offer).
      if (msg.action === 'SDP_ANSWER') waiter(msg.messagePayload);
      return;
    }
    const frame = relayFrame(null, msg.action, msg.messagePayload);
    const target = state.viewers.get(recipient) ?? null;
    const outcome = deliver(state, target, recipient, msg.action, MASTER_KEY, frame, expiresAt);
    if (outcome === null)
      return this.fail(conn, msg.correlationId, kvsErrors.clientLimit(), msg.action, receivedAt);
    if (receivedAt) this.emitMessage(conn, msg.action, recipient, outcome, receivedAt);
  }

  private toStorage(conn: Conn, msg: ClientMessage, receivedAt: number): void {
    const router = conn.channel.router;
    if (!router) {
      const error = kvsErrors.invalidArgument(
        'Media storage is enabled for this channel but no storage session is active.',
      );
      return this.fail(conn, msg.correlationId, error, msg.action, receivedAt);
    }
    let inbound: StorageInboundMessage;
    try {
      inbound = {
        action: msg.action,
        payload: decodePayload(msg.messagePayload),
        messagePayload: msg.messagePayload,
      };
    } catch (err) {
      return this.fail(conn, msg.correlationId, toKvsError(err), msg.action, receivedAt);
    }
    if (msg.correlationId !== undefined) inbound.correlationId = msg.correlationId;
    if (typeof msg.recipient === 'string') inbound.recipientClientId = msg.recipient;
    const settle = (result: StorageRouteResult): void => {
      if (result) this.fail(conn, msg.correlationId, result, msg.action, receivedAt);
      else if (receivedAt) this.emitMessage(conn, msg.action, null, 'storage', receivedAt);
    };
    const onError = (err: unknown): void => {
      this.deps.log(`signaling: storage router failed on ${conn.channel.name}: ${String(err)}`);
      settle(toKvsError(err));
    };
    try {
      const result =
        conn.clientId === null ? router.fromMaster(inbound) : router.fromViewer(conn.clientId, inbound);
      if (result instanceof Promise) result.then(settle, onError);
      else settle(result);
    } catch (err) {
      onError(err);
    }
  }

  /** Answers a failed client message: a STATUS_RESPONSE when it was correlated, silence otherwise (§4.4). */
  private fail(
    conn: Conn,
    correlationId: string | undefined,
    error: KvsError,
    action: SignalingAction | null,
    receivedAt: number,
  ): void {
    if (correlationId !== undefined) sendFrame(conn, statusResponseFrame(correlationId, error));
    if (receivedAt && action !== null)
      this.emitMessage(conn, action, null, 'rejected', receivedAt, error.type);
  }

  private emitMessage(
    conn: Conn,
    action: SignalingAction,
    recipientClientId: string | null,
    outcome: BrokerMessageEvent['outcome'],
    receivedAt: number,
    errorType?: string,
  ): void {
    const event: BrokerMessageEvent = {
      channelArn: conn.channel.arn,
      connectionId: conn.id,
      from: conn.role,
      senderClientId: conn.clientId,
      action,
      recipientClientId,
      outcome,
      receivedAt,
    };
    if (errorType !== undefined) event.errorType = errorType;
    this.deps.emit(event);
  }

  /**
   * Delivers (or queues) a storage-session message: no senderClientId (§4.4 — storage frames carry none).
   * `mailboxKey` is the viewer's ClientId, or MASTER_KEY. Null when the mailbox is full.
   */
  fromStorage(
    state: ChannelState,
    target: Conn | null,
    mailboxKey: string,
    action: SignalingAction,
    messagePayload: string,
    expiresAt: number,
  ): 'delivered' | 'queued' | null {
    const frame = relayFrame(null, action, messagePayload);
    const outcome = deliver(state, target, mailboxKey, action, STORAGE_SENDER, frame, expiresAt);
    if (outcome !== null && this.deps.listening()) {
      this.deps.emit({
        channelArn: state.arn,
        connectionId: null,
        from: 'STORAGE',
        senderClientId: null,
        action,
        recipientClientId: mailboxKey === MASTER_KEY ? null : mailboxKey,
        outcome,
        receivedAt: performance.now(),
      });
    }
    return outcome;
  }
}
