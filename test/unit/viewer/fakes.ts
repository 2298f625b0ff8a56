/**
 * Fakes for the viewer session: a manual clock, a scripted IPC api, a signaling socket and a peer that
 * record what the session did and let a test play the service's and the browser's part.
 */
import type { Channel, Req, Res } from '../../../src-shared/ipc/contract';
import type { IpcResult } from '../../../src-shared/ipc/errors';
import { ipcError, type ErrorCode } from '../../../src-shared/ipc/errors';
import type {
  Clock,
  Logger,
  PeerInit,
  PeerPort,
  PeerState,
  SignalingInit,
  SignalingPort,
  ViewerApi,
  ViewerDeps,
} from '../../../src-renderer/viewer/ports';
import { createSession } from '../../../src-renderer/viewer/session';
import type { TileStats, ViewerEvent, ViewerSession } from '../../../src-renderer/viewer/types';

export const CHANNEL = 'arn:aws:kinesisvideo:us-west-2:123456789012:channel/lobby/1700000000000';
export const TILE = 'tile-1';
export const CLIENT_ID = 'wf-abcd1234-tile-1';

/** Lets pending promise continuations run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t = 1_700_000_000_000;
  private nextId = 1;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time by `ms`, firing due timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

type Handler<C extends Channel> = (req: Req<C>) => IpcResult<Res<C>> | Promise<IpcResult<Res<C>>>;

export function fail<T>(code: ErrorCode, message = `${code} happened`): IpcResult<T> {
  return { ok: false, error: ipcError(code, message) };
}

export function prepared(storage = false): Res<'kvs:prepareViewer'> {
  return {
    clientId: CLIENT_ID,
    region: 'us-west-2',
    endpoints: {
      wss: 'wss://v-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com',
      https: 'https://r-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com',
      webrtc: storage ? 'https://w-1a2b3c4d.kinesisvideo.us-west-2.amazonaws.com' : null,
    },
    iceServers: [{ urls: ['stun:stun.kinesisvideo.us-west-2.amazonaws.com:443'] }],
    storage: { status: storage ? 'ENABLED' : 'DISABLED', streamArn: null },
  };
}

/** The preload's invoke, answering from per-channel handlers and recording every call. */
export class FakeApi implements ViewerApi {
  readonly calls: Array<{ channel: Channel; req: unknown }> = [];
  private readonly handlers = new Map<Channel, (req: never) => unknown>();

  constructor(storage = false) {
    this.on('kvs:prepareViewer', () => ({ ok: true, value: prepared(storage) }));
    this.on('kvs:signConnectUrl', () => ({
      ok: true,
      value: { url: 'wss://signed.example/?X-Amz-Signature=x' },
    }));
    this.on('kvs:connectFailed', () => ({ ok: true, value: {} }));
    this.on('storage:joinAsViewer', () => ({ ok: true, value: {} }));
  }

  on<C extends Channel>(channel: C, handler: Handler<C>): void {
    this.handlers.set(channel, handler);
  }

  count(channel: Channel): number {
    return this.calls.filter((c) => c.channel === channel).length;
  }

  invoke<C extends Channel>(channel: C, req: Req<C>): Promise<IpcResult<Res<C>>> {
    this.calls.push({ channel, req });
    const handler = this.handlers.get(channel);
    if (!handler) return Promise.resolve(fail('Internal', `no fake for ${channel}`));
    return Promise.resolve((handler as Handler<C>)(req));
  }
}

export type Sent =
  | { type: 'offer'; sdp: string | undefined; correlationId?: string }
  | { type: 'answer'; sdp: string | undefined; correlationId?: string }
  | { type: 'candidate'; candidate: string | undefined };

/** One signaling socket. `open()` signs through the session's signer, then waits for the test. */
export class FakeSignaling implements SignalingPort {
  readonly sent: Sent[] = [];
  state: 'new' | 'signing' | 'connecting' | 'open' | 'closed' = 'new';
  closedByClient = false;
  drains = 0;
  resets = 0;

  constructor(
    readonly init: SignalingInit,
    private readonly autoOpen: boolean,
  ) {}

  open(): void {
    this.state = 'signing';
    this.init.signer.getSignedURL(this.init.endpoint, { 'X-Amz-ChannelARN': this.init.channelArn }).then(
      () => {
        if (this.state !== 'signing') return;
        this.state = 'connecting';
        if (this.autoOpen) this.accept();
      },
      (error: unknown) => {
        if (this.state !== 'signing') return;
        this.state = 'closed';
        this.init.events.onClose({ wasOpen: false, error });
      },
    );
  }

  close(): void {
    this.closedByClient = true;
    this.state = 'closed';
  }

  sendOffer(offer: RTCSessionDescriptionInit, correlationId?: string): void {
    this.assertOpen();
    this.sent.push({ type: 'offer', sdp: offer.sdp, correlationId });
  }

  sendAnswer(answer: RTCSessionDescriptionInit, correlationId?: string): void {
    this.assertOpen();
    this.sent.push({ type: 'answer', sdp: answer.sdp, correlationId });
  }

  sendCandidate(candidate: RTCIceCandidateInit): void {
    this.assertOpen();
    this.sent.push({ type: 'candidate', candidate: candidate.candidate });
  }

  remoteDescriptionApplied(): void {
    this.drains += 1;
  }

  resetCandidates(): void {
    this.resets += 1;
  }

  // --- the service's side ---
  accept(): void {
    if (this.state !== 'connecting') throw new Error(`cannot accept in state ${this.state}`);
    this.state = 'open';
    this.init.events.onOpen();
  }

  refuse(): void {
    this.state = 'closed';
    this.init.events.onClose({ wasOpen: false, error: new Error('refused') });
  }

  /** Idle timeout, 1 h cap, GO_AWAY + close, network loss: the socket closes under the viewer. */
  drop(): void {
    this.state = 'closed';
    this.init.events.onClose({ wasOpen: true, error: null });
  }

  answer(sdp = 'v=0 answer'): void {
    this.init.events.onAnswer({ type: 'answer', sdp });
  }

  offer(sdp = 'v=0 storage offer', sender?: string): void {
    this.init.events.onOffer({ type: 'offer', sdp }, sender);
  }

  candidate(candidate: string): void {
    this.init.events.onCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 });
  }

  offers(): Sent[] {
    return this.sent.filter((s) => s.type === 'offer');
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error(`send on a ${this.state} socket`);
  }
}

/** One peer connection, modelled as far as the session can observe it. */
export class FakePeer implements PeerPort {
  readonly offers: Array<{ iceRestart: boolean }> = [];
  readonly remoteCandidates: string[] = [];
  readonly remoteDescriptions: Array<RTCSessionDescriptionInit> = [];
  /** The audio sender's track; there is no video sender at all. */
  audioTrack: MediaStreamTrack | null = null;
  readonly sendersAdded: string[] = [];
  paused = false;
  closed = false;
  failAnswer: Error | null = null;
  private remoteSet = false;

  constructor(readonly init: PeerInit) {}

  createOffer(options?: { iceRestart?: boolean }): Promise<RTCSessionDescriptionInit> {
    this.offers.push({ iceRestart: options?.iceRestart === true });
    return Promise.resolve({ type: 'offer', sdp: `v=0 offer ${this.offers.length}` });
  }

  acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void> {
    if (this.failAnswer) return Promise.reject(this.failAnswer);
    this.remoteDescriptions.push(answer);
    this.remoteSet = true;
    return Promise.resolve();
  }

  acceptOffer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    this.remoteDescriptions.push(offer);
    this.remoteSet = true;
    return Promise.resolve({ type: 'answer', sdp: 'v=0 viewer answer' });
  }

  addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    // As RTCPeerConnection does: a candidate without a remote description is an error.
    if (!this.remoteSet) return Promise.reject(new Error('InvalidStateError: no remote description'));
    this.remoteCandidates.push(candidate.candidate ?? '');
    return Promise.resolve();
  }

  setMicTrack(track: MediaStreamTrack | null): Promise<void> {
    if (track && track.kind !== 'audio') {
      this.sendersAdded.push(track.kind);
      return Promise.reject(new Error('video sent'));
    }
    this.audioTrack = track;
    return Promise.resolve();
  }

  setVideoPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    return Promise.resolve();
  }

  getStats(): Promise<TileStats> {
    return Promise.resolve({
      at: 0,
      fps: 25,
      width: 640,
      height: 360,
      bitrateKbps: 800,
      rttMs: 12,
      jitterMs: 3,
      packetsLostPct: 0,
      candidateType: 'host',
      relayed: false,
      audioLevel: 0.1,
      codec: 'video/VP8',
    });
  }

  close(): void {
    this.closed = true;
  }

  // --- the browser's side ---
  localCandidate(candidate: string): void {
    this.init.events.onCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0 });
  }

  state(state: PeerState): void {
    this.init.events.onConnectionState(state);
  }

  stream(): MediaStream {
    const stream = { id: `stream-${Math.random()}` } as unknown as MediaStream;
    this.init.events.onStream(stream);
    return stream;
  }
}

export const silentLog: Logger = { debug: () => {}, info: () => {}, warn: () => {} };

export interface Rig {
  session: ViewerSession;
  clock: FakeClock;
  api: FakeApi;
  sigs: FakeSignaling[];
  peers: FakePeer[];
  events: ViewerEvent[];
  /** Last signaling socket / peer created. */
  sig(): FakeSignaling;
  peer(): FakePeer;
  states(): string[];
}

export function rig(
  options: { storage?: boolean; autoOpen?: boolean; random?: () => number } = {},
  deps: Partial<ViewerDeps> = {},
): Rig {
  const clock = new FakeClock();
  const api = new FakeApi(options.storage ?? false);
  const sigs: FakeSignaling[] = [];
  const peers: FakePeer[] = [];
  const session = createSession(
    { tileId: TILE, channelArn: CHANNEL },
    {
      api,
      clock,
      random: options.random ?? (() => 0.5),
      log: silentLog,
      signaling: (init) => {
        const s = new FakeSignaling(init, options.autoOpen ?? true);
        sigs.push(s);
        return s;
      },
      peer: (init) => {
        const p = new FakePeer(init);
        peers.push(p);
        return p;
      },
      ...deps,
    },
  );
  const events: ViewerEvent[] = [];
  session.subscribe((e) => events.push(e));
  const last = <T>(xs: T[], what: string): T => {
    const x = xs.at(-1);
    if (!x) throw new Error(`no ${what} yet`);
    return x;
  };
  return {
    session,
    clock,
    api,
    sigs,
    peers,
    events,
    sig: () => last(sigs, 'signaling'),
    peer: () => last(peers, 'peer'),
    states: () => events.flatMap((e) => (e.type === 'transition' ? [e.to] : [])),
  };
}

/** Starts a P2P session and brings it to live (answer + connected + first picture). */
export async function goLive(r: Rig): Promise<void> {
  void r.session.start();
  await settle();
  r.sig().answer();
  await settle();
  r.peer().state('connected');
  r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 40 });
  await settle();
}

/** Advances the clock by `ms` while the picture keeps advancing (a healthy camera), 4 notes a second. */
export async function play(r: Rig, ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 250) {
    r.session.notePicture({ at: r.clock.now(), advanced: true, g2gMs: 40, frames: 6 });
    await r.clock.advance(Math.min(250, left));
  }
}
