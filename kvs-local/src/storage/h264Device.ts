import type { RTCPeerConnectionConfig, RTCRtpCodecParameters } from 'werift';
import { AnsweringPeer } from './answeringPeer';
import { OpusLevelMeter } from './audioMeter';
import { FfmpegRtpSource, h264Args, opusToneArgs, packI420 } from './ffmpegRtp';
import type { I420Picture } from './ffmpegRtp';
import type { CandidateInit, PeerState } from './sessionPeer';

/** Options of {@link H264Device}. */
export interface H264DeviceOptions {
  video?: {
    /** Default 640×360 at 15 fps, 600 kbit/s, a keyframe every second. */
    width?: number;
    height?: number;
    fps?: number;
    bitrateKbps?: number;
    keyframeIntervalS?: number;
    /**
     * Supplies each frame (called `fps` times a second with the wall clock); without it ffmpeg's
     * `testsrc2` is used. Frames whose size differs from width×height are skipped.
     */
    frameSource?: (now: number) => I420Picture;
  };
  /** Frequency of the sine tone the device sends. Default 440 Hz. */
  toneHz?: number;
  peerConfig?: RTCPeerConnectionConfig;
  /** Codecs the device claims (default H.264 + Opus); narrow them to provoke a refused answer. */
  codecs?: { video?: RTCRtpCodecParameters[]; audio?: RTCRtpCodecParameters[] };
  ffmpegPath?: string;
  /** An ffmpeg process exited unexpectedly. */
  onError?: (error: Error) => void;
}

/** Counters of an {@link H264Device}. */
export interface H264DeviceStats {
  state: PeerState;
  videoPacketsSent: number;
  audioPacketsSent: number;
  audioPacketsReceived: number;
  framesWritten: number;
  framesSkipped: number;
  ffmpegRunning: boolean;
}

/**
 * A producing device ("master") for storage sessions: werift answers the session's offer, ffmpeg
 * encodes video with libx264 and a tone with libopus to local RTP ports, and the packets are sent
 * on the negotiated tracks. The Opus it receives (viewers' talk-back, mixed by the session) is
 * decoded and metered, which is how tests prove talk-back reaches the camera.
 */
export class H264Device {
  private readonly peer: AnsweringPeer;
  private readonly meter = new OpusLevelMeter();
  private readonly sources: FfmpegRtpSource[] = [];
  private frameTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private mediaStarting: Promise<void> | undefined;
  private stats_ = { videoPacketsSent: 0, audioPacketsSent: 0, framesWritten: 0, framesSkipped: 0 };

  constructor(private readonly options: H264DeviceOptions = {}) {
    this.peer = new AnsweringPeer({
      role: 'master',
      peerConfig: options.peerConfig,
      codecs: options.codecs,
    });
    // werift announces remote tracks while the offer is applied, so listen before answering.
    this.peer.pc.onTrack.subscribe((track) => {
      if (track.kind !== 'audio') return;
      track.onReceiveRtp.subscribe((packet) => this.meter.pushOpus(packet.payload));
    });
  }

  /** Connection state of the device's peer connection. */
  get connectionState(): PeerState {
    return this.peer.connectionState;
  }

  /** Registers where the device's candidates go (ICE_CANDIDATE without recipient). */
  onLocalCandidate(listener: (candidate: CandidateInit) => void): void {
    this.peer.onLocalCandidate(listener);
  }

  /** Adds one of the session's candidates (those before the offer are buffered). */
  async addRemoteCandidate(candidate: CandidateInit): Promise<void> {
    await this.peer.addRemoteCandidate(candidate);
  }

  /**
   * Answers the storage session's offer. The encoders start once the connection is up: ffmpeg
   * cannot honour a PLI, so starting earlier would lose the first keyframe and make the session
   * wait a whole GOP for the next one.
   */
  async answer(offerSdp: string): Promise<string> {
    if (this.closed) throw new Error('device closed');
    const sdp = await this.peer.answer(offerSdp);
    if (this.closed) throw new Error('device closed');
    this.mediaStarting ??= this.peer
      .connected(60_000)
      .then(() => this.startMedia())
      .catch((error: unknown) => {
        if (!this.closed) this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      });
    return sdp;
  }

  /** Resolves once the device's connection is up (rejects on failure or timeout). */
  async connected(timeoutMs?: number): Promise<void> {
    await this.peer.connected(timeoutMs);
  }

  /** RMS level, dBFS, of the audio received from the session over the last `windowMs`. */
  receivedLevel(windowMs = 500): number {
    return this.meter.levelDbfs(windowMs);
  }

  /** Level, dBFS, of one frequency in the received audio (tells mixed tones apart). */
  receivedToneLevel(frequencyHz: number, windowMs = 500): number {
    return this.meter.toneDbfs(frequencyHz, windowMs);
  }

  /** Counters for tests and benchmarks. */
  stats(): H264DeviceStats {
    return {
      state: this.peer.connectionState,
      ...this.stats_,
      audioPacketsReceived: this.meter.packets,
      ffmpegRunning: this.sources.length > 0 && this.sources.every((s) => s.running),
    };
  }

  /** Stops the encoders (ffmpeg processes are killed) and closes the connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      clearInterval(this.frameTimer);
      await this.peer.close();
      await this.mediaStarting;
      await Promise.all(this.sources.map((source) => source.stop()));
      this.meter.close();
    })();
    await this.closing;
  }

  private async startMedia(): Promise<void> {
    if (this.closed) return;
    const video = this.options.video ?? {};
    const width = video.width ?? 640;
    const height = video.height ?? 360;
    const fps = video.fps ?? 15;
    const frameSource = video.frameSource;
    const onExit = (what: string) => (code: number | null, stderr: string) => {
      if (!this.closed)
        this.options.onError?.(new Error(`${what} ffmpeg exited (${code}): ${stderr.trim()}`));
    };
    const videoSource = await FfmpegRtpSource.start({
      args: h264Args({
        width,
        height,
        fps,
        bitrateKbps: video.bitrateKbps ?? 600,
        keyframeIntervalS: video.keyframeIntervalS ?? 1,
        rawInput: frameSource !== undefined,
      }),
      payloadType: 96,
      stdin: frameSource !== undefined,
      ffmpegPath: this.options.ffmpegPath,
      onPacket: (packet) => this.sendVideo(packet),
      onExit: onExit('video'),
    });
    this.sources.push(videoSource);
    const audioSource = await FfmpegRtpSource.start({
      args: opusToneArgs(this.options.toneHz ?? 440),
      payloadType: 111,
      ffmpegPath: this.options.ffmpegPath,
      onPacket: (packet) => this.sendAudio(packet),
      onExit: onExit('audio'),
    });
    this.sources.push(audioSource);
    if (this.closed) {
      await Promise.all(this.sources.map((source) => source.stop()));
      return;
    }
    if (frameSource) {
      this.frameTimer = setInterval(() => {
        const picture = frameSource(Date.now());
        const frame = picture.width === width && picture.height === height ? packI420(picture) : undefined;
        if (frame && videoSource.writeFrame(frame)) this.stats_.framesWritten += 1;
        else this.stats_.framesSkipped += 1;
      }, 1000 / fps);
    }
  }

  private sendVideo(packet: Buffer): void {
    const sender = this.peer.video?.sender;
    if (!sender || this.peer.connectionState !== 'connected') return;
    this.stats_.videoPacketsSent += 1;
    // werift rewrites SSRC and payload type to the negotiated H.264 codec.
    sender.sendRtp(packet).catch(() => undefined);
  }

  private sendAudio(packet: Buffer): void {
    const sender = this.peer.audio?.sender;
    if (!sender || this.peer.connectionState !== 'connected') return;
    this.stats_.audioPacketsSent += 1;
    sender.sendRtp(packet).catch(() => undefined);
  }
}
