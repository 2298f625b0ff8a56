import { Agent } from 'node:https';
import {
  JoinStorageSessionCommand,
  KinesisVideoWebRTCStorageClient,
} from '@aws-sdk/client-kinesis-video-webrtc-storage';
import { fresh, type LocalCredentials } from '../auth/credentials';
import { createI420Frame, TestPattern, type I420Frame } from '../../../src-shared/media/testPattern';
import { H264Device, type CandidateInit } from '../storage';
import type { MasterSocket } from './masterSocket';

export interface StorageLinkOptions {
  label: string;
  channelArn: string;
  webrtcEndpoint: string;
  region: string;
  credentials: () => LocalCredentials;
  caCert?: string;
  width: number;
  height: number;
  fps: number;
  isFrozen: () => boolean;
  log: (line: string) => void;
  /** The session could not be joined or connected after the retries: the camera reconnects from scratch. */
  onGiveUp: (why: string) => void;
}

const OFFER_WAIT_MS = 6_000;
const CONNECT_WAIT_MS = 30_000;
const MAX_JOIN_RETRIES = 5;

/**
 * A simulated camera as the producing device of a storage session (kvs-reference.md §6.2, the JS sample's
 * policy): JoinStorageSession after the socket opens; if no offer arrives within 6 s join again (with
 * jitter, at most 5 times); answer the offer with H.264 + Opus from an {@link H264Device} fed with the same
 * stamped test picture as the VP8 path; if not connected within 30 s, join again.
 */
export class StorageLink {
  private device: H264Device | undefined;
  private readonly pattern: TestPattern;
  private readonly frame: I420Frame;
  private seq = 0;
  private retries = 0;
  private offerTimer: NodeJS.Timeout | undefined;
  private earlyCandidates: CandidateInit[] = [];
  private answering = false;
  private closed = false;
  private readonly client: KinesisVideoWebRTCStorageClient;

  constructor(
    private readonly socket: MasterSocket,
    private readonly opts: StorageLinkOptions,
  ) {
    this.pattern = new TestPattern(opts.width, opts.height, opts.label);
    this.frame = createI420Frame(opts.width, opts.height);
    this.client = new KinesisVideoWebRTCStorageClient({
      region: opts.region,
      endpoint: opts.webrtcEndpoint,
      credentials: () => Promise.resolve(fresh(opts.credentials())),
      maxAttempts: 1,
      ...(opts.caCert ? { requestHandler: { httpsAgent: new Agent({ ca: opts.caCert }) } } : {}),
    });
  }

  /** Calls JoinStorageSession and waits for the session's offer. */
  join(): void {
    if (this.closed) return;
    clearTimeout(this.offerTimer);
    this.client.send(new JoinStorageSessionCommand({ channelArn: this.opts.channelArn })).then(
      () => this.opts.log(`camera ${this.opts.label}: joined storage session`),
      (err: Error) =>
        this.opts.log(`camera ${this.opts.label}: JoinStorageSession failed: ${err.name}: ${err.message}`),
    );
    const jitter = Math.min(Math.random() * 200 ** this.retries, 10_000);
    this.offerTimer = setTimeout(() => this.retry('no offer arrived'), OFFER_WAIT_MS + jitter);
  }

  /** A frame from the storage session (no senderClientId). */
  onFrame(messageType: string, payload: unknown): void {
    if (this.closed) return;
    if (messageType === 'ICE_CANDIDATE' && isCandidate(payload)) {
      if (this.device && !this.answering) void this.device.addRemoteCandidate(payload).catch(() => {});
      else this.earlyCandidates.push(payload);
    } else if (messageType === 'SDP_OFFER' && isOffer(payload)) {
      void this.answer(payload.sdp);
    }
  }

  receivedLevel(): number | null {
    return this.device ? this.device.receivedLevel() : null;
  }

  stats(): Record<string, unknown> | null {
    return this.device ? { ...this.device.stats() } : null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.offerTimer);
    this.client.destroy();
    await this.device?.close();
  }

  private retry(why: string): void {
    if (this.closed) return;
    this.retries += 1;
    if (this.retries > MAX_JOIN_RETRIES) {
      this.opts.onGiveUp(`storage session: ${why} after ${MAX_JOIN_RETRIES} retries`);
      return;
    }
    this.opts.log(`camera ${this.opts.label}: ${why}; joining the storage session again (${this.retries})`);
    void this.device?.close();
    this.device = undefined;
    this.join();
  }

  private async answer(offerSdp: string): Promise<void> {
    clearTimeout(this.offerTimer);
    // A new offer (a re-join, or the session restarted) replaces the previous connection.
    const previous = this.device;
    this.device = undefined;
    await previous?.close();
    if (this.closed) return;
    const device = new H264Device({
      video: {
        width: this.opts.width,
        height: this.opts.height,
        fps: this.opts.fps,
        frameSource: (now) =>
          this.opts.isFrozen() ? this.frame : this.pattern.render(this.seq++ & 0xffff, now, this.frame),
      },
      peerConfig: { iceAdditionalHostAddresses: ['127.0.0.1'] },
      onError: (err) => this.opts.log(`camera ${this.opts.label}: H.264 device: ${err.message}`),
    });
    this.device = device;
    device.onLocalCandidate((c) => this.socket.send('ICE_CANDIDATE', c));
    this.answering = true;
    try {
      const sdp = await device.answer(offerSdp);
      this.socket.send('SDP_ANSWER', { type: 'answer', sdp });
      for (const c of this.earlyCandidates.splice(0)) await device.addRemoteCandidate(c).catch(() => {});
    } catch (err) {
      this.opts.log(`camera ${this.opts.label}: answering the storage offer failed: ${String(err)}`);
    } finally {
      this.answering = false;
    }
    this.offerTimer = setTimeout(() => {
      if (this.device === device && device.connectionState !== 'connected')
        this.retry('not connected within 30 s');
    }, CONNECT_WAIT_MS);
    device.connected(CONNECT_WAIT_MS).then(
      () => {
        this.retries = 0;
        this.opts.log(`camera ${this.opts.label}: publishing H.264 + Opus into the storage session`);
      },
      () => {},
    );
  }
}

function isCandidate(p: unknown): p is CandidateInit {
  return typeof p === 'object' && p !== null && typeof (p as { candidate?: unknown }).candidate === 'string';
}

function isOffer(p: unknown): p is { type: 'offer'; sdp: string } {
  return typeof p === 'object' && p !== null && typeof (p as { sdp?: unknown }).sdp === 'string';
}
