import {
  CreateSignalingChannelCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { presignConnectUrl } from '../../kvs-local/src/auth/sigv4';
import { channelEndpoint } from '../../kvs-local/src/endpoints';
import type { KvsLocalInfo } from '../../kvs-local/src/server';
import { mapLimit, Samples, sleep, withTimeout, type CpuReading, type LoopStats } from './measure';

/** The unmodified SDK v3 control-plane client for a kvs-local started elsewhere (only its info is known). */
export function controlClientFor(info: KvsLocalInfo): KinesisVideoClient {
  const { accessKeyId, secretAccessKey, sessionToken } = info;
  return new KinesisVideoClient({
    region: info.region,
    endpoint: info.endpoint,
    credentials: sessionToken
      ? { accessKeyId, secretAccessKey, sessionToken }
      : { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

/**
 * Creates `count` signaling channels through the control plane and returns their ARNs. Checks once that
 * GetSignalingChannelEndpoint answers what `channelEndpoint()` computes, so the benchmark can presign
 * connect URLs without one GetSignalingChannelEndpoint call per socket.
 */
export async function createChannels(info: KvsLocalInfo, prefix: string, count: number): Promise<string[]> {
  const kv = controlClientFor(info);
  try {
    const arns = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const out = await kv.send(new CreateSignalingChannelCommand({ ChannelName: `${prefix}-${i}` }));
        if (!out.ChannelARN) throw new Error('CreateSignalingChannel returned no ChannelARN');
        return out.ChannelARN;
      },
    );
    const first = arns[0];
    if (first !== undefined) {
      const { ResourceEndpointList = [] } = await kv.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: first,
          SingleMasterChannelEndpointConfiguration: { Protocols: ['WSS'], Role: 'VIEWER' },
        }),
      );
      const fromApi = ResourceEndpointList[0]?.ResourceEndpoint;
      if (fromApi !== wsEndpoint(info, 'v', first)) {
        throw new Error(`endpoint mismatch: API ${fromApi} vs computed ${wsEndpoint(info, 'v', first)}`);
      }
    }
    return arns;
  } finally {
    kv.destroy();
  }
}

export function wsEndpoint(info: KvsLocalInfo, kind: 'm' | 'v', arn: string): string {
  return channelEndpoint({ http: info.endpoint, ws: info.endpoint.replace(/^http/, 'ws') }, kind, arn);
}

/** A presigned ConnectAsMaster (no clientId) or ConnectAsViewer URL. */
export function connectUrl(info: KvsLocalInfo, arn: string, clientId: string | null): string {
  const params: Record<string, string> = { 'X-Amz-ChannelARN': arn };
  if (clientId !== null) params['X-Amz-ClientId'] = clientId;
  const { accessKeyId, secretAccessKey, sessionToken } = info;
  const creds = sessionToken
    ? { accessKeyId, secretAccessKey, sessionToken }
    : { accessKeyId, secretAccessKey };
  return presignConnectUrl(
    wsEndpoint(info, clientId === null ? 'm' : 'v', arn),
    params,
    creds,
    info.region,
    Date.now(),
  );
}

export type OpenResult = { ok: true; ws: WebSocket } | { ok: false; status: number; error?: string };

/** Opens a WebSocket; a refused upgrade resolves with its HTTP status rather than rejecting. */
export function openSocket(url: string, timeoutMs = 10_000): Promise<OpenResult> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ ok: false, status: 0, error: 'timeout' });
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ ok: true, ws });
    });
    ws.once('unexpected-response', (req, res) => {
      clearTimeout(timer);
      res.resume();
      req.destroy();
      resolve({ ok: false, status: res.statusCode ?? 0 });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, status: 0, error: err.message });
    });
  });
}

/** Closes sockets and waits (bounded) for their close handshakes. */
export async function closeSockets(sockets: readonly WebSocket[], timeoutMs = 5000): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED);
  const closed = Promise.all(
    open.map(
      (ws) =>
        new Promise<void>((resolve) =>
          ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()),
        ),
    ),
  );
  for (const ws of open) ws.close(1000);
  try {
    await withTimeout(closed, timeoutMs, 'closing sockets');
  } catch {
    for (const ws of open) ws.terminate();
  }
}

// ---- connect throughput --------------------------------------------------------------------------------

export interface ConnectStormResult {
  seconds: number;
  opened: number;
  refused: number;
  errors: number;
  perSecond: number;
  /** Presign + TCP + upgrade (SigV4 check, admission, 101) until 'open', ms. */
  latency: ReturnType<Samples['summary']>;
  refusedStatuses: Record<string, number>;
}

/**
 * Viewers connect (presigned URL → upgrade → open) and close at once, `concurrency` at a time, round-robin
 * over `arns`, for `durationMs`. Counts connects that reached 'open'.
 */
export async function connectStorm(
  info: KvsLocalInfo,
  arns: readonly string[],
  opts: { durationMs: number; concurrency: number },
): Promise<ConnectStormResult> {
  const latency = new Samples(200_000);
  const closing: Array<Promise<void>> = [];
  const refusedStatuses: Record<string, number> = {};
  let opened = 0;
  let refused = 0;
  let errors = 0;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + opts.durationMs;
  const worker = async (): Promise<void> => {
    // Bounded by time; each iteration awaits one connect (which has its own timeout).
    while (performance.now() < end) {
      const i = n++;
      const start = performance.now();
      const r = await openSocket(connectUrl(info, arns[i % arns.length]!, `bench-c${i}`));
      if (r.ok) {
        opened++;
        latency.add(performance.now() - start);
        const ws = r.ws;
        closing.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
        ws.close(1000);
      } else if (r.status > 0) {
        refused++;
        refusedStatuses[r.status] = (refusedStatuses[r.status] ?? 0) + 1;
      } else {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await withTimeout(Promise.all(closing), 10_000, 'closing connect-storm sockets').catch(() => undefined);
  return {
    seconds,
    opened,
    refused,
    errors,
    perSecond: opened / seconds,
    latency: latency.summary(),
    refusedStatuses,
  };
}

/**
 * Opens `perChannel` viewers on every channel while staying inside the per-channel connect TPS
 * (`tpsPerChannel` per second per channel and role), as a polite client would; refused ones are retried in
 * the next round. Returns the open sockets.
 */
export async function connectViewersPaced(
  info: KvsLocalInfo,
  arns: readonly string[],
  perChannel: number,
  tpsPerChannel: number,
  tag: string,
): Promise<{
  sockets: Map<string, Array<{ clientId: string; ws: WebSocket }>>;
  refused: number;
  seconds: number;
}> {
  const sockets = new Map<string, Array<{ clientId: string; ws: WebSocket }>>(arns.map((a) => [a, []]));
  const todo: Array<{ arn: string; clientId: string }> = [];
  for (const arn of arns) for (let v = 0; v < perChannel; v++) todo.push({ arn, clientId: `${tag}-${v}` });
  let refused = 0;
  const t0 = performance.now();
  const rounds = Math.ceil(perChannel / tpsPerChannel) + 6;
  for (let round = 0; round < rounds && todo.length > 0; round++) {
    const roundStart = performance.now();
    const perArn = new Map<string, number>();
    const batch: typeof todo = [];
    for (let i = 0; i < todo.length;) {
      const item = todo[i]!;
      const used = perArn.get(item.arn) ?? 0;
      if (used < tpsPerChannel) {
        perArn.set(item.arn, used + 1);
        batch.push(item);
        todo.splice(i, 1);
      } else i++;
    }
    const results = await mapLimit(batch, 64, (item) =>
      openSocket(connectUrl(info, item.arn, item.clientId)),
    );
    results.forEach((r, i) => {
      const item = batch[i]!;
      if (r.ok) sockets.get(item.arn)!.push({ clientId: item.clientId, ws: r.ws });
      else {
        refused++;
        todo.push(item);
      }
    });
    if (todo.length > 0) await sleep(Math.max(0, 1050 - (performance.now() - roundStart)));
  }
  if (todo.length > 0) throw new Error(`${todo.length} viewer(s) could not connect`);
  return { sockets, refused, seconds: (performance.now() - t0) / 1000 };
}

// ---- message load ----------------------------------------------------------------------------------------

interface Peer {
  ws: WebSocket;
  group: Group;
  /** null for the master. */
  clientId: string | null;
  inflight: number;
  window: number;
  n: number;
}

class Group {
  master!: Peer;
  readonly viewers: Peer[] = [];
  readonly byId = new Map<string, Peer>();
  /** Round-robin position of the master's next recipient. */
  next = 0;
}

/** One connected channel: its master socket and its viewers' sockets with their ClientIds. */
export interface ChannelSockets {
  master: WebSocket;
  viewers: Array<{ clientId: string; ws: WebSocket }>;
}

export interface LoadPhaseResult {
  /** Messages received by their recipients per second inside the measured window. */
  deliveredPerSecond: number;
  /** Messages sent per second inside the measured window (fixed rate: the achieved offered rate). */
  sentPerSecond: number;
  /** Latency from the sender's send() to the recipient's parse, ms (messages sent and received in window). */
  latency: ReturnType<Samples['summary']>;
  seconds: number;
  sent: number;
  received: number;
  /** STATUS_RESPONSE frames (rejections of correlated messages). */
  rejected: number;
  /** Sent but neither delivered nor rejected once the phase drained. */
  lost: number;
  /** Fixed rate: messages the sender could not send on time and skipped (sender overloaded). */
  skipped: number;
  /** CPU, event-loop delay and GC over the measured window. */
  stats: PhaseStats;
  sdpShare: number;
}

// A srflx candidate and a browser-like VP8 + Opus offer/answer (see payloadSizes); the stamp rides in them.
const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 198.51.100.23 51234 typ srflx raddr 10.0.0.5 rport 51234 generation 0 ufrag Xq7d network-cost 999';
const SDP = JSON.stringify(
  [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:Xq7d',
    'a=ice-pwd:4ZcD0bVp9lWnVKrcqmP0x1mJ',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 9B:2F:4C:61:DA:0E:8F:3A:77:51:C2:9B:EE:04:13:6D:B0:49:5E:A1:2C:8D:F7:63:10:9A:3E:C4:5B:86:D2:71',
    'a=setup:actpass',
    'a=mid:0',
    ...Array.from(
      { length: 14 },
      (_, i) => `a=extmap:${i + 1} urn:ietf:params:rtp-hdrext:bench-extension-${i}`,
    ),
    'a=recvonly',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    ...[96, 97, 98, 99, 100, 101, 102].flatMap((pt) => [
      `a=rtpmap:${pt} VP8/90000`,
      `a=rtcp-fb:${pt} goog-remb`,
      `a=rtcp-fb:${pt} transport-cc`,
      `a=rtcp-fb:${pt} ccm fir`,
      `a=rtcp-fb:${pt} nack`,
      `a=rtcp-fb:${pt} nack pli`,
    ]),
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=sendrecv',
    'a=msid:- 2b0f6c3e-6a2e-4f0b-9d4e-1c8f5a2b7d90',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:3735928559 cname:bench',
    '',
  ].join('\r\n'),
);

// Payloads are JSON whose first member is the send time as a fixed-width string: `{"t":"<16 chars>",` is
// exactly 24 bytes, so its base64 (32 chars) can be prepended to the precomputed base64 of the rest, and a
// recipient can read the stamp by decoding 32 characters. That keeps the load generator's own work (and
// its garbage, whose GC pauses would show up as broker latency) small; the broker sees ordinary payloads.
const STAMP_B64_CHARS = 32;
const REST = {
  ice: b64(`"candidate":"${CANDIDATE}","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Xq7d"}`),
  offer: b64(`"type":"offer","sdp":${SDP}}`),
  answer: b64(`"type":"answer","sdp":${SDP}}`),
};

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The base64 messagePayload of an SDP offer/answer or an ICE candidate stamped with `t` (ms). */
function encodedPayload(sdp: boolean, fromMaster: boolean, t: number): string {
  const stamp = b64(`{"t":"${t.toFixed(3).padStart(16, '0')}",`);
  return stamp + (sdp ? (fromMaster ? REST.answer : REST.offer) : REST.ice);
}

/** The stamp of a payload made by `encodedPayload`, read from its first 32 base64 characters. */
function payloadStamp(frame: string, payloadAt: number): number {
  return Number(
    Buffer.from(frame.slice(payloadAt, payloadAt + STAMP_B64_CHARS), 'base64').toString('latin1', 6, 22),
  );
}

/** Sizes (bytes) of the messagePayloads the load sends, for the report. */
export function payloadSizes(): { iceCandidate: number; sdp: number } {
  const t = performance.now();
  return { iceCandidate: encodedPayload(false, false, t).length, sdp: encodedPayload(true, false, t).length };
}

const PAYLOAD_KEY = '"messagePayload":"';
const SENDER_KEY = '"senderClientId":"';

/**
 * Drives SDP/ICE traffic through the broker over already-open sockets: viewers send to their master and
 * masters to each of their viewers, every `sdpEvery`-th message of a sender an SDP offer/answer and the rest
 * ICE candidates. Each payload carries `performance.now()` at send time; the recipient (same process) reads
 * it (see encodedPayload) and records the latency.
 */
export class SignalingLoad {
  private readonly groups: Group[];
  private readonly peers: Peer[] = [];
  private samples = new Samples(1);
  private windowStart = Infinity;
  private windowEnd = -Infinity;
  private inWindowReceived = 0;
  private inWindowSent = 0;
  private sentTotal = 0;
  private receivedTotal = 0;
  private rejectedTotal = 0;
  private sdpSent = 0;
  private closedLoop = false;

  constructor(
    channels: readonly ChannelSockets[],
    private readonly opts: { sdpEvery: number; correlate: boolean },
  ) {
    this.groups = channels.map((c) => {
      const group = new Group();
      group.master = this.peer(c.master, group, null);
      for (const v of c.viewers) {
        const p = this.peer(v.ws, group, v.clientId);
        group.viewers.push(p);
        group.byId.set(v.clientId, p);
      }
      return group;
    });
  }

  private peer(ws: WebSocket, group: Group, clientId: string | null): Peer {
    const p: Peer = { ws, group, clientId, inflight: 0, window: 0, n: 0 };
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) this.onFrame(p, data);
    });
    this.peers.push(p);
    return p;
  }

  private onFrame(peer: Peer, data: Buffer): void {
    // Frames are ASCII JSON; the fields this needs are found by key rather than by parsing the whole frame.
    const text = data.toString('latin1');
    if (text.includes('"STATUS_RESPONSE"')) {
      // A rejection of this peer's own message: it will never be delivered.
      this.rejectedTotal++;
      peer.inflight--;
      return;
    }
    const at = text.indexOf(PAYLOAD_KEY);
    if (at < 0) return;
    const sentAt = payloadStamp(text, at + PAYLOAD_KEY.length);
    const now = performance.now();
    this.receivedTotal++;
    if (now >= this.windowStart && now <= this.windowEnd) {
      this.inWindowReceived++;
      if (sentAt >= this.windowStart) this.samples.add(now - sentAt);
    }
    let from: Peer | undefined = peer.group.master;
    if (peer.clientId === null) {
      const s = text.indexOf(SENDER_KEY);
      from =
        s < 0
          ? undefined
          : peer.group.byId.get(text.slice(s + SENDER_KEY.length, text.indexOf('"', s + SENDER_KEY.length)));
    }
    if (!from) return;
    from.inflight--;
    if (this.closedLoop) while (from.inflight < from.window) this.send(from);
  }

  private send(peer: Peer): void {
    const isMaster = peer.clientId === null;
    const sdp = this.opts.sdpEvery > 0 && ++peer.n % this.opts.sdpEvery === 0;
    const t = performance.now();
    const payload = encodedPayload(sdp, isMaster, t);
    const action = sdp ? (isMaster ? 'SDP_ANSWER' : 'SDP_OFFER') : 'ICE_CANDIDATE';
    const corr = this.opts.correlate ? `,"correlationId":"b${this.sentTotal}"` : '';
    let frame: string;
    if (isMaster) {
      const g = peer.group;
      const to = g.viewers[g.next++ % g.viewers.length]!;
      frame = `{"action":"${action}","recipientClientId":"${to.clientId}","messagePayload":"${payload}"${corr}}`;
    } else {
      frame = `{"action":"${action}","messagePayload":"${payload}"${corr}}`;
    }
    peer.ws.send(frame);
    peer.inflight++;
    this.sentTotal++;
    if (sdp) this.sdpSent++;
    if (t >= this.windowStart && t <= this.windowEnd) this.inWindowSent++;
  }

  private beginWindow(warmupMs: number, measureMs: number): void {
    this.samples = new Samples(2_000_000);
    this.inWindowReceived = 0;
    this.inWindowSent = 0;
    this.windowStart = performance.now() + warmupMs;
    this.windowEnd = this.windowStart + measureMs;
  }

  private async drain(timeoutMs: number): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end && this.peers.some((p) => p.inflight > 0)) await sleep(20);
  }

  private async result(
    before: { sent: number; received: number; rejected: number; sdp: number },
    stats: PhaseStats,
  ): Promise<LoadPhaseResult> {
    await this.drain(5000);
    const seconds = (this.windowEnd - this.windowStart) / 1000;
    const sent = this.sentTotal - before.sent;
    const received = this.receivedTotal - before.received;
    const rejected = this.rejectedTotal - before.rejected;
    for (const p of this.peers) p.inflight = 0; // Lost messages must not shrink the next phase's window.
    return {
      deliveredPerSecond: this.inWindowReceived / seconds,
      sentPerSecond: this.inWindowSent / seconds,
      latency: this.samples.summary(),
      seconds,
      sent,
      received,
      rejected,
      lost: Math.max(0, sent - received - rejected),
      skipped: 0,
      stats,
      sdpShare: sent ? (this.sdpSent - before.sdp) / sent : 0,
    };
  }

  private snapshot(): { sent: number; received: number; rejected: number; sdp: number } {
    return {
      sent: this.sentTotal,
      received: this.receivedTotal,
      rejected: this.rejectedTotal,
      sdp: this.sdpSent,
    };
  }

  /**
   * Closed loop: every viewer keeps `window` messages in flight to its master, every master `window` per
   * viewer; each delivery triggers the next send. Measures the most the broker (or the clients) can move.
   */
  async saturate(
    opts: { window: number; warmupMs: number; measureMs: number },
    probe: PhaseProbe,
  ): Promise<LoadPhaseResult> {
    const before = this.snapshot();
    this.beginWindow(opts.warmupMs, opts.measureMs);
    for (const p of this.peers)
      p.window = p.clientId === null ? opts.window * p.group.viewers.length : opts.window;
    this.closedLoop = true;
    for (const p of this.peers) while (p.inflight < p.window) this.send(p);
    await sleep(opts.warmupMs);
    const stop = probe.start();
    await sleep(opts.measureMs);
    const stats = await stop();
    this.closedLoop = false;
    return this.result(before, stats);
  }

  /**
   * Open loop at `rate` messages/s in total, spread evenly: each cycle visits every viewer once and every
   * master `masterWeight` times (1 = each connection sends at the same rate; viewers.length = a master sends
   * as much as all its viewers together). A 1 ms ticker sends whatever is due; a sender more than 50 ms
   * behind skips (and counts) the backlog instead of bursting it.
   */
  async fixedRate(
    opts: { rate: number; warmupMs: number; measureMs: number; masterWeight: 'one' | 'viewers' },
    probe: PhaseProbe,
  ): Promise<LoadPhaseResult> {
    const before = this.snapshot();
    const order: Peer[] = [];
    const maxViewers = Math.max(...this.groups.map((g) => g.viewers.length));
    for (let v = 0; v < maxViewers; v++) {
      for (const g of this.groups) {
        const viewer = g.viewers[v];
        if (viewer) order.push(viewer);
        if (opts.masterWeight === 'viewers' ? viewer !== undefined : v === 0) order.push(g.master);
      }
    }
    this.beginWindow(opts.warmupMs, opts.measureMs);
    const t0 = performance.now();
    const end = this.windowEnd;
    const maxBacklog = Math.max(1, Math.round(opts.rate * 0.05));
    let scheduled = 0;
    let skipped = 0;
    let cursor = 0;
    let stop: (() => Promise<PhaseStats>) | undefined;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (stop === undefined && now >= this.windowStart) stop = probe.start();
        if (now >= end) {
          clearInterval(timer);
          resolve();
          return;
        }
        let due = Math.floor(((now - t0) / 1000) * opts.rate) - scheduled;
        scheduled += due;
        if (due > maxBacklog) {
          skipped += due - maxBacklog;
          due = maxBacklog;
        }
        for (let i = 0; i < due; i++) this.send(order[cursor++ % order.length]!);
      }, 1);
    });
    if (!stop) throw new Error('the measured window never started');
    const r = await this.result(before, await stop());
    return { ...r, skipped };
  }
}

/** What a phase measured besides messages: CPU (watched pid 0 = kvs-local), event loops and GC. */
export interface PhaseStats {
  cpu: CpuReading;
  client: LoopStats;
  server: LoopStats | null;
}

/** Starts measuring a window; the returned function ends it. */
export interface PhaseProbe {
  start(): () => Promise<PhaseStats>;
}
