import WebSocket from 'ws';
import { presignConnectUrl } from '../auth/sigv4';
import type { LocalCredentials } from '../auth/credentials';

/** A server → master frame (kvs-reference.md §4.4). */
export interface InboundFrame {
  messageType: string;
  senderClientId?: string;
  payload?: unknown;
  statusResponse?: { correlationId?: string; errorType?: string; description?: string };
}

export interface MasterSocketOptions {
  endpoint: string;
  channelArn: string;
  region: string;
  credentials: () => LocalCredentials;
  caCert?: string;
  onFrame: (frame: InboundFrame) => void;
  onClose: (code: number, reason: string) => void;
}

/**
 * The signaling connection of a simulated camera, written like a device SDK (the C SDK's behaviour, §4.6):
 * presigned ConnectAsMaster URL, JSON text frames, pings every 10 s; GO_AWAY and RECONNECT_ICE_SERVER are
 * surfaced so the camera reconnects instead of waiting for the close.
 */
export class MasterSocket {
  private readonly ws: WebSocket;
  private readonly pinger: NodeJS.Timeout;
  private closed = false;

  private constructor(ws: WebSocket, opts: MasterSocketOptions) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
      } catch {
        return; // Clients ignore unparsable frames (§4.4).
      }
      if (typeof raw.messageType !== 'string') return;
      const frame: InboundFrame = { messageType: raw.messageType };
      if (typeof raw.senderClientId === 'string' && raw.senderClientId)
        frame.senderClientId = raw.senderClientId;
      if (typeof raw.messagePayload === 'string') {
        try {
          frame.payload = JSON.parse(Buffer.from(raw.messagePayload, 'base64').toString('utf8'));
        } catch {
          return;
        }
      }
      if (raw.statusResponse && typeof raw.statusResponse === 'object') {
        frame.statusResponse = raw.statusResponse;
      }
      opts.onFrame(frame);
    });
    ws.on('close', (code, reason) => {
      clearInterval(this.pinger);
      if (!this.closed) {
        this.closed = true;
        opts.onClose(code, reason.toString());
      }
    });
    ws.on('error', () => {}); // 'close' follows.
    this.pinger = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, 10_000);
    this.pinger.unref();
  }

  /** Connects; rejects with the HTTP status of a refused upgrade (`status` property) or a socket error. */
  static connect(opts: MasterSocketOptions): Promise<MasterSocket> {
    const url = presignConnectUrl(
      opts.endpoint,
      { 'X-Amz-ChannelARN': opts.channelArn },
      opts.credentials(),
      opts.region,
      Date.now(),
    );
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        ...(opts.caCert ? { ca: opts.caCert } : {}),
        handshakeTimeout: 10_000,
      });
      const fail = (err: Error & { status?: number }) => reject(err);
      ws.once('unexpected-response', (_req, res) => {
        const err = Object.assign(new Error(`ConnectAsMaster refused with HTTP ${res.statusCode ?? 0}`), {
          status: res.statusCode ?? 0,
        });
        res.resume();
        ws.terminate();
        fail(err);
      });
      ws.once('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        resolve(new MasterSocket(ws, opts));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends SDP_ANSWER / ICE_CANDIDATE; no recipient means "to the storage session" (§6.2 step 5). */
  send(
    action: 'SDP_ANSWER' | 'ICE_CANDIDATE' | 'SDP_OFFER',
    payload: unknown,
    recipientClientId?: string,
  ): void {
    if (!this.isOpen) return;
    const frame: Record<string, string> = {
      action,
      messagePayload: Buffer.from(JSON.stringify(payload)).toString('base64'),
    };
    if (recipientClientId) frame.recipientClientId = recipientClientId;
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pinger);
    this.ws.close(1000, 'camera closing');
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }
}
