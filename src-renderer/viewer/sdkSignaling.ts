/**
 * The {@link SignalingPort} over the official `amazon-kinesis-video-streams-webrtc` SignalingClient as a
 * VIEWER. Imported from `lib/SignalingClient` and `lib/Role`, not the package index, which also reads
 * `process.env` (absent in the sandboxed renderer). SignalingClient still loads the SDK's SigV4 signer
 * module (vite.config.ts shims its WebCrypto polyfill), but never uses it: the session passes the IPC-backed
 * signer, so every URL is signed by main.
 */
import { Role } from 'amazon-kinesis-video-streams-webrtc/lib/Role';
import { SignalingClient } from 'amazon-kinesis-video-streams-webrtc/lib/SignalingClient';
import type { Logger, SignalingFactory, SignalingInit, SignalingPort, SignalingStatus } from './ports';

// SignalingClient extends EventEmitter (the `events` package in the renderer bundle). The renderer's
// tsconfig has no Node types, so the SDK's declaration cannot resolve that base class: its listener API is
// typed here.
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export function sdkSignalingFactory(log?: Logger): SignalingFactory {
  return (init) => new SdkSignaling(init, log);
}

class SdkSignaling implements SignalingPort {
  private readonly client: SignalingClient;
  private opened = false;
  private finished = false;
  private signFailed = false;
  private lastError: unknown = null;

  constructor(
    private readonly init: SignalingInit,
    private readonly log?: Logger,
  ) {
    this.client = new SignalingClient({
      channelARN: init.channelArn,
      channelEndpoint: init.endpoint,
      clientId: init.clientId,
      role: Role.VIEWER,
      region: init.region,
      // Called by the SDK on every open(): each (re)connect is presigned afresh by main (X-Amz-Expires 299).
      requestSigner: {
        getSignedURL: async (endpoint, queryParams, date) => {
          try {
            return await init.signer.getSignedURL(endpoint, { ...queryParams }, date);
          } catch (error) {
            this.signFailed = true;
            throw error;
          }
        },
      },
      // Main signs with its own clock; the renderer adds no offset of its own.
      systemClockOffset: 0,
      // Candidates that arrive before the SDP stay queued in the SDK until the session has applied the
      // remote description (drainPendingIceCandidates); the session buffers once more on its side, so
      // nothing is lost whichever comes first (kvs-reference §4.7).
      enableEarlyIceCandidateBuffering: true,
    });
    const events = init.events;
    const client = this.client as unknown as Emitter;
    client.on('open', () => {
      if (this.finished) return;
      this.opened = true;
      events.onOpen();
    });
    client.on('close', () => this.finish());
    // EventEmitter throws on an 'error' without a listener; this one must always be attached.
    client.on('error', (error: unknown) => {
      this.lastError = error;
      this.log?.debug('viewer: signaling error', { error: String(error) });
      // A refused signature never creates a WebSocket, so no 'close' follows: close the client ourselves.
      if (this.signFailed && !this.opened) this.client.close();
    });
    client.on('sdpAnswer', (answer: RTCSessionDescriptionInit) => {
      if (!this.finished) events.onAnswer(answer);
    });
    client.on('sdpOffer', (offer: RTCSessionDescriptionInit, senderClientId?: string) => {
      if (!this.finished) events.onOffer(offer, senderClientId);
    });
    client.on('iceCandidate', (candidate: RTCIceCandidateInit) => {
      if (!this.finished) events.onCandidate(candidate);
    });
    client.on('statusResponse', (status: SignalingStatus) => {
      if (!this.finished) events.onStatus(status);
    });
  }

  open(): void {
    try {
      this.client.open();
    } catch (error) {
      this.lastError = error;
      this.finish();
    }
  }

  close(): void {
    if (this.finished) return;
    // A close the session asked for is not reported back to it.
    this.finished = true;
    this.client.close();
  }

  sendOffer(offer: RTCSessionDescriptionInit, correlationId?: string): void {
    this.send(() => this.client.sendSdpOffer(offer as RTCSessionDescription, undefined, correlationId));
  }

  sendAnswer(answer: RTCSessionDescriptionInit, correlationId?: string): void {
    this.send(() => this.client.sendSdpAnswer(answer as RTCSessionDescription, undefined, correlationId));
  }

  sendCandidate(candidate: RTCIceCandidateInit): void {
    this.send(() => this.client.sendIceCandidate(candidate as RTCIceCandidate));
  }

  remoteDescriptionApplied(): void {
    this.client.drainPendingIceCandidates();
  }

  resetCandidates(): void {
    this.client.resetIceCandidateState();
  }

  private send(action: () => void): void {
    try {
      action();
    } catch (error) {
      // The socket closed under us: the 'close' event follows and the session reconnects.
      this.log?.warn('viewer: signaling send failed', { error: String(error) });
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.init.events.onClose({ wasOpen: this.opened, error: this.lastError });
  }
}
