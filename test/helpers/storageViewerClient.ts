import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { JoinStorageSessionAsViewerCommand } from '@aws-sdk/client-kinesis-video-webrtc-storage';
import type { SignalingClient } from 'amazon-kinesis-video-streams-webrtc';
import type { KvsLocal } from '../../kvs-local/src/server';
import { StorageViewer, type CandidateInit } from '../../kvs-local/src/storage';
import { storageClient } from './kvsLocal';
import { viewerEndpoints, viewerSignalingClient } from './nodeViewer';

/**
 * A viewer of a storage-enabled channel (kvs-reference.md §6.3): ConnectAsViewer with the official
 * SignalingClient, then JoinStorageSessionAsViewer on the WEBRTC endpoint; the media server's offer (no
 * senderClientId) is answered by a werift {@link StorageViewer}, which can decode H.264 (wrtc cannot).
 */
export class StorageViewerClient {
  readonly media = new StorageViewer({ peerConfig: { iceAdditionalHostAddresses: ['127.0.0.1'] } });
  readonly offers: number[] = [];
  private signaling: SignalingClient | undefined;
  private webrtcEndpoint = '';

  private constructor(
    private readonly kvs: KvsLocal,
    readonly channelArn: string,
    readonly clientId: string,
  ) {}

  static async connect(kvs: KvsLocal, kv: KinesisVideoClient, channelArn: string, clientId: string) {
    const viewer = new StorageViewerClient(kvs, channelArn, clientId);
    const ep = await viewerEndpoints(kv, channelArn, ['WSS', 'HTTPS', 'WEBRTC']);
    viewer.webrtcEndpoint = ep('WEBRTC');
    const client = viewerSignalingClient(kvs, channelArn, ep('WSS'), clientId);
    viewer.signaling = client;
    viewer.media.onLocalCandidate((c) => client.sendIceCandidate(c as unknown as RTCIceCandidate));
    client.on('sdpOffer', (offer: RTCSessionDescriptionInit) => {
      viewer.offers.push(Date.now());
      void viewer.media
        .answer(offer.sdp ?? '')
        .then((sdp) => client.sendSdpAnswer({ type: 'answer', sdp } as RTCSessionDescription));
    });
    client.on('iceCandidate', (c: CandidateInit) => void viewer.media.addRemoteCandidate(c).catch(() => {}));
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', () => reject(new Error('signaling handshake refused')));
      client.open();
    });
    await viewer.join();
    return viewer;
  }

  /** JoinStorageSessionAsViewer (may be called again: the same clientId supersedes its old session). */
  async join(): Promise<void> {
    const storage = storageClient(this.kvs, this.webrtcEndpoint);
    try {
      await storage.send(
        new JoinStorageSessionAsViewerCommand({ channelArn: this.channelArn, clientId: this.clientId }),
      );
    } finally {
      storage.destroy();
    }
  }

  async close(): Promise<void> {
    this.signaling?.close();
    await this.media.close();
  }
}
