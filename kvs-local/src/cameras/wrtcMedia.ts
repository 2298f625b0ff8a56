/**
 * A simulated camera's media engine on `@roamhq/wrtc`: one video source (the moving test pattern with
 * its frame stamp) and one audio source (a tone) per camera, fed by one clock per camera, shared by
 * every viewer peer. Viewer peers meter the talk-back audio they receive.
 *
 * Frames are generated once per tick however many viewers there are (libwebrtc still encodes once per
 * sender: that cost is per viewer and is the real camera's too).
 */
import { ToneGenerator } from '../../../src-shared/media/audioLevel';
import { createI420Frame, TestPattern } from '../../../src-shared/media/testPattern';
import type { I420Frame } from '../../../src-shared/media/testPattern';
import { ViewerPeer } from './viewerPeer';
import type { ViewerLevel, ViewerPeerEvents } from './viewerPeer';
import { wrtc } from './wrtc';
import type { WrtcAudioSource, WrtcIceServer, WrtcVideoSource } from './wrtcTypes';

/** How a simulated camera looks and sounds. */
export interface CameraMediaOptions {
  /** Burnt into the picture; usually the channel name. */
  label: string;
  /** Default 640. */
  width?: number;
  /** Default 360. */
  height?: number;
  /** Default 15; 1–60. */
  fps?: number;
  /** Tone frequency; default 440 Hz. */
  toneHz?: number;
  /** Tone RMS level; default −20 dBFS. */
  toneDbfs?: number;
  /** Talk-back meter window; default 500 ms. */
  levelWindowMs?: number;
  /** How long a viewer may stay 'disconnected' before its peer is closed; default 5000 ms. */
  disconnectGraceMs?: number;
  /** Talk-back chunks with a peak above this count as heard; default −50 dBFS. */
  heardThresholdDb?: number;
  /** Wall clock for frame stamps and level timestamps; default `Date.now`. */
  now?: () => number;
}

/** A snapshot of the camera's media state. */
export interface CameraMediaStats {
  running: boolean;
  frozen: boolean;
  fps: number;
  width: number;
  height: number;
  /** Stamp counter of the last frame sent (16 bits; −1 before the first frame). */
  seq: number;
  /** Frames handed to the video source (repeats while frozen included). */
  framesSent: number;
  /** 10 ms audio frames elapsed on the camera's clock (synthesised only while someone is connected). */
  audioFrames: number;
  viewers: number;
}

const SAMPLE_RATE = 48000;
const AUDIO_FRAME_MS = 10;
// One wake-up per 20 ms carries two audio frames; video frames go out on the first tick at or after
// their due time, so a frame is at most one tick late and the stamp records when it was drawn.
const TICK_MS = 20;
// After a stall (GC, a busy event loop) send at most this many audio frames at once and drop the rest:
// a burst would only pile up in the receiver's jitter buffer.
const MAX_AUDIO_CATCH_UP = 5;

// Cameras render one at a time and wrtc copies a frame inside onFrame(), so one buffer per frame size
// serves every camera in the process.
const sharedFrames = new Map<string, I420Frame>();

function sharedFrame(width: number, height: number): I420Frame {
  const key = `${width}x${height}`;
  let frame = sharedFrames.get(key);
  if (!frame) {
    frame = createI420Frame(width, height);
    sharedFrames.set(key, frame);
  }
  return frame;
}

/** The media half of a simulated camera (the signaling half lives with the broker). */
export class CameraMedia {
  readonly label: string;
  readonly width: number;
  readonly height: number;
  readonly #options: Required<Omit<CameraMediaOptions, 'label' | 'width' | 'height' | 'fps'>>;
  readonly #pattern: TestPattern;
  readonly #tone: ToneGenerator;
  readonly #videoSource: WrtcVideoSource;
  readonly #audioSource: WrtcAudioSource;
  readonly #viewers = new Map<string, ViewerPeer>();
  #fps: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #frozen = false;
  #closed = false;
  #seq = -1;
  #frameTimeMs = 0;
  #framesSent = 0;
  #audioFramesElapsed = 0;
  #audioEpoch = 0;
  #nextVideoAt = 0;

  constructor(options: CameraMediaOptions) {
    this.label = options.label;
    this.width = options.width ?? 640;
    this.height = options.height ?? 360;
    this.#fps = checkFps(options.fps ?? 15);
    this.#options = {
      toneHz: options.toneHz ?? 440,
      toneDbfs: options.toneDbfs ?? -20,
      levelWindowMs: options.levelWindowMs ?? 500,
      disconnectGraceMs: options.disconnectGraceMs ?? 5000,
      heardThresholdDb: options.heardThresholdDb ?? -50,
      now: options.now ?? Date.now,
    };
    this.#pattern = new TestPattern(this.width, this.height, this.label);
    this.#tone = new ToneGenerator({
      frequencyHz: this.#options.toneHz,
      levelDbfs: this.#options.toneDbfs,
      sampleRate: SAMPLE_RATE,
      frameMs: AUDIO_FRAME_MS,
    });
    this.#videoSource = new wrtc.nonstandard.RTCVideoSource();
    this.#audioSource = new wrtc.nonstandard.RTCAudioSource();
  }

  /** True while the clock runs (frames and tone are being sent). */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** True while the picture is frozen. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Starts sending frames and tone. No-op when running; throws once closed. */
  start(): void {
    if (this.#closed) throw new Error(`camera ${this.label} is closed`);
    if (this.#timer) return;
    const now = performance.now();
    this.#audioEpoch = now;
    this.#audioFramesElapsed = 0;
    this.#nextVideoAt = now;
    this.#timer = setInterval(this.#tick, TICK_MS);
    this.#tick();
  }

  /** Stops all media: viewers stay connected but receive nothing, like a camera that hung. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Keeps sending, but repeats the last picture: its stamp (time and seq) stops advancing. */
  freeze(): void {
    this.#frozen = true;
  }

  /** Resumes a moving picture after {@link freeze}. */
  unfreeze(): void {
    this.#frozen = false;
  }

  /** Changes the frame rate (1–60) from the next frame on. */
  setFps(fps: number): void {
    this.#fps = checkFps(fps);
    this.#nextVideoAt = Math.min(this.#nextVideoAt, performance.now() + 1000 / this.#fps);
  }

  /**
   * Creates the peer connection for one viewer, with this camera's video and audio tracks added and
   * its talk-back metered. A viewer id that already has a peer gets a fresh one: the old peer is
   * closed with reason 'replaced' (the service lets a reconnecting ClientId take over).
   */
  createViewerPeer(viewerId: string, iceServers: WrtcIceServer[], events: ViewerPeerEvents = {}): ViewerPeer {
    if (this.#closed) throw new Error(`camera ${this.label} is closed`);
    this.#viewers.get(viewerId)?.close('replaced');
    const peer = new ViewerPeer({
      viewerId,
      iceServers,
      videoTrack: this.#videoSource.createTrack(),
      audioTrack: this.#audioSource.createTrack(),
      events,
      levelWindowMs: this.#options.levelWindowMs,
      disconnectGraceMs: this.#options.disconnectGraceMs,
      heardThresholdDb: this.#options.heardThresholdDb,
      now: this.#options.now,
      detach: (p) => {
        if (this.#viewers.get(p.viewerId) === p) this.#viewers.delete(p.viewerId);
      },
    });
    this.#viewers.set(viewerId, peer);
    return peer;
  }

  /** The open peer of `viewerId`, if any. */
  viewer(viewerId: string): ViewerPeer | undefined {
    return this.#viewers.get(viewerId);
  }

  /** Closes one viewer's peer (no-op if it has none). */
  closeViewer(viewerId: string): void {
    this.#viewers.get(viewerId)?.close('closed');
  }

  /** What the camera hears from each connected viewer. */
  levels(): ViewerLevel[] {
    return [...this.#viewers.values()].map((peer) => peer.level());
  }

  /** A snapshot for the admin API and tests. */
  stats(): CameraMediaStats {
    return {
      running: this.running,
      frozen: this.#frozen,
      fps: this.#fps,
      width: this.width,
      height: this.height,
      seq: this.#seq,
      framesSent: this.#framesSent,
      audioFrames: this.#audioFramesElapsed,
      viewers: this.#viewers.size,
    };
  }

  /** Stops the clock and closes every viewer peer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stop();
    for (const peer of [...this.#viewers.values()]) peer.close('camera-closed');
  }

  readonly #tick = (): void => {
    const now = performance.now();
    this.#sendAudio(now);
    if (now >= this.#nextVideoAt) {
      this.#sendVideoFrame();
      const period = 1000 / this.#fps;
      this.#nextVideoAt += period;
      // Missed frames after a stall are skipped, not sent in a burst.
      if (this.#nextVideoAt < now) this.#nextVideoAt = now + period;
    }
  };

  #sendAudio(now: number): void {
    let due = Math.floor((now - this.#audioEpoch) / AUDIO_FRAME_MS) - this.#audioFramesElapsed;
    if (due > MAX_AUDIO_CATCH_UP) {
      this.#audioFramesElapsed += due - MAX_AUDIO_CATCH_UP;
      due = MAX_AUDIO_CATCH_UP;
    }
    if (due <= 0) return;
    this.#audioFramesElapsed += due;
    // Nobody listening: keep time, skip the synthesis (idle cameras should cost next to nothing).
    if (this.#viewers.size === 0) return;
    for (; due > 0; due--) {
      this.#audioSource.onData({
        samples: this.#tone.next(),
        sampleRate: SAMPLE_RATE,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: this.#tone.frameSamples,
      });
    }
  }

  #sendVideoFrame(): void {
    if (!this.#frozen || this.#seq < 0) {
      this.#seq = (this.#seq + 1) % 65536;
      this.#frameTimeMs = this.#options.now();
    }
    // An unwatched camera only keeps counting: drawing and copying a frame nobody encodes is waste.
    if (this.#viewers.size === 0) return;
    const frame = this.#pattern.render(this.#seq, this.#frameTimeMs, sharedFrame(this.width, this.height));
    this.#videoSource.onFrame(frame);
    this.#framesSent++;
  }
}

function checkFps(fps: number): number {
  if (!Number.isFinite(fps) || fps < 1 || fps > 60) throw new RangeError(`fps must be 1–60, got ${fps}`);
  return fps;
}
