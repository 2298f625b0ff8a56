/**
 * The part of `@roamhq/wrtc` (node-webrtc, libwebrtc M106) that the simulated cameras and their tests
 * use, typed without the DOM library. The package ships a `.d.ts`, but it re-exports the DOM's
 * RTCPeerConnection & co. and names an undefined `EventHandler`, so under kvs-local's Node-only
 * tsconfig everything from it is an error type. These declarations follow what the runtime does
 * (checked against lib/*.js of 0.10.0), not the browser spec.
 */

/** One ICE server as GetIceServerConfig and RTCConfiguration describe it. */
export interface WrtcIceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** The RTCConfiguration fields node-webrtc honours. */
export interface WrtcConfiguration {
  iceServers?: WrtcIceServer[];
  iceTransportPolicy?: 'all' | 'relay';
  bundlePolicy?: 'balanced' | 'max-compat' | 'max-bundle';
  /** node-webrtc extension: restrict the UDP ports ICE binds. */
  portRange?: { min?: number; max?: number };
}

export type WrtcSdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';

export interface WrtcSessionDescriptionInit {
  type: WrtcSdpType;
  sdp?: string;
}

export interface WrtcIceCandidateInit {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface WrtcIceCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment?: string | null;
  toJSON(): WrtcIceCandidateInit;
}

export type WrtcPeerConnectionState =
  'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
export type WrtcIceConnectionState =
  'new' | 'checking' | 'connected' | 'completed' | 'disconnected' | 'failed' | 'closed';
export type WrtcTransceiverDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | 'stopped';

export interface WrtcMediaStreamTrack {
  readonly id: string;
  readonly kind: 'audio' | 'video';
  readonly readyState: 'live' | 'ended';
  enabled: boolean;
  stop(): void;
}

export interface WrtcMediaStream {
  readonly id: string;
  getTracks(): WrtcMediaStreamTrack[];
  addTrack(track: WrtcMediaStreamTrack): void;
}

export interface WrtcRtpEncodingParameters {
  active?: boolean;
  maxBitrate?: number;
  maxFramerate?: number;
  scaleResolutionDownBy?: number;
}

export interface WrtcRtpSendParameters {
  transactionId: string;
  encodings: WrtcRtpEncodingParameters[];
  degradationPreference?: string;
}

export interface WrtcDtlsTransport {
  readonly state: 'new' | 'connecting' | 'connected' | 'closed' | 'failed';
}

export interface WrtcRtpSender {
  readonly track: WrtcMediaStreamTrack | null;
  /** null until a description is applied. */
  readonly transport: WrtcDtlsTransport | null;
  replaceTrack(track: WrtcMediaStreamTrack | null): Promise<void>;
  getParameters(): WrtcRtpSendParameters;
  setParameters(parameters: WrtcRtpSendParameters): Promise<void>;
}

export interface WrtcRtpReceiver {
  readonly track: WrtcMediaStreamTrack;
}

export interface WrtcRtpCodecCapability {
  mimeType: string;
  clockRate: number;
  channels?: number;
  sdpFmtpLine?: string;
}

export interface WrtcRtpTransceiver {
  readonly mid: string | null;
  readonly sender: WrtcRtpSender;
  readonly receiver: WrtcRtpReceiver;
  readonly stopped: boolean;
  direction: WrtcTransceiverDirection;
  readonly currentDirection: WrtcTransceiverDirection | null;
  setCodecPreferences(codecs: WrtcRtpCodecCapability[]): void;
  stop(): void;
}

export interface WrtcTrackEvent {
  readonly track: WrtcMediaStreamTrack;
  readonly streams: WrtcMediaStream[];
  readonly receiver: WrtcRtpReceiver;
  readonly transceiver: WrtcRtpTransceiver;
}

export interface WrtcPeerConnectionIceEvent {
  /** null once gathering is complete. */
  readonly candidate: WrtcIceCandidate | null;
}

/** A stats report entry; fields beyond these depend on `type`. */
export interface WrtcStats {
  id: string;
  type: string;
  timestamp: number;
  [field: string]: unknown;
}

interface WrtcPeerConnectionEvents {
  icecandidate: WrtcPeerConnectionIceEvent;
  track: WrtcTrackEvent;
  connectionstatechange: unknown;
  iceconnectionstatechange: unknown;
  signalingstatechange: unknown;
  icegatheringstatechange: unknown;
}

export interface WrtcPeerConnection {
  readonly connectionState: WrtcPeerConnectionState;
  readonly iceConnectionState: WrtcIceConnectionState;
  readonly iceGatheringState: 'new' | 'gathering' | 'complete';
  readonly signalingState: string;
  readonly localDescription: WrtcSessionDescriptionInit | null;
  readonly remoteDescription: WrtcSessionDescriptionInit | null;
  addEventListener<K extends keyof WrtcPeerConnectionEvents>(
    type: K,
    listener: (event: WrtcPeerConnectionEvents[K]) => void,
  ): void;
  removeEventListener<K extends keyof WrtcPeerConnectionEvents>(
    type: K,
    listener: (event: WrtcPeerConnectionEvents[K]) => void,
  ): void;
  addTrack(track: WrtcMediaStreamTrack, ...streams: WrtcMediaStream[]): WrtcRtpSender;
  addTransceiver(
    trackOrKind: WrtcMediaStreamTrack | 'audio' | 'video',
    init?: { direction?: WrtcTransceiverDirection; streams?: WrtcMediaStream[] },
  ): WrtcRtpTransceiver;
  getTransceivers(): WrtcRtpTransceiver[];
  getSenders(): WrtcRtpSender[];
  getReceivers(): WrtcRtpReceiver[];
  createOffer(): Promise<WrtcSessionDescriptionInit>;
  createAnswer(): Promise<WrtcSessionDescriptionInit>;
  setLocalDescription(description: WrtcSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: WrtcSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: WrtcIceCandidateInit | null): Promise<void>;
  getStats(): Promise<ReadonlyMap<string, WrtcStats>>;
  close(): void;
}

/** An I420 (or, for the converters, RGBA) picture as node-webrtc's non-standard APIs pass it. */
export interface WrtcVideoFrame {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export interface WrtcVideoSource {
  readonly isScreencast: boolean;
  createTrack(): WrtcMediaStreamTrack;
  /** Copies the frame synchronously; the caller may reuse `data` as soon as this returns. */
  onFrame(frame: WrtcVideoFrame): void;
}

export interface WrtcAudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

export interface WrtcAudioSource {
  createTrack(): WrtcMediaStreamTrack;
  onData(data: WrtcAudioData): void;
}

export interface WrtcVideoSink {
  readonly stopped: boolean;
  stop(): void;
  onframe: ((event: { frame: WrtcVideoFrame & { data: Uint8Array; rotation?: number } }) => void) | null;
}

export interface WrtcAudioSink {
  readonly stopped: boolean;
  stop(): void;
  ondata: ((event: Required<WrtcAudioData>) => void) | null;
}

/** The module object `import wrtc from '@roamhq/wrtc'` yields at runtime. */
export interface WrtcModule {
  RTCPeerConnection: new (configuration?: WrtcConfiguration) => WrtcPeerConnection;
  MediaStream: new (tracks?: WrtcMediaStreamTrack[]) => WrtcMediaStream;
  RTCRtpSender: { getCapabilities(kind: 'audio' | 'video'): { codecs: WrtcRtpCodecCapability[] } | null };
  RTCRtpReceiver: { getCapabilities(kind: 'audio' | 'video'): { codecs: WrtcRtpCodecCapability[] } | null };
  nonstandard: {
    RTCVideoSource: new (init?: { isScreencast?: boolean; needsDenoising?: boolean }) => WrtcVideoSource;
    RTCAudioSource: new () => WrtcAudioSource;
    RTCVideoSink: new (track: WrtcMediaStreamTrack) => WrtcVideoSink;
    RTCAudioSink: new (track: WrtcMediaStreamTrack) => WrtcAudioSink;
    i420ToRgba(i420: WrtcVideoFrame, rgba: WrtcVideoFrame): void;
    rgbaToI420(rgba: WrtcVideoFrame, i420: WrtcVideoFrame): void;
  };
}
