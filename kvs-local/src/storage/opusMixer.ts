import OpusScript from 'opusscript';
import { RtpHeader, RtpPacket } from 'werift';
import { OPUS_RATE } from './audioMeter';

/** Options of {@link OpusMixer}. */
export interface OpusMixerOptions {
  /** Receives each mixed 20 ms Opus packet (payload type, SSRC are the sender's to rewrite). */
  send: (packet: RtpPacket) => void;
  /** Audio a source may queue before its oldest samples are dropped. Default 120 ms. */
  maxQueueMs?: number;
  /** Audio a silent source must queue before it is mixed again, to absorb jitter. Default 40 ms. */
  prebufferMs?: number;
  now?: () => number;
}

const FRAME_SAMPLES = 960; // 20 ms at 48 kHz
const FRAME_MS = 20;

interface Source {
  decoder: OpusScript;
  queue: Int16Array[];
  queued: number;
  primed: boolean;
}

/**
 * Mixes the talk-back audio of every viewer into one Opus stream for the master (§6.2 step 7: the
 * storage session forwards viewers' audio to the master). Each source is decoded into its own
 * queue; every 20 ms one frame of each primed source is summed, clipped and re-encoded.
 */
export class OpusMixer {
  private readonly sources = new Map<string, Source>();
  private readonly encoder = new OpusScript(OPUS_RATE, 1, OpusScript.Application.VOIP);
  private readonly maxQueue: number;
  private readonly prebuffer: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private nextFrameAt = 0;
  private sequenceNumber = Math.floor(Math.random() * 0x10000);
  private timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  private talking = false;
  private closed = false;
  /** Mixed packets produced so far. */
  packetsSent = 0;

  constructor(private readonly options: OpusMixerOptions) {
    this.maxQueue = ((options.maxQueueMs ?? 120) * OPUS_RATE) / 1000;
    this.prebuffer = ((options.prebufferMs ?? 40) * OPUS_RATE) / 1000;
    this.now = options.now ?? Date.now;
    this.encoder.setBitrate(48_000);
  }

  /** Sources currently known (viewers that sent audio and have not been removed). */
  get sourceCount(): number {
    return this.sources.size;
  }

  /** Decodes one Opus payload from `sourceId` into its queue; starts the 20 ms clock if needed. */
  push(sourceId: string, payload: Buffer): void {
    if (this.closed || payload.length === 0) return;
    const source = this.sources.get(sourceId) ?? this.addSource(sourceId);
    let pcm: Buffer;
    try {
      pcm = source.decoder.decode(payload);
    } catch {
      return;
    }
    const samples = new Int16Array(pcm.length / 2);
    for (let i = 0; i < samples.length; i += 1) samples[i] = pcm.readInt16LE(i * 2);
    source.queue.push(samples);
    source.queued += samples.length;
    while (source.queued > this.maxQueue && source.queue.length > 1) {
      source.queued -= source.queue.shift()?.length ?? 0;
    }
    if (!source.primed && source.queued >= this.prebuffer) source.primed = true;
    this.start();
  }

  /** Forgets a source (its viewer left). */
  removeSource(sourceId: string): void {
    const source = this.sources.get(sourceId);
    if (!source) return;
    this.sources.delete(sourceId);
    source.decoder.delete();
    if (this.sources.size === 0) this.stop();
  }

  /**
   * Mixes one 20 ms frame from every primed source and sends it. Returns false (and sends nothing)
   * when no source had audio; the RTP clock still advances, so the gap reads as silence.
   */
  mixFrame(): boolean {
    const mix = new Int32Array(FRAME_SAMPLES);
    let contributors = 0;
    for (const source of this.sources.values()) {
      if (!source.primed) continue;
      if (this.take(source, mix) > 0) contributors += 1;
      if (source.queued === 0) source.primed = false;
    }
    const timestamp = this.timestamp;
    this.timestamp = (this.timestamp + FRAME_SAMPLES) >>> 0;
    if (contributors === 0) {
      this.talking = false;
      return false;
    }
    const pcm = Buffer.alloc(FRAME_SAMPLES * 2);
    for (let i = 0; i < FRAME_SAMPLES; i += 1) {
      pcm.writeInt16LE(Math.max(-32768, Math.min(32767, mix[i] ?? 0)), i * 2);
    }
    const payload = this.encoder.encode(pcm, FRAME_SAMPLES);
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.sequenceNumber,
      timestamp,
      // RFC 3551: the marker flags the first packet after silence (a talk spurt).
      marker: !this.talking,
    });
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.talking = true;
    this.packetsSent += 1;
    this.options.send(new RtpPacket(header, payload));
    return true;
  }

  /** Stops the clock and releases every codec. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    for (const id of [...this.sources.keys()]) this.removeSource(id);
    this.encoder.delete();
  }

  private addSource(sourceId: string): Source {
    const source: Source = { decoder: new OpusScript(OPUS_RATE, 1), queue: [], queued: 0, primed: false };
    this.sources.set(sourceId, source);
    return source;
  }

  /** Adds up to one frame of the source's oldest samples into `mix`; returns how many it took. */
  private take(source: Source, mix: Int32Array): number {
    let filled = 0;
    while (filled < FRAME_SAMPLES && source.queue.length > 0) {
      const head = source.queue[0];
      if (!head) break;
      const n = Math.min(head.length, FRAME_SAMPLES - filled);
      for (let i = 0; i < n; i += 1) mix[filled + i] = (mix[filled + i] ?? 0) + (head[i] ?? 0);
      filled += n;
      source.queued -= n;
      if (n === head.length) source.queue.shift();
      else source.queue[0] = head.subarray(n);
    }
    return filled;
  }

  private start(): void {
    if (this.timer || this.closed) return;
    this.nextFrameAt = this.now();
    // Node timers drift; the loop catches up by wall time so the output keeps a 20 ms cadence.
    this.timer = setInterval(() => this.onTimer(), FRAME_MS / 2);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    const now = this.now();
    if (now - this.nextFrameAt > 10 * FRAME_MS) this.nextFrameAt = now;
    while (this.nextFrameAt <= now) {
      this.mixFrame();
      this.nextFrameAt += FRAME_MS;
    }
  }
}
