import OpusScript from 'opusscript';
import { RtpHeader, RtpPacket } from 'werift';
import { OPUS_RATE } from './audioMeter';

const FRAME_SAMPLES = 960;
const FRAME_MS = 20;

/**
 * A sine tone encoded in-process as 20 ms mono Opus RTP packets: a talking viewer without an ffmpeg
 * process per viewer. The clock catches up by wall time, so the cadence survives timer drift.
 */
export class OpusTone {
  private readonly encoder = new OpusScript(OPUS_RATE, 1, OpusScript.Application.VOIP);
  private timer: NodeJS.Timeout | undefined;
  private phase = 0;
  private nextAt = 0;
  private sequenceNumber = Math.floor(Math.random() * 0x10000);
  private timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  private closed = false;
  /** Packets produced so far. */
  packets = 0;

  constructor(
    private readonly frequencyHz: number,
    private readonly amplitude: number,
    private readonly send: (packet: RtpPacket) => void,
  ) {}

  /** Starts sending (no-op when running). */
  start(): void {
    if (this.timer || this.closed) return;
    this.nextAt = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now - this.nextAt > 10 * FRAME_MS) this.nextAt = now;
      while (this.nextAt <= now) {
        this.frame();
        this.nextAt += FRAME_MS;
      }
    }, FRAME_MS / 2);
    this.timer.unref();
  }

  /** Stops sending; {@link start} resumes. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops and releases the encoder. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    this.encoder.delete();
  }

  private frame(): void {
    const pcm = Buffer.alloc(FRAME_SAMPLES * 2);
    const step = (2 * Math.PI * this.frequencyHz) / OPUS_RATE;
    for (let i = 0; i < FRAME_SAMPLES; i += 1) {
      pcm.writeInt16LE(Math.round(Math.sin(this.phase) * this.amplitude * 32767), i * 2);
      this.phase = (this.phase + step) % (2 * Math.PI);
    }
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
    });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    this.packets += 1;
    this.send(new RtpPacket(header, this.encoder.encode(pcm, FRAME_SAMPLES)));
  }
}
