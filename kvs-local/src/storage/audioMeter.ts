import OpusScript from 'opusscript';

/** Sample rate of every Opus stream here (RFC 7587: the RTP clock is always 48 kHz). */
export const OPUS_RATE = 48_000;
/** Level reported for silence, instead of -Infinity, so it survives JSON. */
export const SILENCE_DBFS = -120;

const toDbfs = (rms: number): number =>
  rms > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(rms)) : SILENCE_DBFS;

interface Chunk {
  at: number;
  pcm: Int16Array;
}

/**
 * Decodes received Opus and reports its level: RMS dBFS over a recent window, and the level of one
 * frequency (Goertzel), which lets tests tell two mixed tones apart. Mono decoding: a stereo packet
 * is down-mixed by the decoder.
 */
export class OpusLevelMeter {
  private readonly decoder = new OpusScript(OPUS_RATE, 1);
  private chunks: Chunk[] = [];
  private closed = false;
  /** Packets decoded so far. */
  packets = 0;
  /** Packets the decoder refused. */
  errors = 0;

  constructor(
    private readonly keepMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Decodes one Opus RTP payload. */
  pushOpus(payload: Buffer): void {
    if (this.closed || payload.length === 0) return;
    let pcm: Buffer;
    try {
      pcm = this.decoder.decode(payload);
    } catch {
      this.errors += 1;
      return;
    }
    this.packets += 1;
    const samples = new Int16Array(pcm.length / 2);
    for (let i = 0; i < samples.length; i += 1) samples[i] = pcm.readInt16LE(i * 2);
    this.pushPcm(samples);
  }

  /** Adds decoded mono 48 kHz samples. */
  pushPcm(samples: Int16Array): void {
    const at = this.now();
    this.chunks.push({ at, pcm: samples });
    const oldest = at - this.keepMs;
    while (this.chunks.length > 0 && (this.chunks[0]?.at ?? at) < oldest) this.chunks.shift();
  }

  /** RMS level of what arrived in the last `windowMs`, in dBFS ({@link SILENCE_DBFS} when nothing). */
  levelDbfs(windowMs = 500): number {
    let sum = 0;
    let count = 0;
    for (const sample of this.recent(windowMs)) {
      const v = sample / 32768;
      sum += v * v;
      count += 1;
    }
    return count > 0 ? toDbfs(Math.sqrt(sum / count)) : SILENCE_DBFS;
  }

  /**
   * RMS level, in dBFS, of the component at `frequencyHz` in the last `windowMs` (Goertzel). A pure
   * tone reads the same here as in {@link levelDbfs}; a tone that is absent reads far below it.
   */
  toneDbfs(frequencyHz: number, windowMs = 500): number {
    const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / OPUS_RATE);
    let s1 = 0;
    let s2 = 0;
    let count = 0;
    for (const sample of this.recent(windowMs)) {
      const s0 = sample / 32768 + coefficient * s1 - s2;
      s2 = s1;
      s1 = s0;
      count += 1;
    }
    if (count === 0) return SILENCE_DBFS;
    const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    const amplitude = (2 * Math.sqrt(Math.max(0, power))) / count;
    return toDbfs(amplitude / Math.SQRT2);
  }

  /** Releases the decoder. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.decoder.delete();
  }

  private *recent(windowMs: number): Generator<number> {
    const since = this.now() - windowMs;
    for (const chunk of this.chunks) {
      if (chunk.at < since) continue;
      for (const sample of chunk.pcm) yield sample;
    }
  }
}
