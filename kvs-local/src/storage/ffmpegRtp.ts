import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

/** A planar I420 picture, as the simulated cameras' test pattern produces it (strides = widths). */
export interface I420Picture {
  width: number;
  height: number;
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** Options of {@link FfmpegRtpSource.start}. */
export interface FfmpegRtpOptions {
  /** Input and encoder arguments; the RTP output arguments are appended. */
  args: string[];
  /** Payload type ffmpeg writes (the werift sender rewrites it to the negotiated one). */
  payloadType: number;
  /** Each RTP packet ffmpeg sends (RTCP is filtered out). */
  onPacket: (packet: Buffer) => void;
  /** ffmpeg exited on its own (not through {@link FfmpegRtpSource.stop}). */
  onExit?: (code: number | null, stderrTail: string) => void;
  /** Keep stdin open as a pipe, for raw frames. */
  stdin?: boolean;
  ffmpegPath?: string;
}

/** Largest RTP packet asked of ffmpeg: leaves room for SRTP and DTLS overhead under a 1280-byte path. */
const RTP_PACKET_SIZE = 1200;

/**
 * One ffmpeg process encoding to `-f rtp` on a loopback UDP port this object listens on. ffmpeg's
 * RTCP is pointed at the same port (`rtcpport`) so nothing is sent to a closed port, and dropped here.
 */
export class FfmpegRtpSource {
  /** RTP packets received from ffmpeg. */
  packets = 0;
  private stopping = false;
  private stderrTail = '';
  private exited: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly process: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
  }

  /** Binds the UDP port, spawns ffmpeg, resolves once it runs. */
  static async start(options: FfmpegRtpOptions): Promise<FfmpegRtpSource> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const port = socket.address().port;
    // connect=1: once this port closes (also when this process dies) ffmpeg's sends fail with
    // ECONNREFUSED and it exits, so a crashed parent does not leave encoders running.
    const url = `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=${RTP_PACKET_SIZE}&connect=1`;
    const child = spawn(
      options.ffmpegPath ?? 'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...(options.stdin ? [] : ['-nostdin']),
        ...options.args,
        '-f',
        'rtp',
        '-payload_type',
        String(options.payloadType),
        url,
      ],
      { stdio: [options.stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'] },
    );
    const source = new FfmpegRtpSource(socket, child);
    socket.on('message', (message) => {
      // RTCP packet types 200-204 sit where RTP has marker + payload type.
      const type = message[1] ?? 0;
      if (message.length < 12 || (type >= 200 && type <= 204)) return;
      source.packets += 1;
      options.onPacket(message);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      source.stderrTail = (source.stderrTail + chunk.toString()).slice(-2000);
    });
    child.stdin?.on('error', () => undefined);
    child.once('exit', (code) => {
      if (!source.stopping) options.onExit?.(code, source.stderrTail);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => {
        socket.close();
        reject(error);
      });
    });
    return source;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /**
   * Writes one raw frame to stdin; returns false (frame skipped) while the pipe is congested, so a
   * slow encoder drops frames rather than buffering seconds of video.
   */
  writeFrame(frame: Buffer): boolean {
    const stdin = this.process.stdin;
    if (!stdin || this.stopping || stdin.writableNeedDrain || !stdin.writable) return false;
    stdin.write(frame);
    return true;
  }

  /** Stops ffmpeg (SIGTERM, then SIGKILL after 1 s) and closes the port. Idempotent. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.process.stdin?.destroy();
      if (this.running) this.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (this.running) this.process.kill('SIGKILL');
      }, 1000);
      await this.exited;
      clearTimeout(timer);
      try {
        this.socket.close();
      } catch {
        // Already closed.
      }
    }
    await this.exited;
  }
}

/** ffmpeg input + libx264 arguments for the device's video (constrained baseline, packetization-mode 1). */
export function h264Args(options: {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  keyframeIntervalS: number;
  rawInput: boolean;
}): string[] {
  const { width, height, fps, bitrateKbps } = options;
  const gop = String(Math.max(1, Math.round(fps * options.keyframeIntervalS)));
  const input = options.rawInput
    ? [
        '-f',
        'rawvideo',
        '-pix_fmt',
        'yuv420p',
        '-s',
        `${width}x${height}`,
        '-framerate',
        String(fps),
        '-i',
        'pipe:0',
      ]
    : ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`];
  return [
    ...input,
    '-an',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-level',
    '3.1',
    '-pix_fmt',
    'yuv420p',
    '-g',
    gop,
    '-keyint_min',
    gop,
    '-sc_threshold',
    '0',
    '-b:v',
    `${bitrateKbps}k`,
    '-maxrate',
    `${bitrateKbps}k`,
    '-bufsize',
    `${bitrateKbps}k`,
    // One thread: many devices share a 2-core machine, and x264 threads add frame latency.
    '-threads',
    '1',
  ];
}

/** ffmpeg arguments for a sine tone encoded as mono 20 ms Opus frames. */
export function opusToneArgs(frequencyHz: number): string[] {
  return [
    '-re',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${frequencyHz}:sample_rate=48000`,
    '-vn',
    '-c:a',
    'libopus',
    '-ac',
    '1',
    '-b:a',
    '32k',
    '-frame_duration',
    '20',
    '-application',
    'voip',
  ];
}

/** Copies an I420 picture into one buffer (the caller may reuse its planes for the next frame). */
export function packI420(picture: I420Picture): Buffer | undefined {
  const lumaSize = picture.width * picture.height;
  const chromaSize = Math.ceil(picture.width / 2) * Math.ceil(picture.height / 2);
  if (picture.y.length < lumaSize || picture.u.length < chromaSize || picture.v.length < chromaSize) {
    return undefined;
  }
  const out = Buffer.allocUnsafe(lumaSize + 2 * chromaSize);
  out.set(picture.y.subarray(0, lumaSize), 0);
  out.set(picture.u.subarray(0, chromaSize), lumaSize);
  out.set(picture.v.subarray(0, chromaSize), lumaSize + chromaSize);
  return out;
}
