/**
 * The official SignalingClient as a MASTER for the publisher, behind a small typed surface. Imported from
 * the package's lib files, not its index (which reads `process.env` and pulls in a signer we never use:
 * main signs every URL). The close code of the socket is kept, because a superseded master is closed with
 * 1000 "Replaced by a newer connection" and the SDK's own 'close' event carries nothing.
 */
import { Role } from 'amazon-kinesis-video-streams-webrtc/lib/Role';
import { SignalingClient } from 'amazon-kinesis-video-streams-webrtc/lib/SignalingClient';

export interface MasterSignalingOptions {
  channelArn: string;
  endpoint: string;
  region: string;
  /** Asks main to presign the ConnectAsMaster URL (kvs:signMasterUrl). */
  sign(endpoint: string, queryParams: Record<string, string>, date: Date): Promise<string>;
}

type Events = {
  open: [];
  offer: [RTCSessionDescriptionInit];
  candidate: [RTCIceCandidateInit];
  close: [{ code: number; reason: string } | null];
  error: [unknown];
};

export interface MasterSignaling {
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): void;
  open(): void;
  close(): void;
  isOpen(): boolean;
  /** To the storage session: no recipientClientId (§6.2 step 5). */
  sendAnswer(answer: RTCSessionDescription): void;
  sendCandidate(candidate: RTCIceCandidate): void;
}

export function openMasterSignaling(options: MasterSignalingOptions): MasterSignaling {
  const client = new SignalingClient({
    channelARN: options.channelArn,
    channelEndpoint: options.endpoint,
    role: Role.MASTER,
    region: options.region,
    requestSigner: {
      getSignedURL: (endpoint, query, date) => options.sign(endpoint, query, date ?? new Date()),
    },
    systemClockOffset: 0,
  });
  let open = false;
  let lastClose: { code: number; reason: string } | null = null;
  // The SDK binds onClose per instance and registers it when the socket opens: wrapping the instance's own
  // property before open() sees the CloseEvent the SDK drops.
  const internals = client as unknown as { onClose: (event?: CloseEvent) => void };
  const sdkOnClose = internals.onClose;
  internals.onClose = (event?: CloseEvent) => {
    lastClose = event ? { code: event.code, reason: event.reason } : null;
    sdkOnClose(event);
  };
  // SignalingClient extends Node's EventEmitter (the `events` package in the browser), whose types the
  // renderer does not load: this is the part of it we use.
  const sdk = client as unknown as { on(event: string, listener: (...args: never[]) => void): void };
  const listeners: { [E in keyof Events]?: Array<(...args: Events[E]) => void> } = {};
  const emit = <E extends keyof Events>(event: E, ...args: Events[E]) => {
    for (const l of listeners[event] ?? []) l(...args);
  };
  sdk.on('open', () => {
    open = true;
    emit('open');
  });
  // The storage session's offer has no senderClientId (§6.2 step 4).
  sdk.on('sdpOffer', (offer: RTCSessionDescriptionInit) => emit('offer', offer));
  sdk.on('iceCandidate', (candidate: RTCIceCandidateInit) => emit('candidate', candidate));
  sdk.on('close', () => {
    open = false;
    emit('close', lastClose);
  });
  sdk.on('error', (err: unknown) => emit('error', err));
  return {
    on(event, listener) {
      const list = (listeners[event] ??= []) as Array<typeof listener>;
      list.push(listener);
    },
    open: () => client.open(),
    close: () => client.close(),
    isOpen: () => open,
    sendAnswer: (answer) => client.sendSdpAnswer(answer),
    sendCandidate: (candidate) => client.sendIceCandidate(candidate),
  };
}
