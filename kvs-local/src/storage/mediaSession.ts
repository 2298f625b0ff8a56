import { EventEmitter } from 'node:events';
import type { RTCPeerConnectionConfig, RtpPacket } from 'werift';
import { MAX_VIEWERS_MESSAGE, StorageSessionError, answerRefused } from './errors';
import type { AnswerResult } from './errors';
import type { RtpLike } from './h264Depacketizer';
import { OpusMixer } from './opusMixer';
import { SessionPeer } from './sessionPeer';
import type { CandidateInit, PeerState, StorageSignal } from './sessionPeer';

/** Who a signaling message of the storage session is for, or from. */
export type StorageParticipant = { role: 'MASTER' } | { role: 'VIEWER'; clientId: string };

/** Where the master's media is stored; {@link StreamRecorder} is one. */
export interface MediaSink {
  onVideoRtp(packet: RtpLike): void;
  onAudioRtp(packet: RtpLike): void;
  /** Set by the session: the sink calls it when it needs a keyframe (sent to the master as a PLI). */
  onKeyframeNeeded?: (() => void) | undefined;
  /** A new master starts sending (unrelated RTP clock and sequence numbers). */
  sourceChanged(): void;
  flush(): Promise<void>;
}

/** Events of a {@link StorageSession}; `peerId` names one connection (`master#1`, `viewer:<id>#2`). */
export interface StorageSessionEvents {
  masterConnected: [{ peerId: string }];
  masterSuperseded: [{ peerId: string; byPeerId: string }];
  masterLeft: [{ peerId: string; reason: LeaveReason }];
  viewerConnected: [{ clientId: string; peerId: string }];
  viewerSuperseded: [{ clientId: string; peerId: string; byPeerId: string }];
  viewerLeft: [{ clientId: string; peerId: string; reason: LeaveReason }];
  ended: [{ reason: 'maxDuration' | 'closed' }];
  error: [Error];
}

/** Why a participant's connection was dropped. */
export type LeaveReason = 'failed' | 'closed' | 'connectTimeout' | 'removed';

/** Options of {@link StorageSession}. */
export interface StorageSessionOptions {
  /** Sends one message to a participant over its signaling connection (no senderClientId). */
  send: (participant: StorageParticipant, message: StorageSignal) => void;
  /** Receives the master's media; the session flushes it when it ends. */
  recorder?: MediaSink;
  /** Viewers per session. Default 3 (kvs-reference §5, inferred from the JS sample). */
  maxViewers?: number;
  /**
   * A session lasts at most this long from its first join. Default 1 h (§6.2 step 7). When it
   * ends, every connection is closed and `ended` fires; a later join starts a new period.
   */
  maxDurationMs?: number;
  /** Delay before candidates and offer are sent after a join. Default 50 ms. */
  offerDelayMs?: number;
  /** A participant not connected by then is dropped and frees its slot. Default 30 s (§6.2 step 6). */
  connectTimeoutMs?: number;
  /** Also keep candidates inside the offer SDP. Default false (pure trickle). */
  inlineCandidates?: boolean;
  /** werift options (ICE servers, ports, interfaces); codecs are the session's own. */
  peerConfig?: RTCPeerConnectionConfig;
}

interface Entry {
  peerId: string;
  peer: SessionPeer;
  connectTimer: NodeJS.Timeout | undefined;
  /** SSRC of the master's video, learnt from its first packet (target of PLIs). */
  videoSsrc: number | undefined;
  /** Master generation whose RTP this viewer last received, to re-base its RTP on a switch. */
  forwardedGeneration: { video: number; audio: number };
}

const KEYFRAME_REQUEST_GAP_MS = 500;

/**
 * One channel's storage session ("media server", §6): offers to the master and to each viewer,
 * forwards the master's H.264 + Opus to viewers, mixes viewers' talk-back for the master, feeds the
 * recorder, and ends after the maximum duration. Transport-agnostic: signaling goes through
 * `options.send` and comes back through {@link onAnswer} / {@link onCandidate}.
 */
export class StorageSession extends EventEmitter<StorageSessionEvents> {
  private master: Entry | undefined;
  private readonly viewers = new Map<string, Entry>();
  private readonly mixer: OpusMixer;
  private generation = 0;
  private peerCounter = 0;
  private durationTimer: NodeJS.Timeout | undefined;
  private lastKeyframeRequest = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly recorder: MediaSink | undefined;

  constructor(private readonly options: StorageSessionOptions) {
    super();
    this.recorder = options.recorder;
    if (this.recorder) this.recorder.onKeyframeNeeded = () => this.requestKeyframe();
    this.mixer = new OpusMixer({ send: (packet) => this.sendToMaster(packet) });
  }

  /** Viewers currently holding a slot (connected or still negotiating). */
  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Connection states, for status pages and tests. */
  status(): { master: PeerState | undefined; viewers: Record<string, PeerState>; mixedPackets: number } {
    const viewers: Record<string, PeerState> = {};
    for (const [id, entry] of this.viewers) viewers[id] = entry.peer.state;
    return { master: this.master?.peer.state, viewers, mixedPackets: this.mixer.packetsSent };
  }

  /**
   * JoinStorageSession: offers a new connection to the master. The most recent master wins: an
   * earlier master's connection is closed (`masterSuperseded`). The offer leaves asynchronously.
   */
  joinMaster(): void {
    this.assertOpen();
    const previous = this.master;
    const entry = this.createEntry({ role: 'MASTER' }, `master#${++this.peerCounter}`);
    this.master = entry;
    this.generation += 1;
    if (previous) {
      this.emit('masterSuperseded', { peerId: previous.peerId, byPeerId: entry.peerId });
      this.dispose(previous);
    }
    this.recorder?.sourceChanged();
    this.wireMaster(entry);
    this.startEntry(entry);
  }

  /**
   * JoinStorageSessionAsViewer: offers a connection to the viewer `clientId`. The same clientId
   * replaces its own earlier connection; a new one beyond `maxViewers` is refused.
   * @throws StorageSessionError ClientLimitExceededException ("maximum number of viewers …")
   */
  joinViewer(clientId: string): void {
    this.assertOpen();
    const previous = this.viewers.get(clientId);
    if (!previous && this.viewers.size >= (this.options.maxViewers ?? 3)) {
      throw new StorageSessionError('ClientLimitExceededException', MAX_VIEWERS_MESSAGE);
    }
    const entry = this.createEntry({ role: 'VIEWER', clientId }, `viewer:${clientId}#${++this.peerCounter}`);
    this.viewers.set(clientId, entry);
    if (previous) {
      this.emit('viewerSuperseded', { clientId, peerId: previous.peerId, byPeerId: entry.peerId });
      this.mixer.removeSource(clientId);
      this.dispose(previous);
    }
    this.wireViewer(clientId, entry);
    this.startEntry(entry);
  }

  /** An SDP_ANSWER from a participant; a failed result is what the router turns into STATUS_RESPONSE. */
  async onAnswer(participant: StorageParticipant, sdp: string): Promise<AnswerResult> {
    const entry = this.entryOf(participant);
    if (!entry) {
      return answerRefused('InvalidArgumentException', 'No storage-session offer is awaiting an answer.');
    }
    return entry.peer.acceptAnswer(sdp);
  }

  /** An ICE_CANDIDATE from a participant (ignored when it has no connection). */
  async onCandidate(participant: StorageParticipant, candidate: CandidateInit): Promise<void> {
    await this.entryOf(participant)?.peer.addRemoteCandidate(candidate);
  }

  /** Drops a participant's connection (e.g. its channel access was revoked). */
  leave(participant: StorageParticipant): void {
    const entry = this.entryOf(participant);
    if (entry) this.drop(participant, entry, 'removed');
  }

  /** Asks the master for a keyframe (PLI), at most every 500 ms. */
  requestKeyframe(): void {
    const master = this.master;
    const ssrc = master?.videoSsrc;
    const now = Date.now();
    if (!master || ssrc === undefined || now - this.lastKeyframeRequest < KEYFRAME_REQUEST_GAP_MS) return;
    this.lastKeyframeRequest = now;
    master.peer.video.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  /** Ends the session for good: closes every connection, flushes the recorder. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.end('closed').finally(() => this.mixer.close());
    await this.closing;
  }

  private createEntry(participant: StorageParticipant, peerId: string): Entry {
    const entry: Entry = {
      peerId,
      connectTimer: undefined,
      videoSsrc: undefined,
      forwardedGeneration: { video: 0, audio: 0 },
      peer: new SessionPeer({
        role: participant.role === 'MASTER' ? 'master' : 'viewer',
        send: (message) => this.options.send(participant, message),
        offerDelayMs: this.options.offerDelayMs ?? 50,
        inlineCandidates: this.options.inlineCandidates ?? false,
        peerConfig: { iceAdditionalHostAddresses: ['127.0.0.1'], ...this.options.peerConfig },
        onState: (state) => this.onPeerState(participant, entry, state),
      }),
    };
    entry.connectTimer = setTimeout(
      () => this.drop(participant, entry, 'connectTimeout'),
      this.options.connectTimeoutMs ?? 30_000,
    );
    return entry;
  }

  private startEntry(entry: Entry): void {
    this.durationTimer ??= setTimeout(
      () => void this.end('maxDuration').catch((error: unknown) => this.fail(error)),
      this.options.maxDurationMs ?? 3_600_000,
    );
    entry.peer.start().catch((error: unknown) => this.fail(error));
  }

  private wireMaster(entry: Entry): void {
    const generation = this.generation;
    entry.peer.video.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((packet) => {
        if (this.master !== entry) return;
        entry.videoSsrc ??= packet.header.ssrc;
        this.recorder?.onVideoRtp(packet);
        this.forward('video', generation, packet);
      });
    });
    entry.peer.audio.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((packet) => {
        if (this.master !== entry) return;
        this.recorder?.onAudioRtp(packet);
        this.forward('audio', generation, packet);
      });
    });
  }

  private wireViewer(clientId: string, entry: Entry): void {
    entry.peer.audio.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((packet) => {
        if (this.viewers.get(clientId) === entry) this.mixer.push(clientId, packet.payload);
      });
    });
    entry.peer.video.sender.onPictureLossIndication.subscribe(() => this.requestKeyframe());
  }

  /** Sends the master's packet to every connected viewer (werift rewrites SSRC and payload type). */
  private forward(kind: 'video' | 'audio', generation: number, packet: RtpPacket): void {
    for (const viewer of this.viewers.values()) {
      if (viewer.peer.state !== 'connected') continue;
      const sender = viewer.peer[kind].sender;
      const out = packet.clone();
      // The master's header extensions use the master's ids, meaningless on the viewer's link.
      out.header.extensions = [];
      out.header.extension = false;
      if (viewer.forwardedGeneration[kind] !== generation) {
        // A new master: keep the viewer's sequence numbers and timestamps continuous.
        if (viewer.forwardedGeneration[kind] !== 0) sender.replaceRTP(out.header);
        viewer.forwardedGeneration[kind] = generation;
      }
      sender.sendRtp(out).catch(() => undefined);
    }
  }

  private sendToMaster(packet: RtpPacket): void {
    const master = this.master;
    if (master?.peer.state !== 'connected') return;
    master.peer.audio.sender.sendRtp(packet).catch(() => undefined);
  }

  private onPeerState(participant: StorageParticipant, entry: Entry, state: PeerState): void {
    if (state === 'connected') {
      clearTimeout(entry.connectTimer);
      entry.connectTimer = undefined;
      if (participant.role === 'MASTER') {
        if (this.master === entry) this.emit('masterConnected', { peerId: entry.peerId });
      } else if (this.viewers.get(participant.clientId) === entry) {
        this.emit('viewerConnected', { clientId: participant.clientId, peerId: entry.peerId });
      }
      // A new viewer needs a keyframe to start decoding; a new master's first one starts the recording.
      this.requestKeyframe();
    } else if (state === 'failed' || state === 'closed') {
      this.drop(participant, entry, state);
    }
  }

  private drop(participant: StorageParticipant, entry: Entry, reason: LeaveReason): void {
    if (participant.role === 'MASTER') {
      if (this.master !== entry) return;
      this.master = undefined;
      this.emit('masterLeft', { peerId: entry.peerId, reason });
    } else {
      const { clientId } = participant;
      if (this.viewers.get(clientId) !== entry) return;
      this.viewers.delete(clientId);
      this.mixer.removeSource(clientId);
      this.emit('viewerLeft', { clientId, peerId: entry.peerId, reason });
    }
    this.dispose(entry);
  }

  private dispose(entry: Entry): void {
    clearTimeout(entry.connectTimer);
    entry.peer.close().catch((error: unknown) => this.fail(error));
  }

  private async end(reason: 'maxDuration' | 'closed'): Promise<void> {
    clearTimeout(this.durationTimer);
    this.durationTimer = undefined;
    const entries = [...(this.master ? [this.master] : []), ...this.viewers.values()];
    this.master = undefined;
    for (const clientId of this.viewers.keys()) this.mixer.removeSource(clientId);
    this.viewers.clear();
    await Promise.all(
      entries.map(async (entry) => {
        clearTimeout(entry.connectTimer);
        await entry.peer.close();
      }),
    );
    await this.recorder?.flush().catch((error: unknown) => this.fail(error));
    this.emit('ended', { reason });
  }

  private entryOf(participant: StorageParticipant): Entry | undefined {
    return participant.role === 'MASTER' ? this.master : this.viewers.get(participant.clientId);
  }

  private assertOpen(): void {
    if (this.closed)
      throw new StorageSessionError('InvalidArgumentException', 'The storage session is closed.');
  }

  private fail(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    // EventEmitter throws on an unheard 'error'; a media hiccup must not bring the emulator down.
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
