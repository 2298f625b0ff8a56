import type { KvsLocalLimits } from './config';
import type { Operation } from './control/context';
import { KvsError, kvsErrors } from './errors';
import type { SignalingBroker, StorageInboundMessage, StorageRouter } from './signaling';
import type { Channel, KvsStore } from './state/store';
import {
  openRecorder,
  StorageSession,
  StorageSessionError,
  type CandidateInit,
  type RecordingSummary,
  type StreamRecorder,
} from './storage';
import { STORAGE_CHANNEL_ARN_PATTERN, ID_PATTERN } from '../../src-shared/kvs/validate';

/**
 * The WebRTC storage plane (kvs-reference.md §3, §6): JoinStorageSession / JoinStorageSessionAsViewer,
 * one media session per storage-enabled channel, wired to the signaling broker (which stops P2P routing
 * for such channels) and to a recorder per stream.
 */
export interface StorageServiceDeps {
  store: KvsStore;
  broker: SignalingBroker;
  limits: KvsLocalLimits;
  recordingsDir: string;
  log: (line: string) => void;
}

interface Active {
  channelArn: string;
  streamArn: string;
  session: StorageSession;
  recorder: StreamRecorder;
  startedAt: number;
}

/** The storage model's errors use a lowercase `message` and 403 for AccessDenied; KvsError sends both casings. */
function storageArg(body: Record<string, unknown>, field: string, pattern: RegExp, max: number): string {
  const v = body[field];
  if (typeof v !== 'string' || v.length < 1 || v.length > max || !pattern.test(v)) {
    throw kvsErrors.invalidArgument(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
  return v;
}

function isSdp(payload: unknown): payload is { sdp: string } {
  return (
    typeof payload === 'object' && payload !== null && typeof (payload as { sdp?: unknown }).sdp === 'string'
  );
}

function isCandidate(payload: unknown): payload is CandidateInit {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as { candidate?: unknown }).candidate === 'string'
  );
}

export class StorageService {
  private readonly active = new Map<string, Active>();
  /** Sessions being created, so two concurrent joins share one session. */
  private readonly pending = new Map<string, Promise<Active>>();
  private closed = false;

  constructor(private readonly deps: StorageServiceDeps) {
    deps.store.on('storageChanged', (channel) => {
      if (
        channel.storage.status !== 'ENABLED' ||
        this.active.get(channel.arn)?.streamArn !== channel.storage.streamArn
      ) {
        void this.end(channel.arn, 'media storage configuration changed');
      }
    });
    deps.store.on('channelDeleted', (channel) => void this.end(channel.arn, 'channel deleted'));
  }

  operations(): Record<string, Operation> {
    return {
      JoinStorageSession: async (body) => {
        const channel = this.channelFor(storageArg(body, 'channelArn', STORAGE_CHANNEL_ARN_PATTERN, 1024));
        const active = await this.sessionFor(channel);
        active.session.joinMaster();
        return null;
      },
      JoinStorageSessionAsViewer: async (body) => {
        const channel = this.channelFor(storageArg(body, 'channelArn', STORAGE_CHANNEL_ARN_PATTERN, 1024));
        const clientId = storageArg(body, 'clientId', ID_PATTERN, 256);
        const active = await this.sessionFor(channel);
        try {
          active.session.joinViewer(clientId);
        } catch (err) {
          if (err instanceof StorageSessionError)
            throw new KvsError(err.errorType, Number(err.statusCode), err.message);
          throw err;
        }
        return null;
      },
    };
  }

  /** Sessions for the admin API. */
  sessions(): Array<{
    channelArn: string;
    streamArn: string;
    startedAt: number;
    status: ReturnType<StorageSession['status']>;
  }> {
    return [...this.active.values()].map((a) => ({
      channelArn: a.channelArn,
      streamArn: a.streamArn,
      startedAt: a.startedAt,
      status: a.session.status(),
    }));
  }

  /** The recording of a stream (by name or ARN): live recorder if a session is running, else the index on disk. */
  async recording(streamRef: string): Promise<RecordingSummary> {
    const stream = this.deps.store.streamByName(streamRef) ?? this.deps.store.streamByArn(streamRef);
    if (!stream) throw new Error(`no stream named ${streamRef}`);
    const live = [...this.active.values()].find((a) => a.streamArn === stream.arn);
    if (live) return live.recorder.recording();
    const recorder = await openRecorder({ dir: this.deps.recordingsDir, streamName: stream.name });
    const summary = recorder.recording();
    await recorder.close();
    return summary;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.active.keys()].map((arn) => this.end(arn, 'kvs-local stopping')));
  }

  private channelFor(arn: string): Channel {
    const channel = this.deps.store.channelByArn(arn);
    if (!channel || channel.status !== 'ACTIVE') throw kvsErrors.resourceNotFound();
    if (channel.storage.status !== 'ENABLED' || !channel.storage.streamArn) {
      throw kvsErrors.invalidArgument(
        'The signaling channel is not configured for media storage (it is not mapped to a stream).',
      );
    }
    return channel;
  }

  private async sessionFor(channel: Channel): Promise<Active> {
    const existing = this.active.get(channel.arn);
    if (existing) return existing;
    let creating = this.pending.get(channel.arn);
    if (!creating) {
      creating = this.create(channel).finally(() => this.pending.delete(channel.arn));
      this.pending.set(channel.arn, creating);
    }
    return creating;
  }

  private async create(channel: Channel): Promise<Active> {
    if (this.closed) throw kvsErrors.internal('kvs-local is stopping.');
    const stream = this.deps.store.streamByArn(channel.storage.streamArn!);
    if (!stream) throw kvsErrors.invalidArgument('The stream mapped to this channel no longer exists.');
    const { broker, log, limits } = this.deps;
    const recorder = await openRecorder({
      dir: this.deps.recordingsDir,
      streamName: stream.name,
      onError: (err) => log(`kvs-local storage: recording ${stream.name} failed: ${err.message}`),
    });
    const arn = channel.arn;
    const session = new StorageSession({
      recorder,
      maxViewers: limits.viewersPerStorageSession,
      maxDurationMs: limits.storageSessionMaxMs,
      offerDelayMs: limits.storageOfferDelayMs,
      send: (participant, message) => {
        if (participant.role === 'MASTER') broker.sendToMaster(arn, message.messageType, message.payload);
        else broker.sendToViewer(arn, participant.clientId, message.messageType, message.payload);
      },
    });
    session.on('error', (err) => log(`kvs-local storage: ${channel.name}: ${err.message}`));
    session.on('masterSuperseded', ({ peerId, byPeerId }) =>
      log(`kvs-local storage: ${channel.name}: ${byPeerId} took over from ${peerId}`),
    );
    session.on('ended', ({ reason }) => {
      log(`kvs-local storage: ${channel.name}: session ended (${reason})`);
      if (reason === 'maxDuration') void this.end(arn, 'maximum duration reached');
    });
    const route = async (
      participantOf: () => { role: 'MASTER' } | { role: 'VIEWER'; clientId: string },
      msg: StorageInboundMessage,
    ) => {
      const participant = participantOf();
      if (msg.action === 'SDP_ANSWER') {
        if (!isSdp(msg.payload))
          return kvsErrors.invalidArgument('The SDP answer payload is not an RTCSessionDescription.');
        const result = await session.onAnswer(participant, msg.payload.sdp);
        if (!result.ok)
          return new KvsError(result.error.errorType, Number(result.error.statusCode), result.error.message);
        return undefined;
      }
      if (msg.action === 'ICE_CANDIDATE') {
        if (!isCandidate(msg.payload))
          return kvsErrors.invalidArgument('The ICE candidate payload is not an RTCIceCandidate.');
        await session.onCandidate(participant, msg.payload);
        return undefined;
      }
      // The storage session is always the offerer (§6.2 step 4, §6.3).
      return kvsErrors.invalidArgument(
        'Offers are not accepted in a storage session; the media server sends the offer.',
      );
    };
    const router: StorageRouter = {
      fromMaster: (msg) => route(() => ({ role: 'MASTER' }), msg),
      fromViewer: (clientId, msg) => route(() => ({ role: 'VIEWER', clientId }), msg),
    };
    broker.setStorageRouter(arn, router);
    const active: Active = {
      channelArn: arn,
      streamArn: stream.arn,
      session,
      recorder,
      startedAt: Date.now(),
    };
    this.active.set(arn, active);
    log(`kvs-local storage: ${channel.name}: session started, recording into ${stream.name}`);
    return active;
  }

  private async end(channelArn: string, why: string): Promise<void> {
    const active = this.active.get(channelArn);
    if (!active) return;
    this.active.delete(channelArn);
    this.deps.broker.setStorageRouter(channelArn, null);
    this.deps.log(`kvs-local storage: session on ${channelArn} closed: ${why}`);
    await active.session.close();
    await active.recorder.close();
  }
}
