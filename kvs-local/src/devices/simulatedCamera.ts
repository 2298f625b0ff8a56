import { Agent } from 'node:https';
import {
  DescribeMediaStorageConfigurationCommand,
  GetSignalingChannelEndpointCommand,
  KinesisVideoClient,
} from '@aws-sdk/client-kinesis-video';
import {
  GetIceServerConfigCommand,
  KinesisVideoSignalingClient,
} from '@aws-sdk/client-kinesis-video-signaling';
import { fresh, type LocalCredentials } from '../auth/credentials';
import { CameraMedia, type ViewerLevel } from '../cameras';
import type { WrtcIceCandidateInit } from '../cameras/wrtcTypes';
import { MasterSocket, type InboundFrame } from './masterSocket';
import { StorageLink } from './storageLink';

export interface CameraDeviceOptions {
  channelName: string;
  channelArn: string;
  /** kvs-local's control-plane endpoint. */
  endpoint: string;
  region: string;
  credentials: () => LocalCredentials;
  caCert?: string;
  fps: number;
  width: number;
  height: number;
  log: (line: string) => void;
}

export type CameraState = 'stopped' | 'connecting' | 'online' | 'closed';

/** What the admin API shows of a camera. */
export interface CameraDescription {
  channelName: string;
  channelArn: string;
  state: CameraState;
  mode: 'p2p' | 'storage';
  frozen: boolean;
  reconnects: number;
  lastError: string | null;
  media: ReturnType<CameraMedia['stats']>;
  storage: Record<string, unknown> | null;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * A simulated camera as a device: it finds its endpoints like a device SDK does (DescribeMediaStorage-
 * Configuration, GetSignalingChannelEndpoint, GetIceServerConfig, all signed with the current local
 * credentials), connects as master, answers every viewer with VP8 + Opus from {@link CameraMedia}, and
 * reconnects after a close, GO_AWAY or RECONNECT_ICE_SERVER. On a storage-enabled channel it publishes
 * H.264 + Opus into the storage session instead ({@link StorageLink}).
 */
export class SimulatedCamera {
  readonly channelName: string;
  readonly channelArn: string;
  private readonly media: CameraMedia;
  private readonly control: KinesisVideoClient;
  private socket: MasterSocket | undefined;
  private storage: StorageLink | undefined;
  private state: CameraState = 'stopped';
  private mode: 'p2p' | 'storage' = 'p2p';
  private wanted = false;
  private frozen = false;
  private attempt = 0;
  private reconnects = 0;
  private lastError: string | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Increments on every (re)connect so that late callbacks of an old connection are ignored. */
  private generation = 0;

  constructor(private readonly opts: CameraDeviceOptions) {
    this.channelName = opts.channelName;
    this.channelArn = opts.channelArn;
    this.media = new CameraMedia({
      label: opts.channelName,
      width: opts.width,
      height: opts.height,
      fps: opts.fps,
    });
    this.control = new KinesisVideoClient({
      region: opts.region,
      endpoint: opts.endpoint,
      credentials: () => Promise.resolve(fresh(opts.credentials())),
      maxAttempts: 3,
      ...this.tlsHandler(),
    });
  }

  /** Powers the camera on: media starts and it connects as master. */
  start(): void {
    if (this.state === 'closed') throw new Error(`camera ${this.channelName} is closed`);
    this.wanted = true;
    this.media.start();
    if (this.state === 'stopped') void this.connect();
  }

  /** Powers the camera off: media stops, viewers' peers close, signaling disconnects. */
  stop(): void {
    this.wanted = false;
    this.teardown();
    this.closeViewers();
    this.media.stop();
    if (this.state !== 'closed') this.state = 'stopped';
  }

  freeze(): void {
    this.frozen = true;
    this.media.freeze();
  }

  unfreeze(): void {
    this.frozen = false;
    this.media.unfreeze();
  }

  /** The channel's storage configuration changed: reconnect in the matching mode. */
  reconfigure(): void {
    if (!this.wanted || this.state === 'closed') return;
    this.teardown();
    this.closeViewers();
    this.state = 'stopped';
    void this.connect();
  }

  /** Received talk-back levels: one per P2P viewer, or the storage session's mix under `storage-session`. */
  levels(): ViewerLevel[] {
    const levels = this.media.levels();
    const mixed = this.storage?.receivedLevel();
    if (mixed !== undefined && mixed !== null) {
      levels.push({
        viewerId: 'storage-session',
        levelDb: mixed,
        peakDb: mixed,
        lastHeardAt: null,
        lastDataAt: null,
        samples: 0,
        connectionState: 'connected',
      });
    }
    return levels;
  }

  describe(): CameraDescription {
    return {
      channelName: this.channelName,
      channelArn: this.channelArn,
      state: this.state,
      mode: this.mode,
      frozen: this.frozen,
      reconnects: this.reconnects,
      lastError: this.lastError,
      media: this.media.stats(),
      storage: this.storage?.stats() ?? null,
    };
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.state = 'closed';
    this.teardown();
    this.closeViewers();
    this.media.close();
    this.control.destroy();
    await Promise.resolve();
  }

  private tlsHandler() {
    return this.opts.caCert ? { requestHandler: { httpsAgent: new Agent({ ca: this.opts.caCert }) } } : {};
  }

  /**
   * Ends the signaling side (and the storage session link, which re-joins on reconnect). P2P viewer peers
   * are media, not signaling: they survive a signaling reconnect, as with a real device (design.md).
   */
  private teardown(): void {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.socket?.close();
    this.socket = undefined;
    void this.storage?.close();
    this.storage = undefined;
  }

  private closeViewers(): void {
    for (const level of this.media.levels()) this.media.closeViewer(level.viewerId);
  }

  private async connect(): Promise<void> {
    if (!this.wanted) return;
    const generation = ++this.generation;
    this.state = 'connecting';
    try {
      const { MediaStorageConfiguration } = await this.control.send(
        new DescribeMediaStorageConfigurationCommand({ ChannelARN: this.channelArn }),
      );
      const storage = MediaStorageConfiguration?.Status === 'ENABLED';
      const { ResourceEndpointList = [] } = await this.control.send(
        new GetSignalingChannelEndpointCommand({
          ChannelARN: this.channelArn,
          SingleMasterChannelEndpointConfiguration: {
            Protocols: storage ? ['WSS', 'HTTPS', 'WEBRTC'] : ['WSS', 'HTTPS'],
            Role: 'MASTER',
          },
        }),
      );
      const endpoint = (p: string) =>
        ResourceEndpointList.find((e) => e.Protocol === p)?.ResourceEndpoint ?? '';
      // A device asks for TURN as the SDKs do; the simulated camera sits on the same host as its viewers,
      // so it gathers host candidates only and does not spend CPU on TURN allocations.
      const signaling = new KinesisVideoSignalingClient({
        region: this.opts.region,
        endpoint: endpoint('HTTPS'),
        credentials: () => Promise.resolve(fresh(this.opts.credentials())),
        maxAttempts: 1,
        ...this.tlsHandler(),
      });
      await signaling
        .send(new GetIceServerConfigCommand({ ChannelARN: this.channelArn, Service: 'TURN' }))
        .finally(() => signaling.destroy());
      if (generation !== this.generation) return;
      const socket = await MasterSocket.connect({
        endpoint: endpoint('WSS'),
        channelArn: this.channelArn,
        region: this.opts.region,
        credentials: this.opts.credentials,
        ...(this.opts.caCert ? { caCert: this.opts.caCert } : {}),
        onFrame: (frame) => {
          if (generation === this.generation) this.onFrame(frame);
        },
        onClose: (code, reason) => {
          if (generation === this.generation) this.onSocketClosed(`socket closed (${code} ${reason})`);
        },
      });
      if (generation !== this.generation) {
        socket.close();
        return;
      }
      this.socket = socket;
      this.mode = storage ? 'storage' : 'p2p';
      this.state = 'online';
      this.attempt = 0;
      this.lastError = null;
      if (storage) {
        this.storage = new StorageLink(socket, {
          label: this.channelName,
          channelArn: this.channelArn,
          webrtcEndpoint: endpoint('WEBRTC'),
          region: this.opts.region,
          credentials: this.opts.credentials,
          ...(this.opts.caCert ? { caCert: this.opts.caCert } : {}),
          width: this.opts.width,
          height: this.opts.height,
          fps: this.media.stats().fps,
          isFrozen: () => this.frozen,
          log: this.opts.log,
          onGiveUp: (why) => {
            if (generation === this.generation) this.onSocketClosed(why);
          },
        });
        this.storage.join();
      }
    } catch (err) {
      if (generation !== this.generation) return;
      this.onSocketClosed(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  }

  private onSocketClosed(why: string): void {
    this.lastError = why;
    this.teardown();
    if (!this.wanted) return;
    this.state = 'connecting';
    this.reconnects += 1;
    // Jittered exponential backoff with a ceiling, so a fleet does not reconnect in lockstep.
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.opts.log(`camera ${this.channelName}: ${why}; reconnecting in ${Math.round(delay)} ms`);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private onFrame(frame: InboundFrame): void {
    switch (frame.messageType) {
      case 'GO_AWAY':
      case 'RECONNECT_ICE_SERVER':
        // Like the C SDK: go back to describe/get-endpoint/ICE config and reconnect now, without waiting
        // for the server to close. Media to connected viewers keeps flowing (their peers stay up) only in
        // a real device with a separate media plane; here the P2P peers are kept across the reconnect.
        this.opts.log(`camera ${this.channelName}: ${frame.messageType}, reconnecting signaling`);
        this.reconnectSignalingOnly();
        return;
      case 'STATUS_RESPONSE':
        this.opts.log(`camera ${this.channelName}: status response ${JSON.stringify(frame.statusResponse)}`);
        return;
      default:
        break;
    }
    if (frame.senderClientId === undefined) {
      this.storage?.onFrame(frame.messageType, frame.payload);
      return;
    }
    const viewerId = frame.senderClientId;
    if (frame.messageType === 'SDP_OFFER' && this.mode === 'p2p')
      void this.answerViewer(viewerId, frame.payload);
    else if (frame.messageType === 'ICE_CANDIDATE') {
      const peer = this.media.viewer(viewerId);
      if (peer && isCandidate(frame.payload)) void peer.addRemoteCandidate(frame.payload).catch(() => {});
    }
  }

  private reconnectSignalingOnly(): void {
    const old = this.socket;
    this.socket = undefined;
    void this.storage?.close();
    this.storage = undefined;
    this.generation += 1;
    old?.close();
    this.state = 'stopped';
    void this.connect();
  }

  private async answerViewer(viewerId: string, payload: unknown): Promise<void> {
    if (
      typeof payload !== 'object' ||
      payload === null ||
      typeof (payload as { sdp?: unknown }).sdp !== 'string'
    )
      return;
    const socket = this.socket;
    if (!socket) return;
    const peer = this.media.createViewerPeer(viewerId, [], {
      onIceCandidate: (candidate) => {
        if (candidate) this.socket?.send('ICE_CANDIDATE', candidate, viewerId);
      },
    });
    try {
      const sdp = await peer.answer((payload as { sdp: string }).sdp);
      this.socket?.send('SDP_ANSWER', { type: 'answer', sdp }, viewerId);
    } catch (err) {
      if (!peer.closed)
        this.opts.log(`camera ${this.channelName}: answering ${viewerId} failed: ${String(err)}`);
      peer.close('failed');
    }
  }
}

function isCandidate(p: unknown): p is WrtcIceCandidateInit {
  return typeof p === 'object' && p !== null && typeof (p as { candidate?: unknown }).candidate === 'string';
}
