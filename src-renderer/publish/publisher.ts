/**
 * "Publish from this station": the console as the producing device (master) of a storage-enabled channel,
 * with the local camera and microphone (design.md flow 3, kvs-reference §6.2). ConnectAsMaster through a
 * signer that asks main for every URL; on open, JoinStorageSession; the media server OFFERS (no
 * senderClientId) and the station answers with H.264 + Opus, trickling ICE without a recipient.
 * Retries follow §6.2 (joinPolicy.ts). When a more recent device wins the channel the station stops and says
 * so instead of fighting it: a takeover is never retried by itself.
 */
import type { WatchfloorApi } from '../../src-shared/ipc/api';
import type { Channel, Req, Res } from '../../src-shared/ipc/contract';
import type { IpcError } from '../../src-shared/ipc/errors';
import {
  CONNECT_WAIT_MS,
  FailureWindow,
  MAX_JOIN_RETRIES,
  OFFER_WAIT_MS,
  closeMeansTakeover,
  joinRetryDelayMs,
  joinRetryable,
} from './joinPolicy';
import { openMasterSignaling, type MasterSignaling } from './masterSignaling';

export type PublisherState =
  | 'idle'
  | 'preparing'
  | 'connecting'
  | 'joining'
  | 'answering'
  | 'live'
  | 'taken-over'
  | 'failed'
  | 'stopped';

export interface PublisherSnapshot {
  state: PublisherState;
  channelArn: string;
  /** What the operator should read (why it failed, who took over, what is being retried). */
  message: string | null;
  startedAt: number | null;
  joins: number;
}

export interface PublisherDeps {
  invoke: WatchfloorApi['invoke'];
  /** The local camera and microphone (asked on the operator's action). */
  getMedia(): Promise<MediaStream>;
  openSignaling?: typeof openMasterSignaling;
  createPeer?: (config: RTCConfiguration) => RTCPeerConnection;
  random?: () => number;
  now?: () => number;
}

class PublishError extends Error {
  constructor(readonly ipc: IpcError) {
    super(ipc.message);
  }
}

const TAKEN_OVER = 'Another device took over this channel. Publishing stopped.';

/** One publishing run per channel; `stop()` ends it (idempotent). */
export class Publisher {
  private snap: PublisherSnapshot;
  private readonly listeners = new Set<(s: PublisherSnapshot) => void>();
  private media: MediaStream | null = null;
  private signaling: MasterSignaling | null = null;
  private peer: RTCPeerConnection | null = null;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private readonly failures = new FailureWindow();
  private ended = false;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    readonly channelArn: string,
    private readonly deps: PublisherDeps,
  ) {
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? Date.now;
    this.snap = { state: 'idle', channelArn, message: null, startedAt: null, joins: 0 };
  }

  snapshot(): PublisherSnapshot {
    return this.snap;
  }

  subscribe(listener: (s: PublisherSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The local preview stream once the camera is open. */
  localStream(): MediaStream | null {
    return this.media;
  }

  async start(): Promise<void> {
    if (this.snap.state !== 'idle') return;
    this.set('preparing', null, { startedAt: this.now() });
    try {
      const prep = await this.call('kvs:preparePublisher', { channelArn: this.channelArn });
      this.media = await this.deps.getMedia();
      if (this.ended) return this.releaseMedia();
      if (this.media.getVideoTracks().length === 0) {
        throw new PublishError({
          code: 'InvalidArgument',
          message: 'No camera: a storage session needs video.',
          retryable: false,
        });
      }
      this.set('connecting', null);
      this.signaling = (this.deps.openSignaling ?? openMasterSignaling)({
        channelArn: this.channelArn,
        endpoint: prep.endpoints.wss,
        region: prep.region,
        sign: async (endpoint, queryParams, date) =>
          (
            await this.call('kvs:signMasterUrl', {
              channelArn: this.channelArn,
              endpoint,
              queryParams,
              signingDate: date.getTime(),
            })
          ).url,
      });
      this.wireSignaling(this.signaling, prep.iceServers);
    } catch (err) {
      await this.fail(err);
    }
  }

  /** Stops publishing (the operator's action); records the run in the audit log. */
  async stop(): Promise<void> {
    await this.end('stopped', null);
  }

  private wireSignaling(signaling: MasterSignaling, iceServers: RTCIceServer[]): void {
    signaling.on('open', () => void this.join());
    signaling.on('offer', (offer) => void this.answer(offer, iceServers));
    signaling.on('candidate', (candidate) => {
      if (this.peer?.remoteDescription) void this.peer.addIceCandidate(candidate).catch(() => {});
      else this.pendingCandidates.push(candidate);
    });
    signaling.on('close', (close) => {
      if (this.ended) return;
      if (closeMeansTakeover(close)) void this.end('taken-over', TAKEN_OVER);
      else
        void this.fail(
          new PublishError({ code: 'Offline', message: 'The signaling connection closed.', retryable: true }),
        );
    });
    signaling.open();
  }

  /** JoinStorageSession; without an offer in 6 s, join again (§6.2 step 6). */
  private async join(): Promise<void> {
    if (this.ended) return;
    this.set(
      'joining',
      this.retries > 0 ? `No offer yet — joining again (${this.retries}/${MAX_JOIN_RETRIES})…` : null,
      {
        joins: this.snap.joins + 1,
      },
    );
    try {
      await this.call('storage:joinAsMaster', { channelArn: this.channelArn });
    } catch (err) {
      const ipc = err instanceof PublishError ? err.ipc : null;
      if (!ipc || !joinRetryable(ipc) || this.retries >= MAX_JOIN_RETRIES) return this.fail(err);
    }
    this.arm(this.retries === 0 ? OFFER_WAIT_MS : joinRetryDelayMs(this.retries, this.random), () => {
      if (this.snap.state !== 'joining') return;
      if (++this.retries > MAX_JOIN_RETRIES) {
        void this.fail(
          new PublishError({
            code: 'Offline',
            message: 'The storage session never sent an offer.',
            retryable: true,
          }),
        );
      } else void this.join();
    });
  }

  private async answer(offer: RTCSessionDescriptionInit, iceServers: RTCIceServer[]): Promise<void> {
    if (this.ended || !this.media || !this.signaling) return;
    this.disarm();
    this.retries = 0;
    this.set('answering', null);
    this.peer?.close();
    const pc = (this.deps.createPeer ?? ((c) => new RTCPeerConnection(c)))({ iceServers });
    this.peer = pc;
    const signaling = this.signaling;
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) signaling.sendCandidate(candidate);
    });
    pc.addEventListener('connectionstatechange', () => this.onPeerState(pc));
    try {
      await pc.setRemoteDescription(offer);
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.receiver.track.kind;
        const track = kind === 'video' ? this.media.getVideoTracks()[0] : this.media.getAudioTracks()[0];
        if (track) await transceiver.sender.replaceTrack(track);
        transceiver.direction = kind === 'video' ? 'sendonly' : 'sendrecv';
        if (kind === 'video') preferH264(transceiver);
      }
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc.localDescription) signaling.sendAnswer(pc.localDescription);
      for (const c of this.pendingCandidates.splice(0)) await pc.addIceCandidate(c).catch(() => {});
      this.arm(CONNECT_WAIT_MS, () => {
        if (this.peer === pc && pc.connectionState !== 'connected')
          void this.connectionFailed('not connected within 30 s');
      });
    } catch (err) {
      await this.fail(err);
    }
  }

  private onPeerState(pc: RTCPeerConnection): void {
    if (this.peer !== pc || this.ended) return;
    if (pc.connectionState === 'connected') {
      this.disarm();
      this.set('live', null);
    } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
      // The media server dropped us while our signaling is still open: a more recent device joined.
      if (this.snap.state === 'live' && this.signaling?.isOpen()) void this.end('taken-over', TAKEN_OVER);
      else void this.connectionFailed(`media connection ${pc.connectionState}`);
    }
  }

  private async connectionFailed(why: string): Promise<void> {
    if (this.failures.record(this.now())) {
      return this.end('failed', `Gave up after 5 failed connections in 10 minutes (last: ${why}).`);
    }
    this.peer?.close();
    this.peer = null;
    this.pendingCandidates = [];
    await this.join();
  }

  private async fail(err: unknown): Promise<void> {
    if (this.ended) return;
    const ipc: IpcError =
      err instanceof PublishError
        ? err.ipc
        : { code: 'Internal', message: err instanceof Error ? err.message : String(err), retryable: false };
    const message =
      err instanceof DOMException && err.name === 'NotAllowedError'
        ? 'Camera or microphone blocked — allow them for Watchfloor and try again.'
        : ipc.message;
    await this.end('failed', message);
  }

  private async end(state: 'stopped' | 'taken-over' | 'failed', message: string | null): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.disarm();
    const startedAt = this.snap.startedAt;
    this.peer?.close();
    this.peer = null;
    this.signaling?.close();
    this.signaling = null;
    this.releaseMedia();
    this.set(state, message);
    if (startedAt !== null) {
      const outcome = state === 'stopped' ? 'stopped' : state;
      await this.deps
        .invoke('audit:publish', {
          channelArn: this.channelArn,
          startedAt,
          endedAt: Math.max(startedAt, this.now()),
          outcome,
          ...(message ? { message: message.slice(0, 500) } : {}),
        })
        .catch(() => undefined);
    }
  }

  private releaseMedia(): void {
    for (const track of this.media?.getTracks() ?? []) track.stop();
    this.media = null;
  }

  private async call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>> {
    const reply = await this.deps.invoke(channel, req);
    if (!reply.ok) throw new PublishError(reply.error);
    return reply.value;
  }

  private arm(ms: number, run: () => void): void {
    this.disarm();
    this.timer = setTimeout(run, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(state: PublisherState, message: string | null, extra: Partial<PublisherSnapshot> = {}): void {
    this.snap = { ...this.snap, ...extra, state, message };
    for (const l of this.listeners) l(this.snap);
  }
}

/** Storage sessions take H.264 only (§6): offer it first so the answer never picks VP8. */
function preferH264(transceiver: RTCRtpTransceiver): void {
  const codecs = RTCRtpSender.getCapabilities?.('video')?.codecs ?? [];
  const h264 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/h264');
  if (h264.length === 0) return;
  try {
    transceiver.setCodecPreferences([
      ...h264,
      ...codecs.filter((c) => c.mimeType.toLowerCase() !== 'video/h264'),
    ]);
  } catch {
    // An answer keeps the offer's codecs anyway; the preference only orders them.
  }
}
