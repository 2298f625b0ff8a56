/**
 * Audio levels for 16-bit PCM, in dBFS relative to a full-scale square wave (RMS of 32768): a
 * full-scale sine therefore reads −3.01 dBFS, and a tone made by {@link toneFrame} at −20 dBFS reads
 * −20 dBFS on {@link rmsDbfs}. Silence reads {@link DBFS_FLOOR} rather than −Infinity so levels stay
 * plain JSON numbers.
 */

/** The level reported for digital silence (the quietest non-zero Int16 signal is about −90 dBFS). */
export const DBFS_FLOOR = -100;

const FULL_SCALE = 32768;

/** Converts a linear amplitude (fraction of full scale) to dBFS, clamped at {@link DBFS_FLOOR}. */
export function toDbfs(linear: number): number {
  if (!(linear > 0)) return DBFS_FLOOR;
  return Math.max(DBFS_FLOOR, 20 * Math.log10(linear));
}

/** RMS level of `samples[start, end)` in dBFS. */
export function rmsDbfs(samples: Int16Array, start = 0, end = samples.length): number {
  return toDbfs(Math.sqrt(sumOfSquares(samples, start, end) / Math.max(1, end - start)) / FULL_SCALE);
}

/** Peak level of `samples[start, end)` in dBFS (−32768 is 0 dBFS). */
export function peakDbfs(samples: Int16Array, start = 0, end = samples.length): number {
  return toDbfs(peakAbs(samples, start, end) / FULL_SCALE);
}

/** One reading of a {@link LevelMeter}. */
export interface LevelReading {
  /** RMS level over the window, dBFS. */
  levelDb: number;
  /** Highest sample over the window, dBFS. */
  peakDb: number;
  /** Samples inside the window. */
  windowSamples: number;
}

/** Options for a {@link LevelMeter}. */
export interface LevelMeterOptions {
  /** How far back a reading looks, in ms of arrival time (default 500). */
  windowMs?: number;
  /** Clock for arrival times (default `Date.now`); injectable for tests. */
  now?: () => number;
}

/**
 * A windowed level meter fed with PCM chunks as they arrive (e.g. 10 ms frames from an audio sink).
 * The window is over arrival time, so when audio stops arriving the level falls to the floor
 * instead of holding its last value. Keeps per-chunk sums only; no samples are copied.
 */
export class LevelMeter {
  readonly windowMs: number;
  readonly #now: () => number;
  // Ring of chunk summaries: arrival time, sum of squares, peak |sample|, sample count.
  #times: Float64Array = new Float64Array(64);
  #sums: Float64Array = new Float64Array(64);
  #peaks: Float64Array = new Float64Array(64);
  #counts: Float64Array = new Float64Array(64);
  #head = 0; // index of the oldest chunk
  #size = 0;

  constructor(options: LevelMeterOptions = {}) {
    this.windowMs = options.windowMs ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** Adds one chunk of interleaved samples (all channels are measured together). */
  push(samples: Int16Array, start = 0, end = samples.length): void {
    const now = this.#now();
    this.#expire(now);
    if (this.#size === this.#times.length) this.#grow();
    const i = (this.#head + this.#size) % this.#times.length;
    this.#times[i] = now;
    this.#sums[i] = sumOfSquares(samples, start, end);
    this.#peaks[i] = peakAbs(samples, start, end);
    this.#counts[i] = end - start;
    this.#size++;
  }

  /** The level over the chunks that arrived within the last `windowMs`. */
  read(): LevelReading {
    this.#expire(this.#now());
    let sum = 0;
    let peak = 0;
    let count = 0;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#head + k) % this.#times.length;
      sum += this.#sums[i] ?? 0;
      peak = Math.max(peak, this.#peaks[i] ?? 0);
      count += this.#counts[i] ?? 0;
    }
    return {
      levelDb: count > 0 ? toDbfs(Math.sqrt(sum / count) / FULL_SCALE) : DBFS_FLOOR,
      peakDb: toDbfs(peak / FULL_SCALE),
      windowSamples: count,
    };
  }

  /** Forgets everything measured so far. */
  reset(): void {
    this.#head = 0;
    this.#size = 0;
  }

  #expire(now: number): void {
    while (this.#size > 0 && now - (this.#times[this.#head] ?? 0) > this.windowMs) {
      this.#head = (this.#head + 1) % this.#times.length;
      this.#size--;
    }
  }

  #grow(): void {
    const cap = this.#times.length * 2;
    const reorder = (src: Float64Array): Float64Array => {
      const out = new Float64Array(cap);
      for (let k = 0; k < this.#size; k++) out[k] = src[(this.#head + k) % src.length] ?? 0;
      return out;
    };
    this.#times = reorder(this.#times);
    this.#sums = reorder(this.#sums);
    this.#peaks = reorder(this.#peaks);
    this.#counts = reorder(this.#counts);
    this.#head = 0;
  }
}

/** What a tone sounds like. */
export interface ToneOptions {
  /** Default 440. */
  frequencyHz?: number;
  /** RMS level in dBFS (same scale as {@link rmsDbfs}); default −20. */
  levelDbfs?: number;
  /** Default 48000. */
  sampleRate?: number;
  /** Interleaved channels, all carrying the same tone; default 1. */
  channels?: number;
  /** Frame duration; default 10 (what WebRTC audio sources take). */
  frameMs?: number;
}

/** Phase carried from one {@link toneFrame} call to the next, in radians. */
export interface ToneState {
  phase: number;
}

/**
 * Fills (or allocates) one frame of a sine tone and advances `state.phase`, so consecutive frames join
 * without a click. `out` must hold `sampleRate * frameMs / 1000 * channels` samples when given.
 */
export function toneFrame(
  options: ToneOptions = {},
  state: ToneState = { phase: 0 },
  out?: Int16Array,
): Int16Array {
  const sampleRate = options.sampleRate ?? 48000;
  const channels = options.channels ?? 1;
  const frames = Math.round((sampleRate * (options.frameMs ?? 10)) / 1000);
  const buffer = out ?? new Int16Array(frames * channels);
  if (buffer.length !== frames * channels)
    throw new RangeError(`tone buffer holds ${buffer.length} samples, need ${frames * channels}`);
  const amplitude = Math.min(32767, FULL_SCALE * Math.SQRT2 * 10 ** ((options.levelDbfs ?? -20) / 20));
  const step = (2 * Math.PI * (options.frequencyHz ?? 440)) / sampleRate;
  let phase = state.phase;
  for (let f = 0; f < frames; f++) {
    const s = Math.round(amplitude * Math.sin(phase));
    for (let c = 0; c < channels; c++) buffer[f * channels + c] = s;
    phase += step;
  }
  // Keep the phase small so precision does not drift over hours of audio.
  state.phase = phase % (2 * Math.PI);
  return buffer;
}

/** A tone source that reuses one buffer: each `next()` returns the following frame. */
export class ToneGenerator {
  readonly #options: ToneOptions;
  readonly #state: ToneState = { phase: 0 };
  readonly #buffer: Int16Array;

  constructor(options: ToneOptions = {}) {
    this.#options = { ...options };
    this.#buffer = toneFrame(this.#options, { phase: 0 });
  }

  /** Samples per channel in each frame. */
  get frameSamples(): number {
    return this.#buffer.length / (this.#options.channels ?? 1);
  }

  /** The next frame; the returned array is overwritten by the following call. */
  next(): Int16Array {
    return toneFrame(this.#options, this.#state, this.#buffer);
  }
}

function sumOfSquares(samples: Int16Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  return sum;
}

function peakAbs(samples: Int16Array, start: number, end: number): number {
  let peak = 0;
  for (let i = start; i < end; i++) {
    const s = Math.abs(samples[i] ?? 0);
    if (s > peak) peak = s;
  }
  return peak;
}
