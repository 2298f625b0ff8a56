import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { KvsLocalLimits } from '../config';
import { KvsError, kvsErrors, toKvsError } from '../errors';
import { RateLimiter } from '../faults';
import type { Channel } from '../state/store';
import { connectionInfo, initBuckets, sendFrame, type ChannelState, type Conn } from './connection';
import { controlFrame, encodePayload, relayFrame } from './frames';
import { MASTER_KEY, PendingMailbox } from './pending';
import { deliver, MessageRouter } from './routing';
import { admissionProblem, checkConnectRequest, rejectUpgrade, type ConnectRequest } from './upgrade';
import type {
  ConnectionInfo,
  SignalingAction,
  SignalingBrokerEvents,
  SignalingBrokerOptions,
  StorageRouter,
} from './types';

/**
 * Close codes the broker uses. The service documents none (kvs-reference.md §4.6, §9); clients only log
 * them and reconnect. 1000 for a takeover (nothing went wrong: a newer connection exists), 1001 "going
 * away" for everything the server ends on its own.
 */
export const SIGNALING_CLOSE = {
  superseded: { code: 1000, reason: 'Replaced by a newer connection' },
  idle: { code: 1001, reason: 'Idle timeout' },
  maxDuration: { code: 1001, reason: 'Maximum connection duration reached' },
  goAway: { code: 1001, reason: 'GO_AWAY grace period over' },
  channelDeleted: { code: 1001, reason: 'Signaling channel deleted' },
  shutdown: { code: 1001, reason: 'Server shutting down' },
} as const;

type CloseSpec = { code: number; reason: string };

/** Result of a storage-session send: delivered now, queued for the TTL, or dropped (no such channel). */
export type SendOutcome = 'delivered' | 'queued' | 'dropped';

// setTimeout's ceiling (~24.8 days); longer delays would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The WebSocket signaling plane (§4): accepts ConnectAsMaster / ConnectAsViewer upgrades, relays
 * SDP/ICE between one master and its viewers (or to an attached storage session), keeps undelivered
 * messages for the channel's TTL, and enforces the service's limits and lifetimes.
 *
 * Superseded connections (same ClientId, or a second master) are closed with 1000 rather than left idle:
 * the reference allows both, and a close tells a stale client at once instead of ten minutes later.
 * Admin `drop` terminates without a close frame (the client sees 1006), simulating a network loss.
 */
export class SignalingBroker extends EventEmitter<SignalingBrokerEvents> {
  private readonly wss: WebSocketServer;
  private readonly limits: KvsLocalLimits;
  private readonly channels = new Map<string, ChannelState>();
  private readonly sockets = new Map<string, Conn>();
  private readonly connectLimiter: RateLimiter;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly router: MessageRouter;
  private readonly onChannelDeleted = (channel: Channel): void => this.closeChannel(channel.arn);
  private seq = 0;
  private closed = false;

  constructor(private readonly opts: SignalingBrokerOptions) {
    super();
    this.limits = opts.limits;
    this.connectLimiter = new RateLimiter(opts.now);
    this.router = new MessageRouter({
      store: opts.store,
      limits: opts.limits,
      now: opts.now,
      log: opts.log,
      listening: () => this.listenerCount('message') > 0,
      emit: (event) => this.emit('message', event),
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // Frames above this close the socket (1009); payloads between maxMessageBytes and this get a
      // STATUS_RESPONSE instead, as the service answers oversize messages.
      maxPayload: Math.max(64 * 1024, this.limits.maxMessageBytes * 4),
    });
    // A signed request that is no valid WebSocket handshake (not GET, no Sec-WebSocket-Key…) would get ws's
    // plain-text 400/405; answer with a modelled error like every other refusal (§1.0 recipe).
    this.wss.on('wsClientError', (err, socket, req) =>
      this.refuse(req, socket, kvsErrors.invalidArgument(err.message)),
    );
    opts.store.on('channelDeleted', this.onChannelDeleted);
    // One sweep for idle sockets and expired pending messages instead of a timer per message.
    const idle = this.limits.idleTimeoutMs;
    const sweepMs = idle > 0 ? Math.min(1000, Math.max(20, Math.floor(idle / 10))) : 1000;
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.sweepTimer.unref();
  }

  /** Handles an HTTP upgrade for a `/m-…` or `/v-…` endpoint: 101 on success, an HTTP error otherwise. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Resets during an injected delay must not become unhandled 'error' events.
    socket.on('error', () => socket.destroy());
    if (this.closed) {
      rejectUpgrade(socket, new KvsError('ServiceUnavailableException', 503, 'kvs-local is shutting down.'));
      return;
    }
    let request: ConnectRequest;
    try {
      request = checkConnectRequest(req, {
        credentials: this.opts.credentials,
        region: this.opts.region,
        now: this.opts.now(),
      });
    } catch (err) {
      this.refuse(req, socket, toKvsError(err));
      return;
    }
    const fault = this.opts.faults.take(request.role === 'MASTER' ? 'ConnectAsMaster' : 'ConnectAsViewer');
    if (fault && fault.delayMs > 0) {
      setTimeout(() => this.admit(req, socket, head, request, fault.error), fault.delayMs).unref();
    } else {
      this.admit(req, socket, head, request, fault?.error);
    }
  }

  private admit(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    request: ConnectRequest,
    injected: KvsError | undefined,
  ): void {
    if (socket.destroyed) return;
    if (this.closed) return void socket.destroy();
    if (injected) return this.refuse(req, socket, injected);
    const channel = this.opts.store.channelByArn(request.channelArn);
    const problem = admissionProblem(
      request,
      channel,
      this.channels.get(request.channelArn),
      this.limits,
      this.connectLimiter,
    );
    if (problem !== null || !channel)
      return this.refuse(req, socket, problem ?? kvsErrors.resourceNotFound());
    // ws completes the handshake synchronously (no verifyClient), so the limit check above cannot race.
    this.wss.handleUpgrade(req, socket, head, (ws) => this.register(ws, req, request, channel));
  }

  private refuse(req: IncomingMessage, socket: Duplex, error: KvsError): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const remoteAddress = req.socket.remoteAddress ?? '';
    this.opts.log(`signaling: refused upgrade ${path} from ${remoteAddress}: ${error.status} ${error.type}`);
    rejectUpgrade(socket, error);
    this.emit('upgradeRejected', {
      path,
      status: error.status,
      errorType: error.type,
      message: error.message,
      remoteAddress,
    });
  }

  private register(ws: WebSocket, req: IncomingMessage, request: ConnectRequest, channel: Channel): void {
    const now = this.opts.now();
    const state = this.stateFor(channel);
    const conn: Conn = {
      id: `sc-${(++this.seq).toString(36)}`,
      ws,
      channel: state,
      role: request.role,
      clientId: request.clientId ?? null,
      remoteAddress: req.socket.remoteAddress ?? '',
      connectedAt: now,
      lastActivityAt: now,
      lastMessageAt: null,
      live: true,
      buckets: initBuckets(this.limits.sdpTpsPerConnection, this.limits.iceTpsPerConnection, now),
      endsAt: Infinity,
      goAwayTimer: null,
      endTimer: null,
    };
    this.sockets.set(conn.id, conn);
    state.sockets.add(conn);
    const previous = conn.clientId === null ? state.master : state.viewers.get(conn.clientId);
    if (conn.clientId === null) state.master = conn;
    else state.viewers.set(conn.clientId, conn);
    if (previous) this.retire(previous, SIGNALING_CLOSE.superseded);

    ws.on('message', (data, isBinary) => this.router.onMessage(conn, data, isBinary));
    // §4.6/§9: whether pings reset the idle timer is undocumented; the C SDK pings every 10 s and relies on it.
    const touch = (): void => {
      conn.lastActivityAt = this.opts.now();
    };
    ws.on('ping', touch);
    ws.on('pong', touch);
    ws.on('error', (err) => this.opts.log(`signaling: ${conn.id} socket error: ${err.message}`));
    ws.on('close', (code, reason) => this.onClose(conn, code, reason.toString()));

    const max = this.limits.maxConnectionMs;
    // 0 (or a value setTimeout cannot hold) turns the maximum duration off, e.g. for long benchmarks.
    if (max > 0 && max <= MAX_TIMER_MS) {
      const goAwayIn = Math.max(0, max - this.limits.goAwayGraceMs);
      conn.goAwayTimer = setTimeout(() => sendFrame(conn, controlFrame('GO_AWAY')), goAwayIn).unref();
      this.scheduleEnd(conn, now + max, SIGNALING_CLOSE.maxDuration);
    }

    const who = conn.clientId === null ? 'MASTER' : `VIEWER ${conn.clientId}`;
    this.opts.log(`signaling: ${who} connected to ${state.name} as ${conn.id}`);
    for (const frame of state.mailbox.take(conn.clientId ?? MASTER_KEY, now)) ws.send(frame);
    this.emit('connected', connectionInfo(conn));
  }

  private stateFor(channel: Channel): ChannelState {
    let state = this.channels.get(channel.arn);
    if (!state) {
      state = {
        arn: channel.arn,
        name: channel.name,
        master: null,
        viewers: new Map(),
        mailbox: new PendingMailbox(),
        router: null,
        sockets: new Set(),
        answerWaiters: new Map(),
      };
      this.channels.set(channel.arn, state);
    }
    return state;
  }

  private scheduleEnd(conn: Conn, at: number, spec: CloseSpec): void {
    if (conn.endTimer) clearTimeout(conn.endTimer);
    conn.endsAt = at;
    conn.endTimer = setTimeout(() => this.retire(conn, spec), Math.max(0, at - this.opts.now())).unref();
  }

  /** Takes a connection out of routing and closes it (with a close frame, or abruptly). */
  private retire(conn: Conn, spec: CloseSpec | 'terminate'): void {
    this.unregister(conn);
    if (spec === 'terminate') conn.ws.terminate();
    else if (conn.ws.readyState === WebSocket.OPEN || conn.ws.readyState === WebSocket.CONNECTING) {
      conn.ws.close(spec.code, spec.reason);
    }
  }

  private unregister(conn: Conn): void {
    if (!conn.live) return;
    conn.live = false;
    const state = conn.channel;
    if (state.master === conn) state.master = null;
    if (conn.clientId !== null && state.viewers.get(conn.clientId) === conn)
      state.viewers.delete(conn.clientId);
    if (conn.goAwayTimer) clearTimeout(conn.goAwayTimer);
    if (conn.endTimer) clearTimeout(conn.endTimer);
    conn.goAwayTimer = conn.endTimer = null;
  }

  private onClose(conn: Conn, code: number, reason: string): void {
    this.unregister(conn);
    this.sockets.delete(conn.id);
    conn.channel.sockets.delete(conn);
    const who = conn.clientId === null ? 'MASTER' : `VIEWER ${conn.clientId}`;
    this.opts.log(
      `signaling: ${who} ${conn.id} on ${conn.channel.name} closed (${code}${reason ? ` ${reason}` : ''})`,
    );
    this.emit('disconnected', connectionInfo(conn), { code, reason });
  }

  private sweep(): void {
    const now = this.opts.now();
    const idle = this.limits.idleTimeoutMs > 0 ? this.limits.idleTimeoutMs : Infinity;
    for (const conn of this.sockets.values()) {
      if (conn.live && now - conn.lastActivityAt >= idle) this.retire(conn, SIGNALING_CLOSE.idle);
    }
    for (const [arn, state] of this.channels) {
      state.mailbox.prune(now);
      if (state.sockets.size === 0 && state.mailbox.empty && state.router === null) this.channels.delete(arn);
    }
  }

  private closeChannel(arn: string): void {
    const state = this.channels.get(arn);
    if (!state) return;
    this.channels.delete(arn);
    state.mailbox.clear();
    state.router = null;
    for (const conn of state.sockets) this.retire(conn, SIGNALING_CLOSE.channelDeleted);
  }

  /** Connections of a channel (all, or the one with `connectionId`) that are currently routed. */
  private targets(channelArn: string, connectionId?: string): Conn[] {
    const state = this.channels.get(channelArn);
    if (!state) return [];
    const out: Conn[] = [];
    for (const c of state.sockets)
      if (c.live && (connectionId === undefined || c.id === connectionId)) out.push(c);
    return out;
  }

  // ---- storage-session hooks -------------------------------------------------------------------------

  /**
   * Attaches (or with null detaches) the storage session that receives master/viewer messages while the
   * channel's media storage is ENABLED. With none attached, correlated messages get InvalidArgument.
   */
  setStorageRouter(channelArn: string, router: StorageRouter | null): void {
    const channel = this.opts.store.channelByArn(channelArn);
    if (router === null) {
      const state = this.channels.get(channelArn);
      if (state) state.router = null;
      return;
    }
    if (!channel) throw kvsErrors.resourceNotFound();
    this.stateFor(channel).router = router;
  }

  /** Sends a storage-session message to the channel's master (no senderClientId), queued with the TTL if absent. */
  sendToMaster(channelArn: string, messageType: SignalingAction, payload: unknown): SendOutcome {
    return this.sendFromStorage(channelArn, null, messageType, payload);
  }

  /** Sends a storage-session message to one viewer (no senderClientId), queued with the TTL if absent. */
  sendToViewer(
    channelArn: string,
    clientId: string,
    messageType: SignalingAction,
    payload: unknown,
  ): SendOutcome {
    return this.sendFromStorage(channelArn, clientId, messageType, payload);
  }

  private sendFromStorage(
    channelArn: string,
    clientId: string | null,
    action: SignalingAction,
    payload: unknown,
  ): SendOutcome {
    const channel = this.opts.store.channelByArn(channelArn);
    if (!channel || this.closed) return 'dropped';
    const state = this.stateFor(channel);
    const target = clientId === null ? state.master : (state.viewers.get(clientId) ?? null);
    const expiresAt = this.opts.now() + channel.messageTtlSeconds * 1000;
    const key = clientId ?? MASTER_KEY;
    const outcome = this.router.fromStorage(state, target, key, action, encodePayload(payload), expiresAt);
    return outcome ?? 'dropped';
  }

  /**
   * SendAlexaOfferToMaster: delivers `messagePayload` (a base64 SDP offer) to the channel's master as an
   * SDP_OFFER from `senderClientId` (queued for the TTL while no master is connected) and resolves with the
   * base64 answer the master sends back to that client id. Rejects with ResourceNotFoundException when no
   * answer comes within `timeoutMs` (what the service answers then is undocumented).
   */
  offerToMasterOverHttp(
    channelArn: string,
    senderClientId: string,
    messagePayload: string,
    timeoutMs: number,
  ): Promise<string> {
    const channel = this.opts.store.channelByArn(channelArn);
    if (!channel || this.closed) return Promise.reject(kvsErrors.resourceNotFound());
    const state = this.stateFor(channel);
    if (state.answerWaiters.has(senderClientId) || state.viewers.has(senderClientId)) {
      return Promise.reject(
        kvsErrors.invalidArgument(`SenderClientId ${senderClientId} is already in use on this channel.`),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        state.answerWaiters.delete(senderClientId);
        reject(kvsErrors.resourceNotFound('No master answered the offer within the message TTL.'));
      }, timeoutMs);
      state.answerWaiters.set(senderClientId, (answer) => {
        clearTimeout(timer);
        state.answerWaiters.delete(senderClientId);
        resolve(answer);
      });
      const expiresAt = this.opts.now() + timeoutMs;
      const frame = relayFrame(senderClientId, 'SDP_OFFER', messagePayload);
      if (deliver(state, state.master, MASTER_KEY, 'SDP_OFFER', senderClientId, frame, expiresAt) === null) {
        clearTimeout(timer);
        state.answerWaiters.delete(senderClientId);
        reject(kvsErrors.clientLimit());
      }
    });
  }

  /** True when the channel has a connected master. */
  hasMaster(channelArn: string): boolean {
    return (this.channels.get(channelArn)?.master ?? null) !== null;
  }

  /** ClientIds of the channel's connected viewers. */
  viewerIds(channelArn: string): string[] {
    return [...(this.channels.get(channelArn)?.viewers.keys() ?? [])];
  }

  // ---- admin surface ---------------------------------------------------------------------------------

  /** Every routed connection. */
  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const c of this.sockets.values()) if (c.live) out.push(connectionInfo(c));
    return out;
  }

  /** Drops one connection abruptly (no close frame; clients see 1006). False if unknown. */
  drop(connectionId: string): boolean {
    const conn = this.sockets.get(connectionId);
    if (!conn) return false;
    this.retire(conn, 'terminate');
    return true;
  }

  /** Drops every socket of a channel abruptly; returns how many. */
  dropChannel(channelArn: string): number {
    const state = this.channels.get(channelArn);
    if (!state) return 0;
    const conns = [...state.sockets];
    for (const c of conns) this.retire(c, 'terminate');
    return conns.length;
  }

  /**
   * Sends GO_AWAY to the channel's connections (or one) and closes each after `goAwayGraceMs`, as the
   * service does before its maximum duration (§4.4). Returns how many were told.
   */
  sendGoAway(channelArn: string, connectionId?: string): number {
    const conns = this.targets(channelArn, connectionId);
    const at = this.opts.now() + this.limits.goAwayGraceMs;
    for (const c of conns) {
      sendFrame(c, controlFrame('GO_AWAY'));
      if (at < c.endsAt) this.scheduleEnd(c, at, SIGNALING_CLOSE.goAway);
    }
    return conns.length;
  }

  /** Sends RECONNECT_ICE_SERVER to the channel's connections (or one); the socket stays open. */
  sendReconnectIceServer(channelArn: string, connectionId?: string): number {
    const conns = this.targets(channelArn, connectionId);
    for (const c of conns) sendFrame(c, controlFrame('RECONNECT_ICE_SERVER'));
    return conns.length;
  }

  /** Closes every socket (1001), stops timers and refuses further upgrades. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.opts.store.off('channelDeleted', this.onChannelDeleted);
    const open = [...this.sockets.values()];
    for (const c of open) this.retire(c, SIGNALING_CLOSE.shutdown);
    // Peers that never answer the close frame are cut after a second instead of ws's 30 s.
    setTimeout(() => {
      for (const c of open) if (c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
    }, 1000).unref();
    this.channels.clear();
    this.wss.close();
  }
}
