import { Sha256 } from '@aws-crypto/sha256-js';
import { GetSignalingChannelEndpointCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetIceServerConfigCommand } from '@aws-sdk/client-kinesis-video-signaling';
import { SignatureV4 } from '@smithy/signature-v4';
import { Role, SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import { wrtc, type WrtcPeerConnection } from '../../kvs-local/src/cameras';
import type { KvsLocal } from '../../kvs-local/src/server';
import { ToneGenerator } from '../../src-shared/media/audioLevel';
import { readStampFromLuma, resolveStampTime } from '../../src-shared/media/frameStamp';
import { credsOf, signalingClient } from './kvsLocal';

/** A request signer for the official SignalingClient that presigns with @smithy/signature-v4. */
export function smithySigner(kvs: KvsLocal) {
  const signer = new SignatureV4({
    credentials: credsOf(kvs),
    region: kvs.info.region,
    service: 'kinesisvideo',
    sha256: Sha256,
  });
  return {
    async getSignedURL(endpoint: string, queryParams: Record<string, string>, date?: Date): Promise<string> {
      const url = new URL(endpoint);
      const signed = await signer.presign(
        {
          method: 'GET',
          protocol: url.protocol,
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname || '/',
          query: queryParams,
          headers: { host: url.host },
        },
        { expiresIn: 299, ...(date ? { signingDate: date } : {}) },
      );
      const query = Object.entries(signed.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      return `${url.protocol}//${url.host}${url.pathname}?${query}`;
    },
  };
}

/** The VIEWER role's endpoints of a channel, by protocol (throws for one that was not returned). */
export async function viewerEndpoints(
  kv: KinesisVideoClient,
  channelArn: string,
  protocols: Array<'WSS' | 'HTTPS' | 'WEBRTC'>,
): Promise<(protocol: string) => string> {
  const { ResourceEndpointList = [] } = await kv.send(
    new GetSignalingChannelEndpointCommand({
      ChannelARN: channelArn,
      SingleMasterChannelEndpointConfiguration: { Protocols: protocols, Role: 'VIEWER' },
    }),
  );
  return (p) => {
    const found = ResourceEndpointList.find((e) => e.Protocol === p)?.ResourceEndpoint;
    if (!found) throw new Error(`no ${p} endpoint returned for ${channelArn}`);
    return found;
  };
}

/** The official SignalingClient as a VIEWER, signing with @smithy/signature-v4 (not opened). */
export function viewerSignalingClient(
  kvs: KvsLocal,
  channelArn: string,
  wssEndpoint: string,
  clientId: string,
) {
  return new SignalingClient({
    channelARN: channelArn,
    channelEndpoint: wssEndpoint,
    clientId,
    role: Role.VIEWER,
    region: kvs.info.region,
    requestSigner: smithySigner(kvs),
    systemClockOffset: 0,
  });
}

export interface ReceivedFrame {
  at: number;
  seq: number | null;
  latencyMs: number | null;
}

/**
 * A viewer as a browser would be one, in Node: the official SignalingClient (VIEWER) + an @roamhq/wrtc
 * peer that offers recvonly video and sendrecv audio, decodes frames and reads their stamps, and talks
 * back with a 1 kHz tone while `mic.on`.
 */
export class NodeViewer {
  readonly frames: ReceivedFrame[] = [];
  readonly mic = { on: false };
  readonly pc: WrtcPeerConnection;
  private signaling: SignalingClient | undefined;
  private readonly cleanups: Array<() => void> = [];

  private constructor(readonly clientId: string) {
    this.pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.cleanups.push(() => this.pc.close());
    const micSource = new wrtc.nonstandard.RTCAudioSource();
    const micTrack = micSource.createTrack();
    const tone = new ToneGenerator({ frequencyHz: 1000, levelDbfs: -20 });
    const silence = new Int16Array(480);
    const timer = setInterval(() => {
      micSource.onData({
        samples: this.mic.on ? tone.next() : silence,
        sampleRate: 48000,
        channelCount: 1,
        numberOfFrames: 480,
      });
    }, 10);
    this.cleanups.push(
      () => clearInterval(timer),
      () => micTrack.stop(),
    );
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.addTransceiver(micTrack, { direction: 'sendrecv', streams: [new wrtc.MediaStream()] });
    this.pc.addEventListener('track', (event) => {
      if (event.track.kind !== 'video') return;
      const sink = new wrtc.nonstandard.RTCVideoSink(event.track);
      this.cleanups.push(() => sink.stop());
      sink.onframe = ({ frame }) => {
        const now = Date.now();
        const reading = readStampFromLuma({ data: frame.data, width: frame.width, height: frame.height });
        this.frames.push({
          at: now,
          seq: reading?.seq ?? null,
          latencyMs: reading ? now - resolveStampTime(reading.timeLow, now) : null,
        });
        if (this.frames.length > 2000) this.frames.splice(0, 1000);
      };
    });
  }

  /** Connects to `channelArn` through kvs-local as the KVS viewer sample does (P2P). */
  static async connect(
    kvs: KvsLocal,
    kv: KinesisVideoClient,
    channelArn: string,
    clientId: string,
  ): Promise<NodeViewer> {
    const viewer = new NodeViewer(clientId);
    const ep = await viewerEndpoints(kv, channelArn, ['WSS', 'HTTPS']);
    const sig = signalingClient(kvs, ep('HTTPS'));
    const ice = await sig.send(new GetIceServerConfigCommand({ ChannelARN: channelArn, ClientId: clientId }));
    sig.destroy();
    if ((ice.IceServerList ?? []).length !== 2) throw new Error('expected the real 2-entry ICE server shape');
    const client = viewerSignalingClient(kvs, channelArn, ep('WSS'), clientId);
    viewer.signaling = client;
    viewer.cleanups.push(() => client.close());
    viewer.pc.addEventListener('icecandidate', ({ candidate }) => {
      if (candidate) client.sendIceCandidate(candidate as unknown as RTCIceCandidate);
    });
    client.on(
      'sdpAnswer',
      (answer: RTCSessionDescriptionInit) => void viewer.pc.setRemoteDescription(answer as never),
    );
    client.on(
      'iceCandidate',
      (candidate: RTCIceCandidateInit) => void viewer.pc.addIceCandidate(candidate as never).catch(() => {}),
    );
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error('signaling error')));
      client.open();
    });
    const offer = await viewer.pc.createOffer();
    await viewer.pc.setLocalDescription(offer);
    client.sendSdpOffer(viewer.pc.localDescription as unknown as RTCSessionDescription);
    return viewer;
  }

  /** Frames whose stamp decoded. */
  stamped(): ReceivedFrame[] {
    return this.frames.filter((f) => f.seq !== null);
  }

  close(): void {
    for (const c of this.cleanups.splice(0).reverse()) {
      try {
        c();
      } catch {
        // keep closing
      }
    }
  }
}
